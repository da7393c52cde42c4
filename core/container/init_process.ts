/**
 * Running the init stub: spawn it from its sealed memfd with one end of a
 * SOCK_SEQPACKET pair, send the init program, and answer the records it sends
 * back until the container's init reports ready (csrc/protocol.h draws the
 * handshake).
 *
 * @module
 */
import {
  COMPLETE_MESSAGE,
  decodeRecord,
  encodeOp,
  type Op,
  Opcode,
  type Record,
  RECORD_SIZE,
  Tag,
} from "../init/protocol.ts";
import { errnoText } from "../os/errno.ts";
import { logDebug } from "../log.ts";
import { exitCodeOf } from "../os/signals.ts";
import type { Sys } from "../os/sys.ts";

/** A failure of the init program; the message says which step failed. */
export class InitError extends Error {
  /** @param message e.g. `mount proc to /proc: operation not permitted` */
  constructor(message: string) {
    super(`unable to start container process: ${message}`);
    this.name = "InitError";
  }
}

/** What the CLI does at the points where the init waits for it. */
export interface InitHandlers {
  /** The init exists (write its id maps here); it waits until this returns. */
  onPid(pid: number): void | Promise<void>;
  /** The mounts are done: run prestart and createRuntime hooks. */
  onHooks(pid: number): Promise<void>;
  /** The pty master of the container's terminal; the handler owns the fd. */
  onConsole?(master: number): void;
  /** The init loaded a seccomp filter with a listener, fd number `fd` in process `pid`. */
  onSeccompListener?(pid: number, fd: number): Promise<void>;
}

/** A stub process with the program sent, and its end of the socket. */
interface Stub {
  pid: number;
  /** Its exit code, once it has ended (reaped once, however often asked). */
  exited: Promise<number>;
  sock: number;
  next(): Promise<Record | undefined>;
  /** The fd the last record carried (SCM_RIGHTS), or -1. */
  lastFd(): number;
}

// Started through the helper's posix_spawn, not Deno.Command: Deno loads its
// process module on first use, which costs a short command about 4 ms.
function spawnStub(sys: Sys, ops: Op[], cwd: string): Stub {
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
  logDebug(`runc-init ${pid}: sending a program of ${ops.length} ops`);
  try {
    for (const op of ops) sys.send(ours, encodeOp(op));
    sys.send(ours, encodeOp({ op: Opcode.END }));
  } catch (e) {
    sys.close(ours);
    throw e;
  }
  const buf = new Uint8Array(RECORD_SIZE);
  let passed = -1;
  return {
    pid,
    exited,
    sock: ours,
    next: async () => {
      const { n, fd } = await sys.recvWithFd(ours, buf, -1);
      passed = fd;
      return n === 0 ? undefined : decodeRecord(buf);
    },
    lastFd: () => passed,
  };
}

/**
 * Runs the init stub with the program and answers its handshake. Resolves to
 * the container init's pid once it reports ready.
 *
 * @param sys the syscall surface
 * @param ops the init program
 * @param cwd where the stub starts (hooks run by the init start there too)
 * @param handlers what to do when the init waits for the CLI
 * @returns the container init's pid
 */
export async function runInit(
  sys: Sys,
  ops: Op[],
  cwd: string,
  handlers: InitHandlers,
): Promise<number> {
  const stub = spawnStub(sys, ops, cwd);
  const cont = () => sys.send(stub.sock, encodeOp({ op: Opcode.CONTINUE }));
  try {
    let pid = 0;
    for (;;) {
      const rec = await stub.next();
      if (!rec) {
        const code = await stub.exited;
        throw new InitError(
          pid ? "container init exited before it was ready" : `runc-init exited with ${code}`,
        );
      }
      if (rec.tag === Tag.ERROR) throw new InitError(describeFailure(ops, rec));
      if (rec.tag === Tag.PID) {
        pid = rec.pid;
        logDebug(`container init is pid ${pid}`);
        await stub.exited;
        if (ops[rec.index + 1]?.op !== Opcode.WAIT_PARENT) {
          throw new InitError("the init program must wait for runc after the clone");
        }
        await handlers.onPid(pid);
        cont();
      } else if (rec.tag === Tag.HOOKS) {
        try {
          await handlers.onHooks(pid);
        } catch (e) {
          throw new InitError(`error during container init: ${(e as Error).message}`);
        }
        cont();
      } else if (rec.tag === Tag.CONSOLE) {
        const fd = stub.lastFd();
        if (fd < 0) throw new InitError("the init sent no terminal");
        if (handlers.onConsole) handlers.onConsole(fd);
        else sys.close(fd);
      } else if (rec.tag === Tag.SECCOMP) {
        if (!handlers.onSeccompListener) throw new InitError("unexpected seccomp listener");
        await handlers.onSeccompListener(pid, rec.err);
        cont();
      } else if (rec.tag === Tag.READY) {
        logDebug(`container init ${pid} is ready, waiting on the exec fifo`);
        return pid;
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
export async function runStubProgram(sys: Sys, ops: Op[], cwd: string): Promise<void> {
  const stub = spawnStub(sys, ops, cwd);
  try {
    for (;;) {
      const rec = await stub.next();
      if (!rec) break;
      if (rec.tag === Tag.ERROR) throw new Error(describeFailure(ops, rec));
    }
    const code = await stub.exited;
    if (code !== 0) throw new Error(`runc-init exited with ${code}`);
  } finally {
    sys.close(stub.sock);
    await stub.exited;
  }
}

/** The message for a failed op, in runc's words. */
function describeFailure(ops: Op[], rec: Record): string {
  if (rec.err === COMPLETE_MESSAGE) {
    // Hooks run by the init fail "during container init", as runc puts it.
    return ops[rec.index]?.op === Opcode.RUN_HOOK && ops.some((o) => o.op === Opcode.CLONE)
      ? `error during container init: ${rec.msg}`
      : rec.msg;
  }
  return rec.err ? `${rec.msg}: ${errnoText(rec.err)}` : rec.msg;
}
