/**
 * Running the init stub: spawn it from its sealed memfd with one end of a
 * SOCK_SEQPACKET pair, send the init program, and answer the records it sends
 * back until the container's init reports ready and, once the caller has
 * recorded it, lives on without us (csrc/protocol.h draws the handshake).
 *
 * @module
 */
import {
  CHUNK,
  COMPLETE_MESSAGE,
  encodeContinue,
  encodeProgram,
  type Op,
  Opcode,
  ProgramFlag,
  type ProgramHeader,
  type Record,
  RecordReader,
  Tag,
} from "./protocol.ts";
import { errnoText } from "../os/errno.ts";
import { debugEnabled, logDebug, logPhase } from "../log.ts";
import { exitCodeOf } from "../os/signals.ts";
import type { Sys } from "../os/sys.ts";
import { testKillPoint } from "./kill_points.ts";
import { errorOf } from "../sync.ts";
import { InitError } from "./init_error.ts";

export { InitError } from "./init_error.ts";

/** What the CLI does at the points where the init waits for it. */
export interface InitHandlers {
  /** The init exists (write its id maps, join its cgroups here); it waits until this returns. */
  onPid(pid: number): void | Promise<void>;
  /** The mounts are done: run prestart and createRuntime hooks. */
  onHooks?(pid: number): Promise<void>;
  /** The pty master of the container's terminal; the handler owns the fd. */
  onConsole?(master: number): void;
  /** The seccomp listener (an fd of ours now, the handler owns it), for the agent. */
  onSeccompListener?(pid: number, fd: number): Promise<void>;
  /**
   * The init is ready. Record it here (state.json, the pid file): until this
   * returns, the init dies with the CLI; after, it lives on without it.
   */
  onReady?(pid: number): void | Promise<void>;
}

/** The environment variable that forces the stub's fallbacks for older kernels (tests). */
export const FALLBACKS_ENV = "RUNC_INIT_FALLBACKS";

const FALLBACK_FLAGS: { [name: string]: number } = {
  close_range: ProgramFlag.NO_CLOSE_RANGE,
  openat2: ProgramFlag.NO_OPENAT2,
  mount_setattr: ProgramFlag.NO_MOUNT_SETATTR,
  clone3: ProgramFlag.NO_CLONE3,
};

/**
 * The program header for this call: debug lines when runc logs them, the
 * fallbacks RUNC_INIT_FALLBACKS names (comma-separated: close_range,
 * openat2, mount_setattr, clone3), and the signals our caller
 * ignored. SIGPIPE is never among them: Deno ignores it for itself, so the
 * caller's own choice cannot be told, and runc's Go runtime resets it too.
 *
 * @returns the header
 */
export function programHeader(): ProgramHeader {
  let flags = debugEnabled() ? ProgramFlag.DEBUG : 0;
  for (const name of (Deno.env.get(FALLBACKS_ENV) ?? "").split(",")) {
    if (name !== "") flags |= FALLBACK_FLAGS[name.trim()] ?? 0;
  }
  let ignored = 0n;
  try {
    const m = /^SigIgn:\s*([0-9a-f]+)/m.exec(Deno.readTextFileSync("/proc/self/status"));
    if (m) ignored = BigInt(`0x${m[1]}`);
  } catch { /* no /proc: nothing known to keep ignored */ }
  return { flags, sigIgnored: ignored & ~(1n << 12n) };
}

/** An init program as the stub reads it, with the ops it was made from. */
export interface EncodedProgram {
  readonly ops: readonly Op[];
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Encodes an init program for {@linkcode runInit}.
 *
 * @param ops the program
 * @param header the header (default: {@linkcode programHeader})
 * @throws ProtocolError when an op cannot be encoded (a NUL in a string)
 */
export function encodeInitProgram(
  ops: readonly Op[],
  header: ProgramHeader = programHeader(),
): EncodedProgram {
  return { ops, bytes: encodeProgram(ops, header) };
}

/** A running stub and its end of the socket; it waits for its program. */
export interface Stub {
  /** The stub's pid: it may join the container's cgroups before it gets its program. */
  pid: number;
  /** Its exit code, once it has ended (reaped once, however often asked). */
  exited: Promise<number>;
  sock: number;
  /** The next whole record and the fd it carried (-1: none); undefined at EOF. */
  next(): Promise<{ rec: Record; fd: number } | undefined>;
}

// Starts the stub from its sealed memfd, in cwd (hooks run by the init start
// there too); it waits for its program. Through the helper's posix_spawn, not
// Deno.Command: Deno loads its process module on first use, which costs a
// short command about 4 ms.
function startStub(sys: Sys, cwd: string): Stub {
  const [ours, theirs] = sys.socketpair();
  let pid: number;
  try {
    pid = sys.spawnInitStub(theirs, cwd);
  } catch (e) {
    sys.close(ours);
    sys.close(theirs);
    throw e;
  }
  const exited = sys.waitpid(pid).then(({ status }) => exitCodeOf(status));
  sys.close(theirs);
  const buf = new Uint8Array(CHUNK);
  const reader = new RecordReader();
  return {
    pid,
    exited,
    sock: ours,
    next: async () => {
      for (;;) {
        const { n, fd } = await sys.recvWithFd(ours, buf, -1);
        if (n === 0) return undefined;
        const rec = reader.push(buf.subarray(0, n));
        if (rec) return { rec, fd };
        if (fd >= 0) sys.close(fd);
      }
    },
  };
}

// Ends a stub that was never sent its program: it reads EOF, exits without a
// word, and is reaped before this resolves (the cgroups it joined are empty again).
async function abandonStub(sys: Sys, stub: Stub): Promise<void> {
  sys.close(stub.sock);
  await stub.exited;
}

/**
 * Starts the stub and, while `plan` runs and its program is encoded, moves it
 * into the container's cgroups with `join` (off the main thread: the first
 * cgroup.procs write waits for an RCU grace period, longer than the planning
 * takes); what it clones inherits them. On any failure, plan's first, the
 * stub is ended and reaped.
 *
 * @param sys the syscall surface
 * @param cwd where the stub starts
 * @param join moves a pid into the container's cgroups
 * @param plan makes the program (and whatever else the caller needs)
 * @param opsOf the program in what plan returns
 * @returns the stub, waiting for its program, plan's result, and the program
 *   encoded (give the stub and the program to {@linkcode runInit})
 */
export async function startStubJoined<T>(
  sys: Sys,
  cwd: string,
  join: (pid: number) => Promise<void>,
  plan: () => T | Promise<T>,
  opsOf: (planned: T) => readonly Op[],
): Promise<{ stub: Stub; planned: T; program: EncodedProgram }> {
  const stub = startStub(sys, cwd);
  const joined = errorOf(join(stub.pid));
  try {
    const planned = await plan();
    const program = encodeInitProgram(opsOf(planned));
    const err = await joined;
    if (err) throw err;
    return { stub, planned, program };
  } catch (e) {
    await joined;
    await abandonStub(sys, stub);
    throw e;
  }
}

function sendProgram(sys: Sys, stub: Stub, program: EncodedProgram): void {
  const { ops, bytes } = program;
  logDebug(`runc-init ${stub.pid}: sending a program of ${ops.length} ops (${bytes.length} bytes)`);
  for (let off = 0; off < bytes.length; off += CHUNK) {
    sys.send(stub.sock, bytes.subarray(off, off + CHUNK));
  }
  testKillPoint("spawned");
  logPhase("init: program sent");
}

// Spawns the stub (or takes one startStub spawned) and sends it the program;
// on failure the stub is ended and reaped.
async function withProgram(
  sys: Sys,
  program: readonly Op[] | EncodedProgram,
  where: string | Stub,
  header?: ProgramHeader,
): Promise<Stub> {
  const stub = typeof where === "string" ? startStub(sys, where) : where;
  try {
    sendProgram(sys, stub, "bytes" in program ? program : encodeInitProgram(program, header));
  } catch (e) {
    await abandonStub(sys, stub);
    throw e;
  }
  return stub;
}

/**
 * Runs the init stub with the program and answers its handshake. Resolves to
 * the container init's pid once it is ready, recorded (onReady) and on its own.
 *
 * @param sys the syscall surface
 * @param program the init program, or its encoding ({@linkcode startStubJoined} makes one)
 * @param where where a new stub starts (hooks run by the init start there
 *   too), or a stub {@linkcode startStub} started
 * @param handlers what to do when the init waits for the CLI
 * @param header the program header when the program is not encoded yet
 *   (default: {@linkcode programHeader})
 * @returns the container init's pid
 * @throws InitError naming the step that failed
 */
export async function runInit(
  sys: Sys,
  program: readonly Op[] | EncodedProgram,
  where: string | Stub,
  handlers: InitHandlers,
  header?: ProgramHeader,
): Promise<number> {
  const ops = "bytes" in program ? program.ops : program;
  const stub = await withProgram(sys, program, where, header);
  const cont = () => sys.send(stub.sock, encodeContinue());
  let pid = 0;
  try {
    for (;;) {
      const got = await stub.next();
      if (!got) {
        const code = await stub.exited;
        throw new InitError(
          pid ? "container init exited before it was ready" : `runc-init exited with ${code}`,
        );
      }
      const { rec, fd } = got;
      if (fd >= 0 && rec.tag !== Tag.CONSOLE && rec.tag !== Tag.SECCOMP) sys.close(fd);
      switch (rec.tag) {
        case Tag.ERROR:
          throw new InitError(describeFailure(ops, rec));
        case Tag.DEBUG:
          logDebug(rec.text);
          break;
        case Tag.PID:
          pid = rec.pid;
          logPhase(`init: container init is pid ${pid}`);
          await stub.exited;
          if (ops[rec.index + 1]?.op !== Opcode.WAIT_PARENT) {
            throw new InitError("the init program must wait for runc after the clone");
          }
          await handlers.onPid(pid);
          cont();
          break;
        case Tag.HOOKS:
          try {
            await handlers.onHooks?.(pid);
          } catch (e) {
            throw new InitError(`error during container init: ${(e as Error).message}`);
          }
          cont();
          break;
        case Tag.CONSOLE:
          if (fd < 0) throw new InitError("the init sent no terminal");
          if (handlers.onConsole) handlers.onConsole(fd);
          else sys.close(fd);
          break;
        case Tag.SECCOMP:
          if (fd < 0) throw new InitError("the init sent no seccomp listener");
          if (!handlers.onSeccompListener) {
            sys.close(fd);
            throw new InitError("unexpected seccomp listener");
          }
          await handlers.onSeccompListener(pid, fd);
          cont();
          break;
        case Tag.READY:
          logPhase(`init: container init ${pid} is ready`);
          await handlers.onReady?.(pid);
          cont();
          // EOF: the init has stopped dying with us and closed its end.
          while (await stub.next() !== undefined) { /* nothing more is expected */ }
          return pid;
        default:
          throw new InitError(`unexpected record ${rec.tag} from the init`);
      }
    }
  } finally {
    sys.close(stub.sock);
    await stub.exited;
  }
}

/**
 * Runs a program that does not clone (hooks in the runtime's namespaces) and
 * waits for the stub to end.
 *
 * @param sys the syscall surface
 * @param ops the program, ending in OP_EXIT
 * @param cwd where it runs
 * @throws Error with the failing op's message
 */
export async function runStubProgram(sys: Sys, ops: readonly Op[], cwd: string): Promise<void> {
  const stub = await withProgram(sys, ops, cwd);
  try {
    for (;;) {
      const got = await stub.next();
      if (!got) break;
      if (got.fd >= 0) sys.close(got.fd);
      if (got.rec.tag === Tag.ERROR) throw new Error(describeFailure(ops, got.rec));
      if (got.rec.tag === Tag.DEBUG) logDebug(got.rec.text);
    }
    const code = await stub.exited;
    if (code !== 0) throw new Error(`runc-init exited with ${code}`);
  } finally {
    sys.close(stub.sock);
    await stub.exited;
  }
}

/** The message for a failed op, in runc's words. */
function describeFailure(ops: readonly Op[], rec: Record): string {
  if (rec.err === COMPLETE_MESSAGE) {
    // Hooks run by the init fail "during container init", as runc puts it.
    return ops[rec.index]?.op === Opcode.RUN_HOOK && ops.some((o) => o.op === Opcode.CLONE)
      ? `error during container init: ${rec.text}`
      : rec.text;
  }
  return rec.err ? `${rec.text}: ${errnoText(rec.err)}` : rec.text;
}
