/**
 * Running the init stub: spawn it from its sealed memfd with one end of a
 * SOCK_SEQPACKET pair, send the init program, and answer the records it sends
 * back until the container's init reports ready (csrc/protocol.h draws the
 * handshake).
 *
 * @module
 */
import {
  decodeRecord,
  encodeOp,
  type Op,
  Opcode,
  type Record,
  RECORD_SIZE,
  Tag,
} from "../init/protocol.ts";
import { errnoText } from "./errno.ts";
import { logDebug } from "../log.ts";
import type { Sys } from "./sys.ts";

/** A failure of the init program; the message says which step failed. */
export class InitError extends Error {
  /** @param message e.g. `mount proc to /proc: operation not permitted` */
  constructor(message: string) {
    super(`unable to start container process: ${message}`);
    this.name = "InitError";
  }
}

/**
 * Runs the init stub with the program and answers its handshake. Resolves to
 * the container init's pid once it reports ready.
 *
 * @param sys the syscall surface
 * @param ops the init program
 * @param onPid called with the init's pid as soon as it exists (id maps are written here)
 */
export async function runInit(sys: Sys, ops: Op[], onPid: (pid: number) => void): Promise<number> {
  const [ours, theirs] = sys.socketpair();
  let stub: Deno.ChildProcess | undefined;
  try {
    stub = new Deno.Command(sys.initStubPath(), {
      args: [String(theirs)],
      clearEnv: true,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    sys.close(theirs);
    logDebug(`runc-init ${stub.pid}: sending an init program of ${ops.length} ops`);
    for (const op of ops) sys.send(ours, encodeOp(op));
    sys.send(ours, encodeOp({ op: Opcode.END }));

    const buf = new Uint8Array(RECORD_SIZE);
    const next = async (): Promise<Record | undefined> => {
      const n = await sys.recv(ours, buf, -1);
      return n === 0 ? undefined : decodeRecord(buf);
    };
    let pid = 0;
    for (;;) {
      const rec = await next();
      if (!rec) {
        const status = await stub.status;
        throw new InitError(
          pid
            ? "container init exited before it was ready"
            : `runc-init exited with ${status.code}`,
        );
      }
      if (rec.tag === Tag.ERROR) throw new InitError(describeFailure(ops, rec));
      if (rec.tag === Tag.PID) {
        pid = rec.pid;
        logDebug(`container init is pid ${pid}`);
        await stub.status;
        onPid(pid);
        if (ops[rec.index + 1]?.op !== Opcode.WAIT_PARENT) {
          throw new InitError("the init program must wait for runc after the clone");
        }
        sys.send(ours, encodeOp({ op: Opcode.CONTINUE }));
      } else if (rec.tag === Tag.READY) {
        logDebug(`container init ${pid} is ready, waiting on the exec fifo`);
        return pid;
      }
    }
  } finally {
    sys.close(ours);
    if (stub) await stub.status;
  }
}

/** The message for a failed op, in runc's words. */
function describeFailure(ops: Op[], rec: Record): string {
  const op = ops[rec.index];
  // exec lookups carry Go's complete message.
  if (op?.op === Opcode.LOOKPATH) return rec.msg;
  return rec.err ? `${rec.msg}: ${errnoText(rec.err)}` : rec.msg;
}
