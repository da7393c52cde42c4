/**
 * The D-Bus wire format of values (the specification's "Marshaling"):
 * encoding and decoding by type signature, with each value aligned to its
 * type's boundary counted from the start of the message. We write
 * little-endian and read both byte orders.
 *
 * JavaScript shapes: `y n q i u h` numbers, `x t` bigints (numbers are
 * accepted when encoding), `d` number, `b` boolean, `s o g` strings, `a`
 * arrays (`ay` also a Uint8Array, and decodes to one), `a{..}` arrays of
 * `[key, value]` pairs, `(..)` arrays (tuples), `v` a {@linkcode Variant}.
 *
 * @module
 */

/** A value with its own signature, as `v` carries it. */
export interface Variant {
  /** One complete type, e.g. `t` or `a(ss)`. */
  sig: string;
  /** The value in the shapes of the module doc. */
  value: unknown;
}

/** A value of the wrong shape or a signature that cannot be read. */
export class MarshalError extends Error {
  /** @param message what is wrong */
  constructor(message: string) {
    super(message);
    this.name = "MarshalError";
  }
}

/** A variant of one signature and value. */
export function variant(sig: string, value: unknown): Variant {
  return { sig, value };
}

const ALIGN: Record<string, number> = {
  y: 1,
  b: 4,
  n: 2,
  q: 2,
  i: 4,
  u: 4,
  x: 8,
  t: 8,
  d: 8,
  s: 4,
  o: 4,
  g: 1,
  a: 4,
  "(": 8,
  "{": 8,
  v: 1,
  h: 4,
};

/** The alignment of the type a signature starts with. */
export function alignOf(sig: string): number {
  const a = ALIGN[sig[0] ?? ""];
  if (a === undefined) throw new MarshalError(`unknown type code ${JSON.stringify(sig[0])}`);
  return a;
}

/**
 * The length of the complete type starting at pos.
 *
 * @throws MarshalError for an incomplete or unknown type
 */
export function typeLength(sig: string, pos = 0): number {
  const c = sig[pos];
  if (c === undefined) throw new MarshalError(`signature ${JSON.stringify(sig)} ends early`);
  if (c === "a") return 1 + typeLength(sig, pos + 1);
  if (c === "(" || c === "{") {
    const close = c === "(" ? ")" : "}";
    let p = pos + 1;
    while (sig[p] !== close) {
      if (p >= sig.length) throw new MarshalError(`unclosed ${c} in ${JSON.stringify(sig)}`);
      p += typeLength(sig, p);
    }
    if (p === pos + 1) throw new MarshalError(`empty struct in ${JSON.stringify(sig)}`);
    return p + 1 - pos;
  }
  if (ALIGN[c] === undefined) throw new MarshalError(`unknown type code ${JSON.stringify(c)}`);
  return 1;
}

/** The complete types of a signature, e.g. `sa{sv}` -> [`s`, `a{sv}`]. */
export function splitSignature(sig: string): string[] {
  const out: string[] = [];
  for (let p = 0; p < sig.length;) {
    const n = typeLength(sig, p);
    out.push(sig.slice(p, p + n));
    p += n;
  }
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

/** Writes values into a growing buffer, aligning from a base offset. */
export class Writer {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  /** Bytes written. */
  length = 0;

  /** @param base the offset of this buffer's first byte in the message (alignment) */
  constructor(private readonly base = 0) {}

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    bigger.set(this.buf.subarray(0, this.length));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }

  /** Pads with zeros to a multiple of n (counted from the message start). */
  align(n: number): void {
    const pad = (n - ((this.base + this.length) % n)) % n;
    this.room(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  /** The bytes written so far. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  private u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  private u32(v: number): void {
    this.align(4);
    this.room(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  private raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /**
   * Writes one value of one complete type.
   *
   * @throws MarshalError when the value does not fit the type
   */
  write(sig: string, value: unknown): void {
    const c = sig[0];
    const bad = () =>
      new MarshalError(`cannot marshal ${describe(value)} as ${JSON.stringify(sig)}`);
    switch (c) {
      case "y":
        this.u8(intIn(value, 0, 0xff, bad));
        return;
      case "b":
        if (typeof value !== "boolean") throw bad();
        this.u32(value ? 1 : 0);
        return;
      case "n":
      case "q": {
        const v = c === "n" ? intIn(value, -0x8000, 0x7fff, bad) : intIn(value, 0, 0xffff, bad);
        this.align(2);
        this.room(2);
        if (c === "n") this.view.setInt16(this.length, v, true);
        else this.view.setUint16(this.length, v, true);
        this.length += 2;
        return;
      }
      case "i":
      case "u":
      case "h": {
        const v = c === "i"
          ? intIn(value, -0x80000000, 0x7fffffff, bad)
          : intIn(value, 0, 0xffffffff, bad);
        this.align(4);
        this.room(4);
        if (c === "i") this.view.setInt32(this.length, v, true);
        else this.view.setUint32(this.length, v, true);
        this.length += 4;
        return;
      }
      case "x":
      case "t": {
        let v: bigint;
        if (typeof value === "bigint") v = value;
        else if (typeof value === "number" && Number.isSafeInteger(value)) v = BigInt(value);
        else throw bad();
        const [lo, hi] = c === "x" ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
        if (v < lo || v > hi) throw bad();
        this.align(8);
        this.room(8);
        if (c === "x") this.view.setBigInt64(this.length, v, true);
        else this.view.setBigUint64(this.length, v, true);
        this.length += 8;
        return;
      }
      case "d":
        if (typeof value !== "number") throw bad();
        this.align(8);
        this.room(8);
        this.view.setFloat64(this.length, value, true);
        this.length += 8;
        return;
      case "s":
      case "o": {
        if (typeof value !== "string" || value.includes("\0")) throw bad();
        if (c === "o" && !isObjectPath(value)) {
          throw new MarshalError(`invalid object path ${JSON.stringify(value)}`);
        }
        const b = enc.encode(value);
        this.u32(b.length);
        this.raw(b);
        this.u8(0);
        return;
      }
      case "g": {
        if (typeof value !== "string") throw bad();
        splitSignature(value);
        const b = enc.encode(value);
        if (b.length > 255) throw bad();
        this.u8(b.length);
        this.raw(b);
        this.u8(0);
        return;
      }
      case "v": {
        const v = value as Variant;
        if (typeof v !== "object" || v === null || typeof v.sig !== "string") throw bad();
        if (typeLength(v.sig) !== v.sig.length) {
          throw new MarshalError(`variant signature ${JSON.stringify(v.sig)} is not one type`);
        }
        this.write("g", v.sig);
        this.write(v.sig, v.value);
        return;
      }
      case "a": {
        const elem = sig.slice(1, 1 + typeLength(sig, 1));
        this.u32(0);
        const lenAt = this.length - 4;
        this.align(alignOf(elem));
        const start = this.length;
        if (elem === "y" && value instanceof Uint8Array) {
          this.raw(value);
        } else {
          if (!Array.isArray(value)) throw bad();
          for (const e of value) this.write(elem, e);
        }
        const n = this.length - start;
        if (n > 64 * 1024 * 1024) throw new MarshalError(`array of ${n} bytes is too long`);
        this.view.setUint32(lenAt, n, true);
        return;
      }
      case "(":
      case "{": {
        const inner = splitSignature(sig.slice(1, typeLength(sig) - 1));
        if (!Array.isArray(value) || value.length !== inner.length) throw bad();
        this.align(8);
        inner.forEach((t, i) => this.write(t, value[i]));
        return;
      }
      default:
        throw new MarshalError(`unknown type code ${JSON.stringify(c)}`);
    }
  }
}

function intIn(v: unknown, lo: number, hi: number, bad: () => Error): number {
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < lo || n > hi) throw bad();
  return n;
}

function describe(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Whether s is a valid object path (`/`, or `/`-separated [A-Za-z0-9_] elements). */
export function isObjectPath(s: string): boolean {
  return s === "/" || /^(\/[A-Za-z0-9_]+)+$/.test(s);
}

/**
 * Encodes values of a signature (the body of a message: it starts at an
 * 8-aligned offset, so alignment counts from its first byte).
 *
 * @param sig the concatenated complete types, one per value
 * @param values the values
 */
export function marshal(sig: string, values: readonly unknown[], base = 0): Uint8Array {
  const types = splitSignature(sig);
  if (types.length !== values.length) {
    throw new MarshalError(
      `signature ${JSON.stringify(sig)} takes ${types.length} values, got ${values.length}`,
    );
  }
  const w = new Writer(base);
  types.forEach((t, i) => w.write(t, values[i]));
  return w.bytes();
}

/** Reads values from a buffer; alignment counts from offset `base` of the message. */
export class Reader {
  private readonly view: DataView;
  /** The read position. */
  pos = 0;

  /**
   * @param buf the bytes
   * @param little the byte order (`l`: true, `B`: false)
   * @param base the offset of buf's first byte in the message
   */
  constructor(
    private readonly buf: Uint8Array,
    private readonly little = true,
    private readonly base = 0,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new MarshalError(
        `message ends early (need ${n} bytes at ${this.pos} of ${this.buf.length})`,
      );
    }
  }

  /** Skips the padding to a multiple of n. */
  align(n: number): void {
    const pad = (n - ((this.base + this.pos) % n)) % n;
    this.need(pad);
    this.pos += pad;
  }

  private u32(): number {
    this.align(4);
    this.need(4);
    const v = this.view.getUint32(this.pos, this.little);
    this.pos += 4;
    return v;
  }

  private text(n: number): string {
    this.need(n + 1);
    const s = dec.decode(this.buf.subarray(this.pos, this.pos + n));
    if (this.buf[this.pos + n] !== 0) throw new MarshalError("string is not nul-terminated");
    this.pos += n + 1;
    return s;
  }

  /**
   * Reads one value of one complete type.
   *
   * @throws MarshalError when the bytes do not hold one
   */
  read(sig: string): unknown {
    const c = sig[0];
    switch (c) {
      case "y":
        this.need(1);
        return this.buf[this.pos++]!;
      case "b": {
        const v = this.u32();
        if (v > 1) throw new MarshalError(`boolean of value ${v}`);
        return v === 1;
      }
      case "n":
      case "q": {
        this.align(2);
        this.need(2);
        const v = c === "n"
          ? this.view.getInt16(this.pos, this.little)
          : this.view.getUint16(this.pos, this.little);
        this.pos += 2;
        return v;
      }
      case "i":
      case "u":
      case "h": {
        this.align(4);
        this.need(4);
        const v = c === "i"
          ? this.view.getInt32(this.pos, this.little)
          : this.view.getUint32(this.pos, this.little);
        this.pos += 4;
        return v;
      }
      case "x":
      case "t":
      case "d": {
        this.align(8);
        this.need(8);
        const v = c === "x"
          ? this.view.getBigInt64(this.pos, this.little)
          : c === "t"
          ? this.view.getBigUint64(this.pos, this.little)
          : this.view.getFloat64(this.pos, this.little);
        this.pos += 8;
        return v;
      }
      case "s":
      case "o":
        return this.text(this.u32());
      case "g": {
        this.need(1);
        return this.text(this.buf[this.pos++]!);
      }
      case "v": {
        const s = this.read("g") as string;
        if (typeLength(s) !== s.length) {
          throw new MarshalError(`variant signature ${JSON.stringify(s)}`);
        }
        return { sig: s, value: this.read(s) } satisfies Variant;
      }
      case "a": {
        const elem = sig.slice(1, 1 + typeLength(sig, 1));
        const n = this.u32();
        this.align(alignOf(elem));
        this.need(n);
        const end = this.pos + n;
        if (elem === "y") {
          const out = this.buf.slice(this.pos, end);
          this.pos = end;
          return out;
        }
        const out: unknown[] = [];
        while (this.pos < end) out.push(this.read(elem));
        if (this.pos !== end) throw new MarshalError("array elements overrun its length");
        return out;
      }
      case "(":
      case "{": {
        this.align(8);
        return splitSignature(sig.slice(1, typeLength(sig) - 1)).map((t) => this.read(t));
      }
      default:
        throw new MarshalError(`unknown type code ${JSON.stringify(c)}`);
    }
  }
}

/**
 * Decodes the values of a signature.
 *
 * @param sig the signature of the bytes
 * @param buf the bytes (a message body: 8-aligned in its message)
 * @param little the byte order
 */
export function unmarshal(sig: string, buf: Uint8Array, little = true): unknown[] {
  const r = new Reader(buf, little);
  const out = splitSignature(sig).map((t) => r.read(t));
  if (r.pos !== buf.length) {
    throw new MarshalError(`${buf.length - r.pos} bytes left after ${JSON.stringify(sig)}`);
  }
  return out;
}
