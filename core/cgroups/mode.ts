/**
 * How the host's cgroups are mounted, decided apart from the managers and
 * from a root given as a parameter, so tests can run on a temp directory:
 * `unified` (cgroup2 at the root), `hybrid` (v1 controllers plus a cgroup2 at
 * ROOT/unified) or `legacy` (v1 only).
 *
 * @module
 */
import { exists } from "./file.ts";

/** The cgroup hierarchy mode of a host. */
export type Mode = "unified" | "hybrid" | "legacy";

/** Where the host mounts its cgroups. */
export const DEFAULT_ROOT = "/sys/fs/cgroup";

/** The v1 controllers runc 1.1 knows, in the order its fs manager applies them. */
export const V1_CONTROLLERS = [
  "cpuset",
  "devices",
  "memory",
  "cpu",
  "cpuacct",
  "pids",
  "blkio",
  "hugetlb",
  "net_cls",
  "net_prio",
  "perf_event",
  "freezer",
  "rdma",
  "name=systemd",
  "misc",
] as const;

/**
 * The hierarchy mode under root.
 *
 * @param root the cgroup mount point; default /sys/fs/cgroup
 */
export function detectMode(root: string = DEFAULT_ROOT): Mode {
  if (exists(`${root}/cgroup.controllers`)) return "unified";
  if (exists(`${root}/unified/cgroup.controllers`)) return "hybrid";
  return "legacy";
}

/**
 * The mount directory of each v1 controller under root: a directory named
 * after the controllers it holds (`cpu,cpuacct`, or `cpu` as a symlink to
 * it; `systemd` holds `name=systemd`) with a cgroup.procs file.
 *
 * @param root the cgroup mount point
 * @returns controller name to mount directory
 */
export function v1Mounts(root: string = DEFAULT_ROOT): Map<string, string> {
  const out = new Map<string, string>();
  let entries: Deno.DirEntry[];
  try {
    // Byte order, as Go sorts; localeCompare would load ICU's collator (13 ms).
    entries = [...Deno.readDirSync(root)].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0
    );
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name === "unified" || !exists(`${root}/${e.name}/cgroup.procs`)) continue;
    for (const part of e.name.split(",")) {
      const name = part === "systemd" ? "name=systemd" : part;
      if ((V1_CONTROLLERS as readonly string[]).includes(name) && !out.has(name)) {
        out.set(name, `${root}/${e.name}`);
      }
    }
  }
  return out;
}
