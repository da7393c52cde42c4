/**
 * The host file lookups and raw fds checkpoint and restore hand to CRIU.
 *
 * @module
 */
import type { Sys } from "../os/sys.ts";
import type { PathLookup } from "./options.ts";

/** open(2) flags (x86_64 and aarch64 agree on these). */
export const O = {
  RDONLY: 0,
  WRONLY: 1,
  RDWR: 2,
  DIRECTORY: 0o200000,
  CLOEXEC: 0o2000000,
} as const;

/** Symlinks on the host, for secureJoin. */
export const hostLookup: PathLookup = {
  readlink(path) {
    try {
      return Deno.lstatSync(path).isSymlink ? Deno.readLinkSync(path) : undefined;
    } catch {
      return undefined;
    }
  },
};

/** Whether a host path is a directory; undefined when it does not exist. */
export function isDirectory(path: string): boolean | undefined {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return undefined;
  }
}

/**
 * A directory opened as a raw fd (close-on-exec: CRIU reaches it through
 * /proc/RUNC_PID/fd/N, as its images_dir_fd and work_dir_fd).
 */
export function openDir(sys: Sys, path: string): number {
  return sys.open(path, O.RDONLY | O.DIRECTORY | O.CLOEXEC);
}
