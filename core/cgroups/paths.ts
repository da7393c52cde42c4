/**
 * Where a container's cgroups go: linux.cgroupsPath absolute (under each
 * hierarchy's root), relative (to the caller's own cgroup in each hierarchy;
 * on cgroup v2 to its parent, as runc does) or absent (the container id,
 * relative). `--systemd-cgroup`'s `slice:prefix:name` is parsed here too.
 *
 * @module
 */
import { cleanPathInside } from "../os/path.ts";
import { CgroupError } from "./file.ts";
import type { CgroupPaths } from "./cgroups.ts";

/**
 * The caller's cgroups from /proc/self/cgroup: v1 controller name to path,
 * `""` for the unified hierarchy.
 *
 * @param text the file's content; default this process's
 */
export function ownCgroups(text?: string): Map<string, string> {
  const out = new Map<string, string>();
  const content = text ?? readSelf();
  for (const line of content.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const name of m[1]!.split(",")) out.set(name, m[2]!);
  }
  return out;
}

function readSelf(): string {
  try {
    return Deno.readTextFileSync("/proc/self/cgroup");
  } catch {
    return "";
  }
}

/** The cgroup path inside each hierarchy: the cleaned cgroupsPath, or the id. */
export function innerPath(cgroupsPath: string | undefined, id: string): string {
  return cleanPathInside(cgroupsPath ?? "") || cleanPathInside(id);
}

function join(...parts: string[]): string {
  return cleanPathInside(parts.filter((p) => p !== "").join("/"));
}

/**
 * The v1 (and in hybrid mode, unified) directories of a container.
 *
 * @param mounts v1 controller to mount directory (mode.ts's v1Mounts)
 * @param unifiedMount the cgroup2 mount in hybrid mode, else undefined
 * @param inner the path from innerPath
 * @param own the caller's cgroups (ownCgroups)
 * @returns the paths record, `""` for the unified directory
 */
export function v1Paths(
  mounts: Map<string, string>,
  unifiedMount: string | undefined,
  inner: string,
  own: Map<string, string>,
): CgroupPaths {
  const out: CgroupPaths = {};
  const place = (key: string, mount: string) => {
    out[key] = inner.startsWith("/") ? join(mount, inner) : join(mount, own.get(key) ?? "/", inner);
  };
  for (const [name, mount] of mounts) place(name, mount);
  if (unifiedMount !== undefined) place("", unifiedMount);
  return out;
}

/**
 * The directory of a container on a cgroup v2 host: absolute paths under the
 * root; relative ones under the parent of the caller's cgroup (which most
 * likely holds processes and so cannot enable controllers for children).
 *
 * @param root the cgroup2 mount
 * @param inner the path from innerPath
 * @param own the caller's cgroups (ownCgroups)
 */
export function v2Path(root: string, inner: string, own: Map<string, string>): string {
  if (inner.startsWith("/")) return join(root, inner);
  const mine = own.get("") ?? "/";
  const parent = mine.slice(0, mine.lastIndexOf("/")) || "/";
  return join(root, parent, inner);
}

/** A parsed `--systemd-cgroup` cgroupsPath. */
export interface SystemdPath {
  slice: string;
  prefix: string;
  name: string;
}

/**
 * Parses `slice:prefix:name` (all three absent: runc's defaults, `runc` and the id).
 *
 * @throws CgroupError with runc's wording when the form is wrong
 */
export function parseSystemdPath(cgroupsPath: string | undefined, id: string): SystemdPath {
  if (!cgroupsPath) return { slice: "", prefix: "runc", name: id };
  const parts = cgroupsPath.split(":");
  if (parts.length !== 3) {
    throw new CgroupError(
      `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${
        JSON.stringify(cgroupsPath)
      } instead`,
    );
  }
  return { slice: parts[0]!, prefix: parts[1]!, name: parts[2]! };
}

/**
 * Whether systemd runs this host (it is PID 1 and has its runtime directory),
 * which the systemd cgroup driver needs.
 */
export function systemdRunning(): boolean {
  try {
    return Deno.lstatSync("/run/systemd/system").isDirectory;
  } catch {
    return false;
  }
}
