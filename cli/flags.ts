/**
 * A command-line parser with the behaviour runc 1.1 gets from urfave/cli v1.22
 * on top of Go's flag package: `--name value`, `--name=value`, `-name value`,
 * booleans that take a value only as `--name=false`, parsing that stops at the
 * first argument and after `--`, Go's error texts (`flag provided but not
 * defined: -bogus`, `invalid value "x" for flag -preserve-fds: parse error`),
 * urfave's reordering of known flags written after the arguments, and its
 * refusal of two spellings of one flag.
 *
 * @module
 */

import type { Flag, FlagValues } from "./command.ts";
import { goQuote } from "../core/log.ts";

/** What {@linkcode parseFlags} found. */
export interface ParseResult {
  /** Values keyed by long name, every flag present with its default. */
  values: FlagValues;
  /** Long names of the flags given. */
  set: Set<string>;
  /** The names as typed (long names or aliases), for {@linkcode checkForms}. */
  visited: Set<string>;
  /** The arguments left after the flags. */
  args: string[];
  /** Go's error text when parsing stopped on a bad flag. */
  error?: string;
}

/** Flag names urfave derives from a descriptor: the long name first. */
function namesOf(f: Flag): string[] {
  return [f.name, ...(f.aliases ?? [])];
}

/**
 * urfave/cli 1.22's reorderArgs: known flags (with the value that follows a
 * flag written without `=`) move before the other arguments, `--` and what
 * follows stay last.
 *
 * @param flags the command's flags
 * @param args the arguments after the command name
 * @returns the reordered arguments
 */
export function reorderArgs(flags: Flag[], args: string[]): string[] {
  const known = new Set(flags.flatMap(namesOf));
  const isFlag = (arg: string): boolean => {
    if (arg === "-" || arg === "--" || !arg.startsWith("-")) return false;
    let a = arg;
    if (a.startsWith("--")) a = a.replace("-", "").replace("-", "");
    if (a.startsWith("-")) a = a.replace("-", "");
    return known.has(a.split("=")[0]!);
  };
  const reordered: string[] = [];
  let remaining: string[] = [];
  let valueMayFollow = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (valueMayFollow && !isFlag(arg)) {
      valueMayFollow = false;
      reordered.push(arg);
    } else if (arg === "--") {
      remaining = ["--", ...remaining, ...args.slice(i + 1)];
      break;
    } else if (isFlag(arg)) {
      reordered.push(arg);
      valueMayFollow = !arg.includes("=");
    } else {
      remaining.push(arg);
    }
  }
  return [...reordered, ...remaining];
}

/**
 * Parses flags like Go's `flag.FlagSet.Parse` with urfave's flag types.
 * Parsing stops at the first argument that is not a flag, after `--`, or on
 * the first error, which is returned rather than thrown.
 *
 * @param flags the accepted flags
 * @param argv the arguments
 * @param reorder apply urfave's {@linkcode reorderArgs} first
 * @returns the values, the flags seen and the remaining arguments
 */
export function parseFlags(flags: Flag[], argv: string[], reorder = false): ParseResult {
  const formal = new Map<string, Flag>();
  const values: FlagValues = {};
  for (const f of flags) {
    for (const n of namesOf(f)) formal.set(n, f);
    values[f.name] = defaultValue(f);
  }
  const result: ParseResult = { values, set: new Set(), visited: new Set(), args: [] };
  const args = reorder ? reorderArgs(flags, argv) : [...argv];
  while (args.length > 0) {
    const s = args[0]!;
    if (s.length < 2 || s[0] !== "-") break;
    let name = s.slice(s[1] === "-" ? 2 : 1);
    if (s === "--") {
      args.shift();
      break;
    }
    if (name === "" || name[0] === "-" || name[0] === "=") {
      result.error = `bad flag syntax: ${s}`;
      break;
    }
    args.shift();
    let value: string | undefined;
    const eq = name.indexOf("=", 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const flag = formal.get(name);
    if (flag === undefined) {
      result.error = `flag provided but not defined: -${name}`;
      break;
    }
    if (flag.kind === "bool") {
      const b = value === undefined ? true : parseGoBool(value);
      if (b === undefined) {
        result.error = `invalid boolean value ${goQuote(value!)} for -${name}: parse error`;
        break;
      }
      values[flag.name] = b;
    } else {
      if (value === undefined && args.length > 0) value = args.shift()!;
      if (value === undefined) {
        result.error = `flag needs an argument: -${name}`;
        break;
      }
      const err = setValue(values, flag, value);
      if (err !== undefined) {
        result.error = `invalid value ${goQuote(value)} for flag -${name}: ${err}`;
        break;
      }
    }
    result.visited.add(name);
    result.set.add(flag.name);
  }
  result.args = args;
  return result;
}

/**
 * urfave's normalizeFlags check: one flag may not be given under two names.
 *
 * @param flags the accepted flags
 * @param visited the names seen, from {@linkcode parseFlags}
 * @returns `Cannot use two forms of the same flag: b bundle`, or undefined
 */
export function checkForms(flags: Flag[], visited: Set<string>): string | undefined {
  for (const f of flags) {
    let first: string | undefined;
    for (const n of namesOf(f)) {
      if (!visited.has(n)) continue;
      if (first !== undefined) return `Cannot use two forms of the same flag: ${n} ${first}`;
      first = n;
    }
  }
  return undefined;
}

function defaultValue(f: Flag): string | number | boolean | string[] | number[] {
  switch (f.kind) {
    case "bool":
      return f.default === true;
    case "string":
      return typeof f.default === "string" ? f.default : "";
    case "stringSlice":
      return Array.isArray(f.default) ? [...f.default] : [];
    case "int64Slice":
      return [];
    case "duration":
      return parseGoDuration(typeof f.default === "string" ? f.default : "0s") ?? 0;
    default:
      return typeof f.default === "number" ? f.default : 0;
  }
}

/** Stores a flag's value; returns Go's error text when it does not parse. */
function setValue(values: FlagValues, flag: Flag, value: string): string | undefined {
  switch (flag.kind) {
    case "string":
      values[flag.name] = value;
      return undefined;
    case "stringSlice":
      (values[flag.name] as string[]).push(value);
      return undefined;
    case "int64Slice": {
      const n = parseGoInt(value, 10, 64, false);
      if (typeof n === "string") {
        const why = n === "range" ? "value out of range" : "invalid syntax";
        return `strconv.ParseInt: parsing ${goQuote(value)}: ${why}`;
      }
      (values[flag.name] as number[]).push(Number(n));
      return undefined;
    }
    case "duration": {
      const ms = parseGoDuration(value);
      if (ms === undefined) return "parse error";
      values[flag.name] = ms;
      return undefined;
    }
    default: {
      const n = parseGoInt(value, 0, 64, flag.kind !== "int");
      if (typeof n === "string") return n === "range" ? "value out of range" : "parse error";
      values[flag.name] = Number(n);
      return undefined;
    }
  }
}

/**
 * Go's `strconv.ParseBool`.
 *
 * @param s the text
 * @returns the value, or undefined when Go would refuse it
 */
export function parseGoBool(s: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  return undefined;
}

/**
 * Go's `strconv.ParseInt` / `ParseUint` (base 0 accepts `0x`, `0o`, `0b`,
 * a leading `0` for octal and `_` between digits).
 *
 * @param s the text
 * @param base 0 or 10
 * @param bits 64 for int64 / uint64
 * @param unsigned ParseUint rules (no sign)
 * @returns the value, or `"syntax"` / `"range"` as Go's error kind
 */
export function parseGoInt(
  s: string,
  base: 0 | 10,
  bits: number,
  unsigned: boolean,
): bigint | "syntax" | "range" {
  if (s === "") return "syntax";
  let neg = false;
  let body = s;
  if (!unsigned && (s[0] === "+" || s[0] === "-")) {
    neg = s[0] === "-";
    body = s.slice(1);
    if (body === "") return "syntax";
  }
  let radix = 10n;
  const base0 = base === 0;
  if (base0 && body[0] === "0") {
    const p = body[1]?.toLowerCase();
    if (body.length >= 3 && (p === "b" || p === "o" || p === "x")) {
      radix = p === "b" ? 2n : p === "o" ? 8n : 16n;
      body = body.slice(2);
    } else {
      radix = 8n;
      body = body.slice(1);
    }
  }
  const max = unsigned ? (1n << BigInt(bits)) - 1n : (1n << BigInt(bits - 1)) + (neg ? 0n : -1n);
  let n = 0n;
  let underscores = false;
  for (const c of body) {
    if (c === "_" && base0) {
      underscores = true;
      continue;
    }
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || BigInt(d) >= radix) return "syntax";
    n = n * radix + BigInt(d);
    if (n > (unsigned ? max : (1n << BigInt(bits)) - 1n)) return "range";
  }
  if (underscores && !underscoreOK(s)) return "syntax";
  if (n > max) return "range";
  return neg ? -n : n;
}

/** Go's strconv.underscoreOK: `_` only between digits or after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s[0] === "-" || s[0] === "+") s = s.slice(1);
  let hex = false;
  const p = s[1]?.toLowerCase();
  if (s.length >= 2 && s[0] === "0" && (p === "b" || p === "o" || p === "x")) {
    i = 2;
    saw = "0";
    hex = p === "x";
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    const l = c.toLowerCase();
    if ((c >= "0" && c <= "9") || (hex && l >= "a" && l <= "f")) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  "\u00b5s": 1e3,
  "\u03bcs": 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/**
 * Go's `time.ParseDuration` (`1h30m`, `1.5s`, `-5ms`, `0`).
 *
 * @param s the text
 * @returns the duration in milliseconds, or undefined when Go would refuse it
 */
export function parseGoDuration(s: string): number | undefined {
  const m = /^([-+]?)(.*)$/s.exec(s)!;
  const rest = m[2]!;
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  const re = /([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/y;
  let ns = 0n;
  let pos = 0;
  while (pos < rest.length) {
    re.lastIndex = pos;
    const part = re.exec(rest);
    if (part === null) return undefined;
    const [, int = "", frac, unit = ""] = part;
    if (int === "" && (frac === undefined || frac === "")) return undefined;
    const scale = UNIT_NS[unit];
    if (scale === undefined) return undefined;
    let v = BigInt(int === "" ? "0" : int) * BigInt(scale);
    if (frac !== undefined && frac !== "") {
      v += BigInt(Math.floor(Number(`0.${frac}`) * scale));
    }
    ns += v;
    if (ns > 1n << 63n) return undefined;
    pos = re.lastIndex;
  }
  if (m[1] !== "-" && ns > (1n << 63n) - 1n) return undefined;
  return Number(ns) / 1e6 * (m[1] === "-" ? -1 : 1);
}
