/**
 * Logging the way runc 1.1 logs through logrus: the text formatter
 * (`time="2026-11-28T00:21:24Z" level=error msg="container does not exist"`),
 * its coloured variant when the output is a terminal (`ERRO[0000] ...`), and
 * the JSON formatter (`{"level":"error","msg":"...","time":"..."}`). Every
 * line is written with one write(2), so lines appended to a shared `--log`
 * file by several processes never interleave.
 *
 * This module is loaded by every CLI call: it imports nothing but the errno
 * text it needs to word a failed open (core/os/errno.ts).
 *
 * @module
 */

import { osErrorText } from "./os/errno.ts";

/** logrus level names, as they appear in `level=` and in JSON. */
export type LogLevel = "debug" | "info" | "warning" | "error";

/** Extra key/value pairs of one line (logrus `WithFields`). */
export type LogFields = Record<string, string | number | boolean>;

/** Options of {@linkcode configureLog}; runc's `--debug`, `--log` and `--log-format`. */
export interface LogOptions {
  /** Log debug lines too (runc `--debug`). */
  debug: boolean;
  /** Append to this file instead of stderr (runc `--log`), created 0644. */
  file?: string;
  /** `text` (logrus' TextFormatter) or `json` (logrus' JSONFormatter). */
  format: "text" | "json";
}

const RANK: Record<LogLevel, number> = { debug: 5, info: 4, warning: 3, error: 2 };
const COLOR: Record<LogLevel, number> = { debug: 37, info: 36, warning: 33, error: 31 };

interface Sink {
  writeSync(p: Uint8Array): number;
  isTerminal(): boolean;
}

let threshold = RANK.info;
let json = false;
let sink: Sink = Deno.stderr;
let toStderr = true;
let colored: boolean | undefined;
const encoder = new TextEncoder();

/**
 * Sets level, format and destination, in runc's order: debug, format, then
 * the file, so an unopenable `--log` is reported in the chosen format.
 *
 * @param opts the parsed global options
 * @throws Error worded like Go's `open FILE: permission denied`
 */
export function configureLog(opts: LogOptions): void {
  threshold = opts.debug ? RANK.debug : RANK.info;
  json = opts.format === "json";
  colored = undefined;
  if (opts.file === undefined || opts.file === "") return;
  try {
    sink = Deno.openSync(opts.file, { write: true, append: true, create: true, mode: 0o644 });
  } catch (err) {
    throw new Error(`open ${opts.file}: ${osErrorText(err)}`, { cause: err });
  }
  toStderr = false;
}

/** Whether log lines go to stderr (runc then does not repeat a fatal error there). */
export function logToStderr(): boolean {
  return toStderr;
}

/** Whether debug lines are logged (runc's `--debug`). */
export function debugEnabled(): boolean {
  return threshold >= RANK.debug;
}

/** Logs at debug level (shown with `--debug` only). */
export function logDebug(msg: string, fields?: LogFields): void {
  emit("debug", msg, fields);
}

/**
 * Logs, with `--debug` only, that a command reached one of its phases and
 * how many milliseconds after the process began (`ms=`): the breakdown
 * `make bench` and a slow `run` are read from.
 *
 * @param phase what was just done, e.g. `create: cgroups made`
 */
export function logPhase(phase: string): void {
  if (threshold < RANK.debug) return;
  emit("debug", phase, { ms: Math.round(performance.now() * 10) / 10 });
}

/** Logs at info level. */
export function logInfo(msg: string, fields?: LogFields): void {
  emit("info", msg, fields);
}

/** Logs at warning level. */
export function logWarn(msg: string, fields?: LogFields): void {
  emit("warning", msg, fields);
}

/** Logs at error level. */
export function logError(msg: string, fields?: LogFields): void {
  emit("error", msg, fields);
}

function emit(level: LogLevel, msg: string, fields: LogFields | undefined): void {
  if (RANK[level] > threshold) return;
  const style = json ? "json" : isColored() ? "color" : "text";
  const line = formatLine(level, msg, fields ?? {}, new Date(), style);
  const bytes = encoder.encode(line);
  try {
    let off = 0;
    while (off < bytes.length) off += sink.writeSync(bytes.subarray(off));
  } catch {
    // logrus ignores write errors too ("Failed to write to log" aside).
  }
}

function isColored(): boolean {
  if (colored === undefined) {
    try {
      colored = sink.isTerminal();
    } catch {
      colored = false;
    }
  }
  return colored;
}

/**
 * Renders one line as logrus 1.8 does; exported for tests.
 *
 * @param level the line's level
 * @param msg the message, kept as is (text and JSON do not trim a final newline)
 * @param fields extra fields, printed sorted by key
 * @param time when it happened; printed in local time, RFC 3339, seconds
 * @param style `text`, `json`, or `color`: logrus' layout for terminals
 * @returns the line with its newline
 */
export function formatLine(
  level: LogLevel,
  msg: string,
  fields: LogFields,
  time: Date,
  style: "text" | "json" | "color",
): string {
  const keys = Object.keys(fields).sort();
  if (style === "json") {
    const all: Record<string, string | number | boolean> = { ...fields };
    all.level = level;
    all.msg = msg;
    all.time = rfc3339(time);
    const parts = Object.keys(all).sort().map((k) => `${goJSONString(k)}:${jsonValue(all[k]!)}`);
    return `{${parts.join(",")}}\n`;
  }
  if (style === "color") {
    const c = COLOR[level];
    const secs = String(Math.floor(performance.now() / 1000)).padStart(4, "0");
    const text = msg.endsWith("\n") ? msg.slice(0, -1) : msg;
    let out = `\x1b[${c}m${level.slice(0, 4).toUpperCase()}\x1b[0m[${secs}] ${padRunes(text, 44)} `;
    for (const k of keys) out += ` \x1b[${c}m${k}\x1b[0m=${textValue(fields[k]!)}`;
    return out + "\n";
  }
  let out = `time=${textValue(rfc3339(time))} level=${level}`;
  if (msg !== "") out += ` msg=${textValue(msg)}`;
  for (const k of keys) out += ` ${k}=${textValue(fields[k]!)}`;
  return out + "\n";
}

function padRunes(s: string, width: number): string {
  let n = 0;
  for (const _ of s) n++;
  return n >= width ? s : s + " ".repeat(width - n);
}

function textValue(v: string | number | boolean): string {
  const s = String(v);
  return /^[A-Za-z0-9\-._/@^+]*$/.test(s) ? s : goQuote(s);
}

function jsonValue(v: string | number | boolean): string {
  return typeof v === "string" ? goJSONString(v) : String(v);
}

/** Go's time.RFC3339 in the local zone: `2026-11-28T00:21:24Z` or `...+01:00`. */
export function rfc3339(t: Date): string {
  const off = -t.getTimezoneOffset();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const base = `${p(t.getFullYear(), 4)}-${p(t.getMonth() + 1)}-${p(t.getDate())}T` +
    `${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
  if (off === 0) return base + "Z";
  const a = Math.abs(off);
  return `${base}${off < 0 ? "-" : "+"}${p(Math.floor(a / 60))}:${p(a % 60)}`;
}

const SHORT_ESC: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  '"': '\\"',
  "\\": "\\\\",
};
// Made on first use beyond ASCII: a Unicode property class costs about 1 ms to
// create and as much to compile, which every command would pay at start-up.
let printable: RegExp | undefined;
function isPrintable(ch: string, cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  printable ??= /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
  return printable.test(ch);
}

/**
 * Go's `strconv.Quote` (`%q`): printable runes stay, others become `\n`,
 * `\x1b`, `\u00a0`, `\U0001f600`-style escapes.
 *
 * @param s any string; lone surrogates are written as `\ufffd`, as Go does for invalid UTF-8
 * @returns the quoted string, with its double quotes
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const short = SHORT_ESC[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) out += "\\ufffd";
    else if (isPrintable(ch, cp)) out += ch;
    else if (cp < 0x80) out += "\\x" + cp.toString(16).padStart(2, "0");
    else if (cp < 0x10000) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + '"';
}

/**
 * A JSON string as Go's encoding/json writes it with HTML escaping on:
 * `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`-style escapes, control
 * characters other than `\n`, `\r`, `\t` as `\u00XX`.
 *
 * @param s the string
 * @returns the JSON text, with its double quotes
 */
export function goJSONString(s: string): string {
  return JSON.stringify(s).replace(/\\(u[0-9a-f]{4}|.)|[<>&\u2028\u2029]/g, (m, esc?: string) => {
    if (esc === undefined) return "\\u" + m.charCodeAt(0).toString(16).padStart(4, "0");
    if (esc === "b") return "\\u0008";
    if (esc === "f") return "\\u000c";
    if (/^ud[89a-f]/.test(esc)) return "\ufffd";
    return m;
  });
}
