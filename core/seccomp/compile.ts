/**
 * linux.seccomp compiled to a BPF program with libseccomp, as runc's
 * InitSeccomp builds its filter, then patched so that syscalls newer than
 * every syscall the profile names return ENOSYS instead of the default action
 * (a container's newer libc then falls back, clone3 to clone and so on). The
 * init stub only loads the finished program.
 *
 * Loaded only by the commands that start processes, and only when the config
 * has linux.seccomp.
 *
 * @module
 */
import type { LinuxSeccomp, LinuxSyscall } from "../spec/types.ts";
import type { Libseccomp } from "../os/sys.ts";
import type { SeccompLoad } from "../init/plan_process.ts";

/** A compiled filter for the init stub. */
export type CompiledFilter = SeccompLoad;

/** An error in linux.seccomp, named as runc names it. */
export class SeccompError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "SeccompError";
  }
}

const EPERM = 1;
const ENOSYS = 38;

/** libseccomp's action values (seccomp.h). */
export function actionValue(name: string, errnoRet: number | undefined): number {
  switch (name) {
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD":
      return 0x00000000;
    case "SCMP_ACT_KILL_PROCESS":
      return 0x80000000;
    case "SCMP_ACT_TRAP":
      return 0x00030000;
    case "SCMP_ACT_ERRNO":
      return (0x00050000 | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case "SCMP_ACT_TRACE":
      return (0x7ff00000 | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case "SCMP_ACT_ALLOW":
      return 0x7fff0000;
    case "SCMP_ACT_LOG":
      return 0x7ffc0000;
    case "SCMP_ACT_NOTIFY":
      return 0x7fc00000;
    default:
      throw new SeccompError(`invalid action ${JSON.stringify(name)}`);
  }
}

const OPERATORS: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

const FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
};

/** SCMP_ACT_NOTIFY */
const ACT_NOTIFY = 0x7fc00000;

/**
 * Syscalls that may not notify: runc refuses `write`, which carries the
 * listener's number to runc; the init stub sends the listener itself with
 * `sendmsg`, so that one cannot wait for the agent either.
 */
const NOTIFY_REFUSED = ["write", "sendmsg"];

/** SECCOMP_FILTER_FLAG_NEW_LISTENER */
export const FLAG_NEW_LISTENER = 8;

/** `SCMP_ARCH_X86_64` to libseccomp's `x86_64`. */
function archName(spec: string): string {
  return spec.replace(/^SCMP_ARCH_/, "").toLowerCase();
}

/** struct scmp_arg_cmp[] for a rule's conditions. */
function conditions(args: NonNullable<LinuxSyscall["args"]>): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(24 * args.length);
  const view = new DataView(buf.buffer);
  args.forEach((a, i) => {
    const op = OPERATORS[a.op];
    if (op === undefined) throw new SeccompError(`invalid operator ${JSON.stringify(a.op)}`);
    if (a.index > 5) throw new SeccompError(`syscall argument index ${a.index} is out of range`);
    view.setUint32(i * 24, a.index, true);
    view.setUint32(i * 24 + 4, op, true);
    view.setBigUint64(i * 24 + 8, BigInt(a.value), true);
    view.setBigUint64(i * 24 + 16, BigInt(a.valueTwo ?? 0), true);
  });
  return buf;
}

/**
 * Compiles linux.seccomp.
 *
 * @param lib libseccomp
 * @param config the spec's linux.seccomp
 * @returns the program, its load flags, and whether it notifies
 * @throws SeccompError for an unknown action, operator, architecture or flag
 */
export function compileSeccomp(lib: Libseccomp, config: LinuxSeccomp): CompiledFilter {
  const defaultAction = actionValue(config.defaultAction, config.defaultErrnoRet);
  let flags = 0;
  for (const f of config.flags ?? []) {
    const v = FLAGS[f];
    if (v === undefined) throw new SeccompError(`seccomp flag ${JSON.stringify(f)} is not known`);
    flags |= v;
  }
  const ctx = lib.init(defaultAction);
  if (ctx === null) throw new SeccompError("seccomp_init failed");
  try {
    // The stub sets no_new_privs itself when the config asks for it.
    check(lib.attrSet(ctx, 3, /* SCMP_FLTATR_CTL_NNP */ 0), "disable no_new_privs in the filter");
    const arches = [lib.archNative()];
    for (const a of config.architectures ?? []) {
      const token = lib.archResolve(archName(a));
      if (!token) throw new SeccompError(`unrecognized architecture ${JSON.stringify(a)}`);
      const r = lib.archAdd(ctx, token);
      if (r < 0 && r !== -17 /* EEXIST: the native one */) check(r, `add architecture ${a}`);
      if (!arches.includes(token)) arches.push(token);
    }
    // As runc: the listener travels to runc after the filter is loaded, so the
    // calls that carry it may not wait for the agent (which has no fd yet).
    if (defaultAction === ACT_NOTIFY) {
      throw new SeccompError("SCMP_ACT_NOTIFY cannot be used as default action");
    }
    let notify = false;
    for (const call of config.syscalls ?? []) {
      const action = actionValue(call.action, call.errnoRet);
      if (action === ACT_NOTIFY) {
        const level = lib.apiLevel();
        if (level < 6) {
          throw new SeccompError(
            `seccomp notify unsupported: API level: got ${level}, want at least 6. ` +
              "Please try with libseccomp >= 2.5.0 and Linux >= 5.7",
          );
        }
        for (const name of call.names ?? []) {
          if (NOTIFY_REFUSED.includes(name)) {
            throw new SeccompError(`SCMP_ACT_NOTIFY cannot be used for the ${name} syscall`);
          }
        }
      }
      // As runc: a rule that does what the default does is left out.
      if (action === defaultAction) continue;
      if (action === ACT_NOTIFY) notify = true;
      const args = call.args ?? [];
      // Several conditions on one argument: a rule each (runc's old behaviour), else one rule.
      const perArg = new Map<number, number>();
      for (const a of args) perArg.set(a.index, (perArg.get(a.index) ?? 0) + 1);
      const split = [...perArg.values()].some((n) => n > 1);
      for (const name of call.names ?? []) {
        const nr = lib.syscallResolve(name);
        if (nr === -1) continue; // unknown to libseccomp: skipped, as in runc
        if (args.length === 0 || !split) {
          check(
            lib.ruleAdd(ctx, action, nr, conditions(args), args.length),
            `add rule for ${name}`,
          );
        } else {
          for (const a of args) {
            check(lib.ruleAdd(ctx, action, nr, conditions([a]), 1), `add rule for ${name}`);
          }
        }
      }
    }
    let program = lib.exportBpf(ctx);
    if (config.defaultAction !== "SCMP_ACT_ALLOW") {
      const names = (config.syscalls ?? []).flatMap((c) => c.names ?? []);
      program = enosysPatch(
        program,
        arches.map((arch) => ({ arch, max: maxSyscall(lib, arch, names) })),
      );
    }
    if (notify) flags |= FLAG_NEW_LISTENER;
    return { program, flags, notify };
  } finally {
    lib.release(ctx);
  }
}

function check(r: number, what: string): void {
  if (r < 0) throw new SeccompError(`seccomp: ${what}: errno ${-r}`);
}

function maxSyscall(lib: Libseccomp, arch: number, names: string[]): number {
  let max = -1;
  for (const n of names) max = Math.max(max, lib.syscallResolveArch(arch, n));
  return max;
}

// BPF opcodes (linux/filter.h)
const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGT_K = 0x25;
const BPF_JA = 0x05;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ERRNO = 0x00050000;

/**
 * Puts a prefix in front of a program: for each architecture, a syscall number
 * above the largest one the profile names returns ENOSYS. Syscalls the profile
 * names, and everything on other architectures, go on to the program.
 *
 * @param program the exported filter
 * @param arches the architectures (AUDIT_ARCH values) and the largest number named on each
 * @returns the patched program
 */
export function enosysPatch(
  program: Uint8Array,
  arches: { arch: number; max: number }[],
): Uint8Array {
  const blocks = arches.filter((a) => a.max >= 0);
  if (blocks.length === 0) return program;
  const ins: [number, number, number, number][] = [];
  blocks.forEach((b, i) => {
    // Instructions left after this block's jgt: the other blocks, the ja, then the ret.
    const after = (blocks.length - 1 - i) * 4 + 1;
    ins.push([BPF_LD_W_ABS, 0, 0, 4]); // seccomp_data.arch
    ins.push([BPF_JEQ_K, 0, 2, b.arch >>> 0]);
    ins.push([BPF_LD_W_ABS, 0, 0, 0]); // seccomp_data.nr
    ins.push([BPF_JGT_K, after, 0, b.max]);
  });
  ins.push([BPF_JA, 0, 0, 1]);
  ins.push([BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS]);
  const out = new Uint8Array(ins.length * 8 + program.length);
  const view = new DataView(out.buffer);
  ins.forEach(([code, jt, jf, k], i) => {
    view.setUint16(i * 8, code, true);
    view.setUint8(i * 8 + 2, jt);
    view.setUint8(i * 8 + 3, jf);
    view.setUint32(i * 8 + 4, k, true);
  });
  out.set(program, ins.length * 8);
  return out;
}
