/**
 * Walking a cgroup directory and its sub-cgroups: every pid in it, and
 * removal deepest first (rmdir only: a cgroup directory's files go with it).
 *
 * @module
 */
import { CgroupError, readOptional } from "./file.ts";
import { osErrno, osErrorText } from "../os/errno.ts";

const ENOENT = 2;
const EBUSY = 16;

function subdirs(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => `${dir}/${e.name}`);
  } catch {
    return [];
  }
}

/** Every pid in dir's cgroup.procs and its sub-cgroups'. */
export function allPids(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string) => {
    for (const line of (readOptional(d, "cgroup.procs") ?? "").split("\n")) {
      const pid = Number(line);
      if (line !== "" && Number.isInteger(pid)) out.push(pid);
    }
    for (const s of subdirs(d)) walk(s);
  };
  walk(dir);
  return out;
}

/** The waits between a busy cgroup's rmdir attempts: 10 ms doubling, 1.27 s in all. */
const BUSY_RETRIES = 7;

/**
 * Removes a cgroup directory and every sub-cgroup in it, deepest first. A
 * directory already gone is fine; one still busy (processes exiting) is
 * retried, waiting 10 ms and then twice as long each time, 1.27 s in all
 * (runc 1.1 gives up after 150 ms). A cgroup another container still uses
 * stays busy: callers remove their directories together, not one after the
 * other, so that they wait that long once.
 *
 * @throws CgroupError `rmdir PATH: device or resource busy` when it stays busy
 */
export async function removeTree(dir: string): Promise<void> {
  for (const s of subdirs(dir)) await removeTree(s);
  for (let attempt = 0;; attempt++) {
    try {
      Deno.removeSync(dir);
      return;
    } catch (e) {
      const errno = osErrno(e);
      if (errno === ENOENT || e instanceof Deno.errors.NotFound) return;
      if (errno !== EBUSY || attempt >= BUSY_RETRIES) {
        throw new CgroupError(`rmdir ${dir}: ${osErrorText(e)}`, { cause: e });
      }
      // A sub-cgroup made meanwhile, or tasks still exiting.
      for (const s of subdirs(dir)) await removeTree(s);
      await new Promise((r) => setTimeout(r, 10 * 2 ** attempt));
    }
  }
}

/**
 * mkdir -p that reports the directories it made, so a failure halfway can
 * remove them.
 *
 * @returns the directories created, outermost first
 */
export function mkdirAll(dir: string): string[] {
  // The deepest directory first: a container's cgroup usually has its parent
  // already, so this is one mkdir(2) and no exception in the common case.
  try {
    Deno.mkdirSync(dir);
    return [dir];
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return [];
    const parent = dir.slice(0, dir.lastIndexOf("/"));
    if (!(e instanceof Deno.errors.NotFound) || parent === "") {
      throw new CgroupError(`mkdir ${dir}: ${osErrorText(e)}`, { cause: e });
    }
    const made = mkdirAll(parent);
    try {
      Deno.mkdirSync(dir);
    } catch (e2) {
      if (e2 instanceof Deno.errors.AlreadyExists) return made;
      throw new CgroupError(`mkdir ${dir}: ${osErrorText(e2)}`, { cause: e2 });
    }
    return [...made, dir];
  }
}
