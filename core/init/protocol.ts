/**
 * The wire format of the init program, mirroring csrc/protocol.h (the
 * handshake diagram is there). The CLI sends one `Op` per SOCK_SEQPACKET
 * message and reads fixed-size records back.
 *
 * @module
 */

/** Op codes; the numbers are those of enum rp_opcode in csrc/protocol.h. */
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
} as const;
export type Opcode = typeof Opcode[keyof typeof Opcode];

/** Where OP_MOUNT finds its target (enum rp_target_kind). */
export const Target = { HOST: 0, DIR: 1, FILE: 2, EXISTING: 3 } as const;

/** Record tags (enum rp_tag). */
export const Tag = {
  PID: 1,
  READY: 2,
  ERROR: 3,
  WARN: 4,
  DEBUG: 5,
  HOOKS: 6,
  CONSOLE: 7,
  SECCOMP: 8,
} as const;

/** errno ECANCELED in a REC_ERROR: the message is complete (runc's own words). */
export const COMPLETE_MESSAGE = 125;

/** One step of the init program. */
export interface Op {
  op: Opcode;
  /** Up to four integers (num0..num3). */
  num?: (number | bigint)[];
  /** NUL-free strings. */
  str?: string[];
}

/** sizeof(struct rp_op) */
export const OP_HEADER_SIZE = 40;
/** sizeof(struct rp_record) */
export const RECORD_SIZE = 512;
/** RP_MAX_MSG: the largest message the stub reads. */
export const MAX_MESSAGE = 131072;
/** RP_MAX_STR */
export const MAX_STRINGS = 64;

/** A record from the stub. */
export interface Record {
  tag: number;
  index: number;
  err: number;
  pid: number;
  msg: string;
}

const encoder = new TextEncoder();

/**
 * Encodes one op as the stub reads it.
 *
 * @param op the op
 * @returns the message bytes
 * @throws Error when a string holds a NUL byte, or the op is too large
 */
export function encodeOp(op: Op): Uint8Array<ArrayBuffer> {
  const strs = (op.str ?? []).map((s) => {
    if (s.includes("\0")) {
      throw new Error(`Op ${op.op}: string contains a NUL byte: ${JSON.stringify(s)}`);
    }
    return encoder.encode(s);
  });
  if (strs.length > MAX_STRINGS) throw new Error(`Op ${op.op}: more than ${MAX_STRINGS} strings`);
  if ((op.num?.length ?? 0) > 4) throw new Error(`Op ${op.op}: more than 4 numbers`);
  const size = OP_HEADER_SIZE + strs.reduce((n, s) => n + s.length + 1, 0);
  if (size > MAX_MESSAGE) throw new Error(`Op ${op.op}: message of ${size} bytes is too large`);
  const buf = new Uint8Array(size);
  const view = new DataView(buf.buffer);
  view.setUint32(0, op.op, true);
  view.setUint32(4, strs.length, true);
  (op.num ?? []).forEach((n, i) => view.setBigInt64(8 + i * 8, BigInt(n), true));
  let off = OP_HEADER_SIZE;
  for (const s of strs) {
    buf.set(s, off);
    off += s.length + 1;
  }
  return buf;
}

/**
 * Decodes a record from the stub.
 *
 * @param buf RECORD_SIZE bytes
 * @returns the record
 */
export function decodeRecord(buf: Uint8Array<ArrayBuffer>): Record {
  if (buf.length < RECORD_SIZE) {
    throw new Error(`Short record from runc-init (${buf.length} bytes)`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const msgBytes = buf.subarray(16, RECORD_SIZE);
  const nul = msgBytes.indexOf(0);
  return {
    tag: view.getUint32(0, true),
    index: view.getInt32(4, true),
    err: view.getInt32(8, true),
    pid: view.getInt32(12, true),
    msg: new TextDecoder().decode(nul < 0 ? msgBytes : msgBytes.subarray(0, nul)),
  };
}
