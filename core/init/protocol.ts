/**
 * The wire format of the init program: the numbers of csrc/protocol.h (which
 * draws the handshake; tests/unit/protocol_sync_test.ts fails when the two
 * differ), the program's encoding and the records the stub sends back. Ops
 * are made with the typed builders of ops.ts, never by hand.
 *
 * @module
 */

/** Op codes: RP_OPS of csrc/protocol.h. */
export const Opcode = {
  END: 0,
  SETNS: 1,
  CLONE: 2,
  WAIT_PARENT: 3,
  CONTINUE: 4,
  SETSID: 5,
  MOUNT: 6,
  REMOUNT: 7,
  MKDIR: 8,
  MKNOD: 9,
  SYMLINK: 10,
  OPEN_ROOT: 11,
  PIVOT_ROOT: 12,
  SETHOSTNAME: 13,
  SETDOMAINNAME: 14,
  WRITE_FILE: 15,
  MASK_PATH: 16,
  READONLY_PATH: 17,
  SETRLIMIT: 18,
  NO_NEW_PRIVS: 19,
  SETGROUPS: 20,
  SETUSER: 21,
  CAPS: 22,
  CAP_BOUNDING: 23,
  CHDIR: 24,
  OPEN_FIFO: 25,
  LOOKPATH: 26,
  READY: 27,
  WAIT_FIFO: 28,
  EXEC: 29,
  SET_ROOT_IDS: 30,
  UMASK: 31,
  JOIN_KEYRING: 32,
  JOIN_NS: 33,
  RUN_HOOK: 34,
  EXIT: 35,
  CONSOLE: 36,
  FIX_STDIO: 37,
  MOUNT_SETATTR: 38,
  HIDE_MOUNT: 39,
  MOVE_ROOT: 40,
  SECCOMP: 41,
  UNSHARE: 42,
  SWEEP_FDS: 43,
  CLI_HOOKS: 44,
  SEND_SECCOMP: 45,
  LOOKUP_HOME: 46,
  DEBUG: 47,
  PARENT_PRIVATE: 48,
  SETXATTR: 49,
  JOIN_CGROUP: 50,
} as const;
export type Opcode = typeof Opcode[keyof typeof Opcode];

/** Where OP_MOUNT finds its target (enum rp_target_kind). */
export const Target = { HOST: 0, DIR: 1, FILE: 2, EXISTING: 3 } as const;
export type Target = typeof Target[keyof typeof Target];

/** How OP_JOIN_CGROUP gets the init into a cgroup (enum rp_cgroup_join). */
export const CgroupJoin = { TASKS: 0, CLONE_INTO: 1 } as const;
export type CgroupJoin = typeof CgroupJoin[keyof typeof CgroupJoin];

/** What OP_CHDIR goes to (enum rp_chdir). */
export const Chdir = { CWD: 0, EARLY: 1, ROOTFS: 2 } as const;
export type Chdir = typeof Chdir[keyof typeof Chdir];

/** Record tags (enum rp_tag). */
export const Tag = {
  PID: 1,
  READY: 2,
  ERROR: 3,
  DEBUG: 5,
  HOOKS: 6,
  CONSOLE: 7,
  SECCOMP: 8,
} as const;

/** Bits of the program header's flags (RP_F_*). */
export const ProgramFlag = {
  /** OP_DEBUG lines go to runc's log. */
  DEBUG: 1,
  /** Act as on a kernel without close_range(CLOSE_RANGE_CLOEXEC) (before 5.11). */
  NO_CLOSE_RANGE: 2,
  /** ... without openat2(2) (before 5.6). */
  NO_OPENAT2: 4,
  /** ... without mount_setattr(2) (before 5.12). */
  NO_MOUNT_SETATTR: 8,
  /** ... without clone3(2) (before 5.3). */
  NO_CLONE3: 16,
} as const;

/** RP_REC_MORE: the record's text goes on in the next record. */
export const RECORD_MORE = 1;

/** RP_MAGIC: "RUNC" read as a little-endian u32. */
export const MAGIC = 0x434e5552;
/** RP_VERSION */
export const VERSION = 2;
/** RP_CHUNK: the largest message either side sends. */
export const CHUNK = 65536;
/** sizeof(struct rp_program) */
export const PROGRAM_HEADER_SIZE = 40;
/** sizeof(struct rp_op) */
export const OP_HEADER_SIZE = 48;
/** sizeof(struct rp_record) */
export const RECORD_HEADER_SIZE = 24;

/** errno ECANCELED in a REC_ERROR: the message is complete (runc's own words). */
export const COMPLETE_MESSAGE = 125;

/** One step of the init program, as ops.ts builds it. */
export interface Op {
  op: Opcode;
  /** Up to four integers (num0..num3). */
  num?: (number | bigint)[];
  /** NUL-free strings. */
  str?: string[];
}

/** What the program header tells the stub besides the ops. */
export interface ProgramHeader {
  /** ProgramFlag bits. */
  flags: number;
  /** Bit n-1 set: signal n was ignored by the CLI's caller, and stays so in the container. */
  sigIgnored: bigint;
}

/** A record from the stub, its text whole. */
export interface Record {
  tag: number;
  index: number;
  err: number;
  pid: number;
  text: string;
}

/** A malformed program or record. */
export class ProtocolError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

const encoder = new TextEncoder();

function pad8(n: number): number {
  return (n + 7) & ~7;
}

/**
 * Encodes the whole program as the stub reads it: the header, then each op
 * with its strings, padded to 8 bytes. No limit but memory: the stub reads
 * it in messages of {@linkcode CHUNK} bytes.
 *
 * @param ops the program
 * @param header the header's fields
 * @returns the stream's bytes
 * @throws ProtocolError when a string holds a NUL byte or an op has more than four numbers
 */
export function encodeProgram(ops: readonly Op[], header: ProgramHeader): Uint8Array<ArrayBuffer> {
  const encoded = ops.map((op) => {
    const strs = (op.str ?? []).map((s) => {
      if (s.includes("\0")) {
        throw new ProtocolError(`Op ${op.op}: string contains a NUL byte: ${JSON.stringify(s)}`);
      }
      return encoder.encode(s);
    });
    if ((op.num?.length ?? 0) > 4) throw new ProtocolError(`Op ${op.op}: more than 4 numbers`);
    const size = pad8(OP_HEADER_SIZE + strs.reduce((n, s) => n + s.length + 1, 0));
    return { op, strs, size };
  });
  const total = PROGRAM_HEADER_SIZE + encoded.reduce((n, e) => n + e.size, 0);
  const buf = new Uint8Array(total);
  const view = new DataView(buf.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  view.setBigUint64(8, BigInt(total), true);
  view.setUint32(16, ops.length, true);
  view.setUint32(20, header.flags, true);
  view.setBigUint64(32, header.sigIgnored, true);
  let off = PROGRAM_HEADER_SIZE;
  for (const { op, strs, size } of encoded) {
    view.setUint32(off, op.op, true);
    view.setUint32(off + 4, strs.length, true);
    view.setBigUint64(off + 8, BigInt(size), true);
    (op.num ?? []).forEach((n, i) => view.setBigInt64(off + 16 + i * 8, BigInt(n), true));
    let p = off + OP_HEADER_SIZE;
    for (const s of strs) {
      buf.set(s, p);
      p += s.length + 1;
    }
    off += size;
  }
  return buf;
}

/** The CONTINUE message the init waits for. */
export function encodeContinue(): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(OP_HEADER_SIZE);
  const view = new DataView(buf.buffer);
  view.setUint32(0, Opcode.CONTINUE, true);
  view.setBigUint64(8, BigInt(OP_HEADER_SIZE), true);
  return buf;
}

/**
 * Puts records back together from the stub's messages: a text longer than
 * one message comes in parts flagged {@linkcode RECORD_MORE}.
 */
export class RecordReader {
  #parts: Uint8Array[] = [];

  /**
   * Takes one message.
   *
   * @param msg the bytes received
   * @returns the record, or undefined when its text goes on in the next message
   * @throws ProtocolError for a malformed message
   */
  push(msg: Uint8Array): Record | undefined {
    if (msg.length < RECORD_HEADER_SIZE) {
      throw new ProtocolError(`Short record from runc-init (${msg.length} bytes)`);
    }
    const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
    const flags = view.getUint32(16, true), len = view.getUint32(20, true);
    if (RECORD_HEADER_SIZE + len !== msg.length) {
      throw new ProtocolError(`Record of ${msg.length} bytes says its text has ${len}`);
    }
    this.#parts.push(msg.slice(RECORD_HEADER_SIZE));
    if (flags & RECORD_MORE) return undefined;
    const whole = new Uint8Array(this.#parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of this.#parts) {
      whole.set(p, off);
      off += p.length;
    }
    this.#parts = [];
    return {
      tag: view.getUint32(0, true),
      index: view.getInt32(4, true),
      err: view.getInt32(8, true),
      pid: view.getInt32(12, true),
      text: new TextDecoder().decode(whole),
    };
  }
}
