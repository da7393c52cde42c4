/**
 * Reading and writing cgroup files. Every write of the cgroup code goes
 * through {@linkcode writeFile}, whose error names the file and the value as
 * runc's does: `failed to write "10": write /sys/fs/cgroup/pids/c1/pids.max:
 * invalid argument`.
 *
 * @module
 */
import { Errno, errnoText, osErrno, osErrorText } from "../os/errno.ts";
import { exists } from "../os/path.ts";
import type { CgroupSys } from "../os/sys.ts";

/** A failure of the cgroup code; the message names the path (and the value written). */
export class CgroupError extends Error {
  /** @param message what failed, with the path */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CgroupError";
  }
}

/** The errnos of a write a rootless caller may not make: its hierarchy is left out, not an error. */
export const DENIED: readonly number[] = [Errno.EACCES, Errno.EPERM, Errno.EROFS];

/** Whether a cgroup error (or its cause) carries one of {@linkcode DENIED}. */
export function denied(e: unknown): boolean {
  return DENIED.includes(osErrno((e as Error).cause ?? e));
}

type WriteObserver = (path: string, value: string) => void;
let observer: WriteObserver | undefined;

/**
 * Calls fn for every write made until the returned function is called; for
 * tests of files written more than once (devices.allow).
 *
 * @param fn receives the path and the value
 * @returns a function that stops the observation
 */
export function observeWrites(fn: WriteObserver): () => void {
  observer = fn;
  return () => {
    observer = undefined;
  };
}

/**
 * Writes value to dir/file in one write(2), as cgroup files want it.
 *
 * @param dir the cgroup directory
 * @param file the file name, e.g. `pids.max`
 * @param value the text written
 * @throws CgroupError `failed to write "VALUE": write PATH: ERRNO TEXT`
 */
export function writeFile(dir: string, file: string, value: string): void {
  const path = `${dir}/${file}`;
  observer?.(path, value);
  try {
    Deno.writeTextFileSync(path, value);
  } catch (e) {
    throw writeError(path, value, e);
  }
}

/** A cgroup.procs write that failed. */
export interface ProcsFailure {
  /** The cgroup.procs file. */
  path: string;
  /** The errno. */
  errno: number;
  /** Whether the open failed (else the write). */
  inOpen: boolean;
  /** Worded as writeFile's: `failed to write "PID": write PATH: TEXT`. */
  error: CgroupError;
}

/**
 * Moves pid into each cgroup directory (its cgroup.procs), in order; with
 * sys, off the main thread: the first write of a burst can wait several
 * milliseconds in the kernel for an RCU grace period, which the caller may
 * spend on other work. Every directory is tried.
 *
 * @param sys writes through its writeEach; without it, synchronously (tests)
 * @returns per directory, undefined or what failed
 */
export async function writeProcs(
  sys: Pick<CgroupSys, "writeEach"> | undefined,
  dirs: readonly string[],
  pid: number,
): Promise<(ProcsFailure | undefined)[]> {
  const value = String(pid);
  const paths = dirs.map((d) => `${d}/cgroup.procs`);
  for (const p of paths) observer?.(p, value);
  const errnos = await writeEach(sys, paths, value);
  return errnos.map((e, i) => {
    if (e === 0) return undefined;
    const path = paths[i]!, errno = Math.abs(e);
    const error = new CgroupError(
      `failed to write ${JSON.stringify(value)}: write ${path}: ${errnoText(errno)}`,
    );
    return { path, errno, inOpen: e < 0, error };
  });
}

/**
 * sys.writeEach, or the same synchronously without sys (tests): per path 0,
 * the errno of the write, or minus the errno of the open.
 */
function writeEach(
  sys: Pick<CgroupSys, "writeEach"> | undefined,
  paths: readonly string[],
  value: string,
): Promise<number[]> {
  if (sys) return sys.writeEach(paths, value);
  return Promise.resolve(paths.map((p) => {
    let f: Deno.FsFile;
    try {
      f = Deno.openSync(p, { write: true, create: true });
    } catch (e) {
      return -(osErrno(e) || Errno.EIO);
    }
    try {
      f.writeSync(new TextEncoder().encode(value));
      return 0;
    } catch (e) {
      return osErrno(e) || Errno.EIO;
    } finally {
      f.close();
    }
  }));
}

function writeError(path: string, value: string, e: unknown): CgroupError {
  return new CgroupError(
    `failed to write ${JSON.stringify(value)}: write ${path}: ${osErrorText(e)}`,
    { cause: e },
  );
}

/**
 * Reads dir/file.
 *
 * @throws CgroupError `open PATH: ERRNO TEXT`
 */
export function readFile(dir: string, file: string): string {
  const path = `${dir}/${file}`;
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    throw new CgroupError(`open ${path}: ${osErrorText(e)}`, { cause: e });
  }
}

/** Reads dir/file, or undefined when it does not exist or cannot be read. */
export function readOptional(dir: string, file: string): string | undefined {
  try {
    return Deno.readTextFileSync(`${dir}/${file}`);
  } catch {
    return undefined;
  }
}

/**
 * A number from a one-value file; `max` is the largest uint64, as runc reads
 * it. Undefined when the file is absent or not a number.
 */
export function readUint(dir: string, file: string): number | undefined {
  const text = readOptional(dir, file)?.trim();
  if (text === undefined || text === "") return undefined;
  if (text === "max") return Number.MAX_SAFE_INTEGER;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** A flat keyed file (`key value` per line, memory.stat, cpu.stat) as a record. */
export function readKeyed(dir: string, file: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (readOptional(dir, file) ?? "").split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

export { exists };

/**
 * Writes the writes of one controller into one cgroup directory; with no
 * directory (the controller is not mounted, or a rootless caller could not
 * create it) the first write fails with runc's message.
 */
export class Writer {
  /**
   * @param controller the controller's name, for the error
   * @param dir its cgroup directory, if there is one
   */
  constructor(readonly controller: string, readonly dir: string | undefined) {}

  /** Writes value to the controller's file. */
  write(file: string, value: string | number): void {
    if (this.dir === undefined) {
      throw new CgroupError(
        `cannot set ${this.controller} limit: container could not join or create cgroup`,
      );
    }
    writeFile(this.dir, file, String(value));
  }

  /** Whether the controller's directory holds file. */
  has(file: string): boolean {
    return this.dir !== undefined && exists(`${this.dir}/${file}`);
  }
}

/** A Go int64/uint64 from the spec as a bigint; absent is 0, as Go's zero value. */
export function big(v: number | bigint | undefined | null): bigint {
  if (v === undefined || v === null) return 0n;
  return typeof v === "bigint" ? v : BigInt(Math.trunc(v));
}
