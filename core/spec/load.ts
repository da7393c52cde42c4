/**
 * Reading a bundle's config.json: bounded read, Go-compatible decoding
 * ({@linkcode decodeSpec}), then validation ({@linkcode validateSpec}).
 *
 * Messages follow runc 1.1: a missing file is `JSON specification file
 * config.json not found` (runc exits 1), a non-object top level is `json: cannot
 * unmarshal array into Go value of type specs.Spec`. Where runc 1.1.5 does worse
 * we do better: `null` is `config cannot be null` (runc panics), a syntax error
 * names the file and JavaScript's description (runc says `unexpected EOF` or
 * `invalid character ...`), and files over {@linkcode MAX_SPEC_SIZE} are refused.
 *
 * @module
 */

import { pathError } from "../os/errno.ts";
import { settled } from "../sync.ts";
import { decodeSpec } from "./decode.ts";
import { SpecError } from "./errors.ts";
import type { Spec } from "./types.ts";
import { type ValidateContext, validateSpec } from "./validate.ts";

/** The largest config.json accepted: 16 MiB. */
export const MAX_SPEC_SIZE = 16 * 1024 * 1024;

/** The file runc reads from the bundle, named as runc names it in messages. */
const CONFIG = "config.json";

/** Options of {@linkcode loadSpec}; the rest is passed to the validator. */
export interface LoadSpecOptions extends Omit<ValidateContext, "bundleDir"> {
  /**
   * Called once per warning, in order, as soon as it is found (so warnings met
   * before an error come out before it, as with runc). They are also returned by
   * {@linkcode loadSpecWithWarnings} and kept on a thrown SpecError's `warnings`.
   */
  onWarning?: (message: string) => void;
  /**
   * Run {@linkcode validateSpec} after decoding.
   * @default true
   */
  validate?: boolean;
  /**
   * Size limit in bytes.
   * @default MAX_SPEC_SIZE
   */
  maxSize?: number;
}

/** A loaded spec and the validator's warnings. */
export interface LoadedSpec {
  spec: Spec;
  warnings: string[];
}

/**
 * Reads a JSON file of at most `maxSize` bytes.
 *
 * @param path The file.
 * @param name How messages name it (runc says `config.json`, relative to the bundle).
 * @param maxSize The limit in bytes.
 * @returns The text.
 * @throws {SpecError} When the file is missing, unreadable or too large.
 */
export function readBoundedText(
  path: string,
  name: string,
  maxSize: number = MAX_SPEC_SIZE,
): Promise<string> {
  return settled(() => readBoundedTextSync(path, name, maxSize));
}

function readBoundedTextSync(path: string, name: string, maxSize: number): string {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new SpecError(`JSON specification file ${name} not found`, { cause: err });
    }
    throw new SpecError(pathError("open", name, err), { cause: err });
  }
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buf = new Uint8Array(64 * 1024);
    for (;;) {
      let n: number | null;
      try {
        n = file.readSync(buf);
      } catch (err) {
        throw new SpecError(pathError("read", name, err), { cause: err });
      }
      if (n === null) break;
      total += n;
      if (total > maxSize) {
        throw new SpecError(`${name} is too large: more than ${maxSize} bytes`);
      }
      chunks.push(buf.slice(0, n));
    }
    const bytes = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      bytes.set(c, off);
      off += c.length;
    }
    return new TextDecoder().decode(bytes);
  } finally {
    file.close();
  }
}

/** The bundle directory as runc sees it after chdir: absolute, symlinks resolved. */
function resolveBundle(bundleDir: string): string {
  try {
    return Deno.realPathSync(bundleDir);
  } catch (err) {
    throw new SpecError(pathError("chdir", bundleDir, err), { cause: err });
  }
}

/**
 * Loads, decodes and validates `bundleDir/config.json`, returning the warnings
 * (also given to `opts.onWarning` as they are found).
 *
 * @param bundleDir The bundle directory (`--bundle`, default the current one).
 * @param opts Validation context and limits.
 * @returns The spec and the warnings.
 * @throws {SpecError} With runc's message where runc has one; never anything else.
 */
export async function loadSpecWithWarnings(
  bundleDir: string,
  opts: LoadSpecOptions = {},
): Promise<LoadedSpec> {
  const bundle = resolveBundle(bundleDir);
  const text = await readBoundedText(`${bundle}/${CONFIG}`, CONFIG, opts.maxSize);
  const spec = decodeSpec(text, CONFIG);
  if (opts.validate === false) return { spec, warnings: [] };
  const { onWarning, validate: _v, maxSize: _m, ...ctx } = opts;
  const { warnings } = validateSpec(spec, { ...ctx, bundleDir: bundle }, onWarning);
  return { spec, warnings };
}

/**
 * Loads, decodes and validates `bundleDir/config.json`.
 *
 * @param bundleDir The bundle directory.
 * @param opts Validation context, a warning callback, limits.
 * @returns The spec, normalised as runc's decoder leaves it.
 * @throws {SpecError} With runc's message where runc has one; never anything else.
 * @example
 * ```ts
 * const spec = await loadSpec("/containers/web", {
 *   onWarning: (w) => console.error(`level=warning msg="${w}"`),
 * });
 * ```
 */
export async function loadSpec(bundleDir: string, opts: LoadSpecOptions = {}): Promise<Spec> {
  return (await loadSpecWithWarnings(bundleDir, opts)).spec;
}
