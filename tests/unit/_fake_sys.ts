/**
 * A fake syscall surface for unit tests of the lifecycle code: it records
 * what core/ does (signals, closes, sends) and plays an init stub from a
 * script of records, so that the handshake of core/init/stub.ts runs without
 * root and without a real process.
 *
 * @module
 */
import type { Sys } from "../../core/os/sys.ts";
import { Opcode, RECORD_HEADER_SIZE, RECORD_MORE } from "../../core/init/protocol.ts";

/** One record the fake stub sends. */
export interface FakeRecord {
  tag: number;
  index?: number;
  err?: number;
  pid?: number;
  text?: string;
  /** Sent with SCM_RIGHTS. */
  fd?: number;
  /** The text goes on in the next record (RP_REC_MORE). */
  more?: boolean;
  /** Sent only once this many CONTINUE messages have come. */
  afterContinues?: number;
}

/** Encodes a record as the stub sends it. */
export function recordBytes(r: FakeRecord): Uint8Array<ArrayBuffer> {
  const text = new TextEncoder().encode(r.text ?? "");
  const buf = new Uint8Array(RECORD_HEADER_SIZE + text.length);
  const view = new DataView(buf.buffer);
  view.setUint32(0, r.tag, true);
  view.setInt32(4, r.index ?? 0, true);
  view.setInt32(8, r.err ?? 0, true);
  view.setInt32(12, r.pid ?? 0, true);
  view.setUint32(16, r.more ? RECORD_MORE : 0, true);
  view.setUint32(20, text.length, true);
  buf.set(text, RECORD_HEADER_SIZE);
  return buf;
}

/** What the fake saw. */
export interface FakeLog {
  /** Bytes sent on the sync socket before the first CONTINUE: the program. */
  program: Uint8Array;
  continues: number;
  closed: number[];
  killed: [number, number][];
  events: string[];
}

/**
 * A Sys whose init stub sends the given records, then EOF; every other call
 * is refused, so a test sees what it did not expect.
 *
 * @param script the records, in order
 * @param stubExit the stub's exit code
 */
export function fakeSys(
  script: FakeRecord[],
  stubExit = 0,
): { sys: Sys; log: FakeLog } {
  const log: FakeLog = {
    program: new Uint8Array(),
    continues: 0,
    closed: [],
    killed: [],
    events: [],
  };
  const queue = [...script];
  let wake: (() => void) | undefined;
  const refused = (name: string) => () => {
    throw new Error(`fake Sys: ${name} was not expected`);
  };
  const sys: Partial<Sys> = {
    socketpair: () => [100, 101],
    spawnInitStub: (fd) => {
      log.events.push(`spawn ${fd}`);
      return 500;
    },
    send: (_fd, bytes) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (bytes.length === 48 && view.getUint32(0, true) === Opcode.CONTINUE) {
        log.continues++;
        log.events.push("CONTINUE");
        wake?.();
        return;
      }
      const all = new Uint8Array(log.program.length + bytes.length);
      all.set(log.program);
      all.set(bytes, log.program.length);
      log.program = all;
    },
    recvWithFd: async (_fd, buf) => {
      const next = queue[0];
      if (!next) return { n: 0, fd: -1 };
      while (log.continues < (next.afterContinues ?? 0)) {
        await new Promise<void>((r) => (wake = r));
      }
      queue.shift();
      const bytes = recordBytes(next);
      buf.set(bytes);
      return { n: bytes.length, fd: next.fd ?? -1 };
    },
    waitpid: (pid) => Promise.resolve({ pid, status: stubExit << 8 }),
    close: (fd) => void log.closed.push(fd),
    kill: (pid, sig) => void log.killed.push([pid, sig]),
    sendFd: refused("sendFd"),
  };
  return { sys: sys as Sys, log };
}
