/**
 * D-Bus messages: the fixed header, the header fields (`a(yv)`), the body
 * after padding to 8, as the specification's "Message Format" lays them out.
 *
 * @module
 */
import { marshal, MarshalError, Reader, unmarshal, type Variant, Writer } from "./marshal.ts";

/** Message types. */
export const MessageType = { METHOD_CALL: 1, METHOD_RETURN: 2, ERROR: 3, SIGNAL: 4 } as const;

/** Header flags. */
export const Flags = { NO_REPLY_EXPECTED: 1, NO_AUTO_START: 2 } as const;

const FIELD = {
  PATH: 1,
  INTERFACE: 2,
  MEMBER: 3,
  ERROR_NAME: 4,
  REPLY_SERIAL: 5,
  DESTINATION: 6,
  SENDER: 7,
  SIGNATURE: 8,
  UNIX_FDS: 9,
} as const;

const FIELD_SIG: Record<number, string> = {
  1: "o",
  2: "s",
  3: "s",
  4: "s",
  5: "u",
  6: "s",
  7: "s",
  8: "g",
  9: "u",
};

/** One message, decoded or to encode. */
export interface Message {
  type: number;
  flags?: number;
  serial: number;
  path?: string;
  interface?: string;
  member?: string;
  errorName?: string;
  replySerial?: number;
  destination?: string;
  sender?: string;
  /** The body's signature, "" for none. */
  signature?: string;
  /** The body's values. */
  body?: unknown[];
}

/** The longest message the specification allows (128 MiB). */
export const MAX_MESSAGE = 128 * 1024 * 1024;

/**
 * Encodes a message, little-endian.
 *
 * @throws MarshalError when the body does not fit its signature
 */
export function encodeMessage(m: Message): Uint8Array {
  const sig = m.signature ?? "";
  const body = marshal(sig, m.body ?? []);
  const fields: [number, Variant][] = [];
  const add = (code: number, value: unknown) => {
    if (value !== undefined) fields.push([code, { sig: FIELD_SIG[code]!, value }]);
  };
  add(FIELD.PATH, m.path);
  add(FIELD.INTERFACE, m.interface);
  add(FIELD.MEMBER, m.member);
  add(FIELD.ERROR_NAME, m.errorName);
  add(FIELD.REPLY_SERIAL, m.replySerial);
  add(FIELD.DESTINATION, m.destination);
  add(FIELD.SENDER, m.sender);
  if (sig !== "") add(FIELD.SIGNATURE, sig);
  const w = new Writer();
  w.write("y", "l".charCodeAt(0));
  w.write("y", m.type);
  w.write("y", m.flags ?? 0);
  w.write("y", 1);
  w.write("u", body.length);
  w.write("u", m.serial);
  w.write("a(yv)", fields);
  w.align(8);
  const head = w.bytes();
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * The length of the first message in buf, or 0 when its fixed header is not
 * all there yet.
 *
 * @throws MarshalError for a byte order, version or length that is not D-Bus
 */
export function messageLength(buf: Uint8Array): number {
  if (buf.length < 16) return 0;
  const little = byteOrder(buf[0]!);
  if (buf[3] !== 1) throw new MarshalError(`unsupported D-Bus protocol version ${buf[3]}`);
  const v = new DataView(buf.buffer, buf.byteOffset, 16);
  const bodyLen = v.getUint32(4, little);
  const fieldsLen = v.getUint32(12, little);
  const headLen = 16 + fieldsLen + ((8 - ((16 + fieldsLen) % 8)) % 8);
  const total = headLen + bodyLen;
  if (total > MAX_MESSAGE) throw new MarshalError(`message of ${total} bytes is too long`);
  return total;
}

function byteOrder(b: number): boolean {
  if (b === 0x6c) return true; // 'l'
  if (b === 0x42) return false; // 'B'
  throw new MarshalError(`invalid byte order mark 0x${b.toString(16)}`);
}

/**
 * Decodes one whole message ({@linkcode messageLength} bytes).
 *
 * @throws MarshalError for a malformed message
 */
export function decodeMessage(buf: Uint8Array): Message {
  const little = byteOrder(buf[0]!);
  const r = new Reader(buf, little);
  r.read("y");
  const type = r.read("y") as number;
  const flags = r.read("y") as number;
  r.read("y");
  const bodyLen = r.read("u") as number;
  const serial = r.read("u") as number;
  const fields = r.read("a(yv)") as [number, Variant][];
  r.align(8);
  const m: Message = { type, flags, serial };
  for (const [code, v] of fields) {
    const want = FIELD_SIG[code];
    if (want === undefined) continue; // unknown fields are ignored, as the spec says
    if (v.sig !== want) throw new MarshalError(`header field ${code} has type ${v.sig}`);
    switch (code) {
      case FIELD.PATH:
        m.path = v.value as string;
        break;
      case FIELD.INTERFACE:
        m.interface = v.value as string;
        break;
      case FIELD.MEMBER:
        m.member = v.value as string;
        break;
      case FIELD.ERROR_NAME:
        m.errorName = v.value as string;
        break;
      case FIELD.REPLY_SERIAL:
        m.replySerial = v.value as number;
        break;
      case FIELD.DESTINATION:
        m.destination = v.value as string;
        break;
      case FIELD.SENDER:
        m.sender = v.value as string;
        break;
      case FIELD.SIGNATURE:
        m.signature = v.value as string;
        break;
    }
  }
  const body = buf.subarray(r.pos, r.pos + bodyLen);
  if (body.length !== bodyLen) throw new MarshalError("message body ends early");
  m.body = unmarshal(m.signature ?? "", body, little);
  return m;
}
