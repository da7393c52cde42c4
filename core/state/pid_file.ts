/**
 * `--pid-file`: the container's (or an exec'd process's) pid, written
 * atomically as runc writes it.
 *
 * @module
 */
import { absPath } from "../os/path.ts";
import { settled } from "../sync.ts";

/**
 * Writes a pid file atomically (a dot file beside it, then rename), as runc does.
 *
 * @param path the file, relative to the cwd or absolute
 * @param pid the pid
 */
export function writePidFile(path: string, pid: number): Promise<void> {
  return settled(() => {
    const abs = absPath(path);
    const slash = abs.lastIndexOf("/");
    const tmp = `${abs.slice(0, slash + 1)}.${abs.slice(slash + 1)}`;
    Deno.writeTextFileSync(tmp, String(pid), { mode: 0o644 });
    Deno.renameSync(tmp, abs);
  });
}
