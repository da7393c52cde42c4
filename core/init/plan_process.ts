/**
 * The part of the init program that sets up a process, shared by the
 * container's init (plan.ts) and `runc exec` (plan_exec.ts): LSM labels,
 * rlimits, no_new_privs and seccomp, the bounding set, groups
 * and user, the cwd, capabilities, HOME, the program's lookup, and exec.
 * Pure, like the rest of the planner.
 *
 * @module
 */
import type { Process } from "../spec/types.ts";
import { Chdir, type Op } from "./protocol.ts";
import { ops } from "./ops.ts";
import { capabilityMask } from "./caps.ts";
import { rlimitNumber } from "../spec/rlimits.ts";

/** A compiled seccomp filter, ready for the stub (core/seccomp/compile.ts makes it). */
export interface SeccompLoad {
  /** struct sock_filter[], 8 bytes an instruction. */
  program: Uint8Array;
  /** SECCOMP_FILTER_FLAG_* for seccomp(2). */
  flags: number;
  /** The profile uses SCMP_ACT_NOTIFY: load with a listener and hand it to the agent. */
  notify: boolean;
}

/** How planProcess sets up a process beyond its own fields. */
export interface ProcessPlanOptions {
  /** The seccomp filter to load, if any. */
  seccomp?: SeccompLoad | undefined;
  /** Where an AppArmor exec profile is written, when AppArmor is enabled. */
  apparmorExecAttr?: string | undefined;
  /** Whether SELinux is enabled on the host. */
  selinuxEnabled: boolean;
  /** setgroups is denied: no supplementary groups can be set (rootless, single mapping). */
  setgroupsDenied?: boolean;
  /**
   * A process exec'd into a running container (runc's setns init): the AppArmor
   * profile is planned here, and errors are worded as runc words them for exec.
   * The container's init gets its profile from planInit, after the hostname.
   */
  inExec?: boolean;
}

/**
 * The op that confines the program with an AppArmor profile from its execve
 * on (aa_change_onexec: `exec PROFILE` written to the task's exec attribute).
 * A profile that is not loaded fails the write with ENOENT, worded as runc:
 * `unable to apply apparmor profile: apparmor failed to apply profile: write
 * /proc/self/attr/apparmor/exec: no such file or directory`.
 *
 * @param profile the profile's name
 * @param attr /proc/self/attr/apparmor/exec, or /proc/self/attr/exec on
 *   kernels without the per-LSM directory (host.ts's apparmorExecAttr)
 * @param inExec for `runc exec` (runc's setns init words its error apart)
 * @returns the op
 * @throws Error when AppArmor is off (the spec checks refuse that first)
 */
export function apparmorOp(profile: string, attr: string | undefined, inExec: boolean): Op {
  if (!attr) throw new Error("an AppArmor profile on a host without AppArmor");
  const what = "apparmor failed to apply profile";
  return ops.writeFile(
    attr,
    `exec ${profile}`,
    inExec ? what : `error during container init: unable to apply apparmor profile: ${what}`,
  );
}

/**
 * The session keyring of the process, made with the process's SELinux label
 * when it has one: runc writes the label to keycreate before the join and
 * resets it after.
 *
 * @param name the keyring's name (`_ses.ID`)
 * @param label process.selinuxLabel, if any
 * @param inExec for `runc exec` (its errors are worded apart)
 * @returns the ops
 */
export function keyringOps(name: string, label: string | undefined, inExec: boolean): Op[] {
  if (!label) return [ops.joinKeyring(name)];
  const what = inExec ? "" : "error during container init";
  return [
    ops.writeFile("/proc/self/attr/keycreate", label, what),
    ops.joinKeyring(name),
    ops.writeFile("/proc/self/attr/keycreate", "", what),
  ];
}

/**
 * The ops that load a filter; with a listener, the init hands it to runc
 * for the agent and waits until it has.
 *
 * @param filter the compiled filter
 * @returns the ops
 */
function seccompOps(filter: SeccompLoad): Op[] {
  const load = ops.seccomp(filter.program, filter.flags);
  return filter.notify ? [load, ops.sendSeccomp()] : [load];
}

/**
 * The stub's first steps for any process: the caller's fds swept (but the
 * kept ones), and the container's oom_score_adj written while the stub is
 * still on the host's /proc, before it joins anything (runc's nsexec does it
 * in its first stage); the clone passes it on. For the container's init and
 * for every exec'd process alike: an exec'd one would otherwise get the
 * caller's (a shim's is near -1000, almost immune to the OOM killer).
 *
 * @param keptFds fds passed on above stdio
 * @param oomScoreAdj the container's process.oomScoreAdj, if any
 * @returns the ops
 */
export function stubStart(keptFds: number, oomScoreAdj: number | undefined): Op[] {
  const out = [ops.sweepFds(keptFds)];
  if (oomScoreAdj !== undefined) {
    out.push(ops.writeFile("/proc/self/oom_score_adj", `${oomScoreAdj}`));
  }
  return out;
}

/** The process's environment: its own, plus what the runtime adds (LISTEN_FDS). */
export function processEnv(process: Process, extraEnv: readonly string[] = []): string[] {
  return [...(process.env ?? []), ...extraEnv];
}

/**
 * The container's terminal, made in its own devpts (the master goes to the
 * CLI; the slave becomes stdio and, with a mount namespace, /dev/console).
 *
 * @param process the process (its consoleSize)
 * @param onDevConsole also bind the slave on /dev/console
 * @returns the op
 */
export function consoleOp(process: Process | undefined, onDevConsole: boolean): Op {
  const size = process?.consoleSize;
  return ops.console(onDevConsole, size?.height ?? 0, size?.width ?? 0);
}

/**
 * The process part shared by the container's init and exec'd processes, in
 * runc's order: (for exec, the AppArmor profile), rlimits, no_new_privs, the
 * SELinux label for exec, an early seccomp filter (without no_new_privs), the
 * bounding set, groups, HOME, the cwd's first try, the user, the cwd,
 * capabilities, the program's lookup, then a late seccomp filter (with
 * no_new_privs, as close to exec as runc puts it). Both labels are set before
 * any filter, so nothing after a filter needs what it might deny.
 *
 * @param process the process
 * @param env its environment (for PATH)
 * @param opts host facts and additions
 * @returns the ops, ending with LOOKPATH or the seccomp filter
 * @throws Error when a label is asked for that the host cannot apply (the spec
 *   checks refuse such a config first: this is an assertion)
 */
export function planProcess(
  process: Process,
  env: readonly string[],
  opts: ProcessPlanOptions,
): Op[] {
  const out: Op[] = [];
  // runc's setns init applies the profile after the user is set, but when the
  // filter is loaded early that is after the filter: here it comes first.
  if (opts.inExec && process.apparmorProfile) {
    out.push(apparmorOp(process.apparmorProfile, opts.apparmorExecAttr, true));
  }
  for (const r of process.rlimits ?? []) {
    const resource = rlimitNumber(r.type);
    if (resource === undefined) throw new Error(`unknown rlimit type ${r.type}`);
    out.push(ops.setrlimit(resource, limit(r.soft), limit(r.hard)));
  }
  if (process.noNewPrivileges) out.push(ops.noNewPrivs());
  // The label the program runs with, set before the filter (runc's SetExecLabel).
  if (process.selinuxLabel) {
    if (!opts.selinuxEnabled) throw new Error("an SELinux label on a host without SELinux");
    out.push(
      ops.writeFile(
        "/proc/thread-self/attr/exec",
        process.selinuxLabel,
        opts.inExec ? "" : "error during container init: can't set process label",
      ),
    );
  }
  // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the user is set.
  if (!process.noNewPrivileges && opts.seccomp) out.push(...seccompOps(opts.seccomp));

  const caps = process.capabilities ?? {};
  out.push(ops.capBounding(capabilityMask(caps.bounding)));
  const user = process.user ?? { uid: 0, gid: 0 };
  if (user.umask !== undefined) out.push(ops.umask(user.umask));
  if (!opts.setgroupsDenied) {
    out.push(ops.setgroups(user.additionalGids ?? []));
  } else if ((user.additionalGids ?? []).length > 0) {
    throw new Error(
      "process.user.additionalGids needs setgroups, which the kernel denies for a rootless container " +
        "that maps only the caller's own ids (map more through /etc/subgid and newgidmap)",
    );
  }
  out.push(ops.fixStdio(user.uid));
  // runc's setupUser reads HOME before the user changes; its finalizeNamespace
  // tries the cwd before too (a 0700 cwd of root's works), and again after.
  if (!env.some((e) => e.startsWith("HOME="))) out.push(ops.lookupHome(user.uid));
  out.push(ops.chdir(process.cwd, Chdir.EARLY));
  out.push(ops.setuser(user.uid, user.gid));
  out.push(ops.chdir(process.cwd, Chdir.CWD));
  out.push(
    ops.caps(
      capabilityMask(caps.effective),
      capabilityMask(caps.permitted),
      capabilityMask(caps.inheritable),
      capabilityMask(caps.ambient),
    ),
  );
  const path = env.findLast((e) => e.startsWith("PATH="))?.slice(5) ?? "";
  out.push(ops.lookpath(process.args?.[0] ?? "", path));
  if (process.noNewPrivileges && opts.seccomp) out.push(...seccompOps(opts.seccomp));
  return out;
}

/** rlimit values: the spec's uint64 max means infinity (-1 on the wire). */
function limit(v: number | bigint): bigint {
  const b = BigInt(v);
  return b >= 0xffffffffffffffffn ? -1n : b;
}
