/**
 * `org.systemd.property.NAME=VALUE` annotations as extra unit properties, as
 * runc 1.1's specconv initSystemdProps reads them: NAME of at least three
 * ASCII letters, VALUE in GVariant text form with its type (`true`,
 * `uint64 1000`, `@t 5`, `'text'`, `["a", "b"]`; a bare integer is an
 * int32, a number with a dot a double), and a NAME ending in `Sec` after a
 * lowercase letter becomes `...USec` with the value in microseconds.
 *
 * @module
 */
import type { Variant } from "../../dbus/marshal.ts";
import { CgroupError } from "../file.ts";

const PREFIX = "org.systemd.property.";

/** One unit property: its name and typed value. */
export type Property = [name: string, value: Variant];

/**
 * The unit properties the annotations ask for, in their order.
 *
 * @throws CgroupError `annotation KEY name incorrect: ...` or `annotation KEY=VALUE value parse error: ...`
 */
export function annotationProperties(annotations: Record<string, string> | undefined): Property[] {
  const out: Property[] = [];
  for (const [k, v] of Object.entries(annotations ?? {})) {
    if (!k.startsWith(PREFIX)) continue;
    let name = k.slice(PREFIX.length);
    const bad = checkPropertyName(name);
    if (bad) throw new CgroupError(`annotation ${k} name incorrect: ${bad}`);
    let value: Variant;
    try {
      value = parseVariant(v);
    } catch (e) {
      throw new CgroupError(`annotation ${k}=${v} value parse error: ${(e as Error).message}`);
    }
    const trimmed = name.endsWith("Sec") ? name.slice(0, -3) : name;
    if (trimmed !== name && /[a-z]$/.test(trimmed)) {
      name = `${trimmed}USec`;
      try {
        value = secToUSec(value);
      } catch (e) {
        throw new CgroupError(`annotation ${k}=${v} value parse error: ${(e as Error).message}`);
      }
    }
    out.push([name, value]);
  }
  return out;
}

/** runc's checkPropertyName: the reason a name is refused, or undefined. */
export function checkPropertyName(s: string): string | undefined {
  if (s.length < 3) return "too short";
  if (!/^[A-Za-z]+$/.test(s)) return "contains non-alphabetic character";
  return undefined;
}

function secToUSec(v: Variant): Variant {
  const M = 1000000n;
  switch (v.sig) {
    case "y":
    case "n":
    case "q":
    case "i":
    case "u":
    case "x":
    case "t":
      return { sig: "t", value: BigInt.asUintN(64, BigInt(v.value as number | bigint) * M) };
    case "d":
      return { sig: "t", value: BigInt.asUintN(64, BigInt(Math.trunc((v.value as number) * 1e6))) };
    default:
      throw new Error("not a number");
  }
}

const KEYWORDS: Record<string, string> = {
  boolean: "b",
  byte: "y",
  int16: "n",
  uint16: "q",
  int32: "i",
  uint32: "u",
  handle: "h",
  int64: "x",
  uint64: "t",
  double: "d",
  string: "s",
  objectpath: "o",
  signature: "g",
};

const RANGES: Record<string, [bigint, bigint]> = {
  y: [0n, 255n],
  n: [-32768n, 32767n],
  q: [0n, 65535n],
  i: [-(2n ** 31n), 2n ** 31n - 1n],
  u: [0n, 2n ** 32n - 1n],
  h: [0n, 2n ** 32n - 1n],
  x: [-(2n ** 63n), 2n ** 63n - 1n],
  t: [0n, 2n ** 64n - 1n],
};

/**
 * Parses a value in GVariant text form (the part of it runc's annotations
 * use: booleans, numbers, strings, arrays, type keywords and `@SIG`).
 *
 * @throws Error naming what could not be read
 */
export function parseVariant(text: string): Variant {
  const p = new Parser(text);
  const v = p.value(undefined);
  p.ws();
  if (p.i < text.length) throw new Error(`unexpected ${JSON.stringify(text.slice(p.i))}`);
  return v;
}

class Parser {
  i = 0;
  constructor(private readonly s: string) {}

  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  value(expect: string | undefined): Variant {
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) throw new Error("value expected");
    if (c === "@") {
      const start = ++this.i;
      while (this.i < this.s.length && !/\s/.test(this.s[this.i]!)) this.i++;
      const sig = this.s.slice(start, this.i);
      if (expect !== undefined && sig !== expect) {
        throw new Error(`type ${sig} where ${expect} is expected`);
      }
      return this.value(sig);
    }
    if (c === "'" || c === '"') return this.string(expect);
    if (c === "[") return this.array(expect);
    if (/[A-Za-z]/.test(c)) {
      const start = this.i;
      while (this.i < this.s.length && /[A-Za-z0-9]/.test(this.s[this.i]!)) this.i++;
      const word = this.s.slice(start, this.i);
      if (word === "true" || word === "false") {
        if (expect !== undefined && expect !== "b") {
          throw new Error(`${word} is not of type ${expect}`);
        }
        return { sig: "b", value: word === "true" };
      }
      const sig = KEYWORDS[word];
      if (sig === undefined) throw new Error(`unknown word ${JSON.stringify(word)}`);
      if (expect !== undefined && sig !== expect) {
        throw new Error(`type ${word} where ${expect} is expected`);
      }
      return this.value(sig);
    }
    if (/[-+0-9.]/.test(c)) return this.number(expect);
    throw new Error(`unexpected ${JSON.stringify(this.s.slice(this.i))}`);
  }

  private number(expect: string | undefined): Variant {
    const m = /^[-+]?(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]*([eE][-+]?[0-9]+)?)/.exec(this.s.slice(this.i));
    const tok = m?.[0] ?? "";
    if (tok === "" || tok === "-" || tok === "+") throw new Error("number expected");
    this.i += tok.length;
    const isFloat = !/0x/i.test(tok) && /[.eE]/.test(tok);
    const sig = expect ?? (isFloat ? "d" : "i");
    if (sig === "d") {
      const n = Number(tok);
      if (Number.isNaN(n)) throw new Error(`invalid number ${tok}`);
      return { sig, value: n };
    }
    const range = RANGES[sig];
    if (!range) throw new Error(`number ${tok} is not of type ${sig}`);
    if (isFloat) throw new Error(`${tok} is not an integer`);
    const neg = tok.startsWith("-");
    const big = BigInt(tok.replace(/^[-+]/, "")) * (neg ? -1n : 1n);
    if (big < range[0] || big > range[1]) throw new Error(`value out of range: ${tok} as ${sig}`);
    return { sig, value: sig === "x" || sig === "t" ? big : Number(big) };
  }

  private string(expect: string | undefined): Variant {
    const q = this.s[this.i++]!;
    let out = "";
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) throw new Error("unterminated string");
      if (c === q) break;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      const simple: Record<string, string> = {
        n: "\n",
        t: "\t",
        r: "\r",
        b: "\b",
        f: "\f",
        v: "\v",
      };
      if (e === undefined) throw new Error("unterminated string");
      if (simple[e] !== undefined) out += simple[e];
      else if (e === "u" || e === "U") {
        const n = e === "u" ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) {
          throw new Error(`invalid escape \\${e}${hex}`);
        }
        out += String.fromCodePoint(parseInt(hex, 16));
        this.i += n;
      } else out += e;
    }
    const sig = expect ?? "s";
    if (sig !== "s" && sig !== "o" && sig !== "g") {
      throw new Error(`a string is not of type ${sig}`);
    }
    return { sig, value: out };
  }

  private array(expect: string | undefined): Variant {
    if (expect !== undefined && !expect.startsWith("a")) {
      throw new Error(`an array is not of type ${expect}`);
    }
    let elem = expect?.slice(1);
    this.i++; // [
    const items: unknown[] = [];
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      if (elem === undefined) {
        throw new Error("cannot infer the type of an empty array (write @as [] or similar)");
      }
      return { sig: `a${elem}`, value: elem === "y" ? new Uint8Array(0) : [] };
    }
    for (;;) {
      const v = this.value(elem);
      elem ??= v.sig;
      items.push(v.value);
      this.ws();
      const c = this.s[this.i++];
      if (c === "]") break;
      if (c !== ",") throw new Error("',' or ']' expected in array");
    }
    const value = elem === "y" ? new Uint8Array(items as number[]) : items;
    return { sig: `a${elem}`, value };
  }
}
