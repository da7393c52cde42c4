/**
 * Naming for the systemd cgroup driver, as runc 1.1's
 * libcontainer/cgroups/systemd does it: the unit of a container
 * (`PREFIX-NAME.scope`, or NAME when it is a `.slice`), the default slice
 * (`system.slice`; `user.slice` for a rootless container), a slice name
 * expanded into its cgroup path (`a-b.slice` -> `/a.slice/a-b.slice`), and
 * the cgroup directories the unit gets on cgroup v2 and v1.
 *
 * @module
 */
import type { SystemdCgroup } from "../cgroups.ts";
import { CgroupError } from "../file.ts";
import { parseSystemdPath } from "../paths.ts";
import { cleanPathInside } from "../../os/path.ts";

/**
 * The unit record of a container from its cgroupsPath (`slice:prefix:name`,
 * or runc's defaults when empty: no parent, prefix `runc`, the id).
 *
 * @param cgroupsPath linux.cgroupsPath
 * @param id the container id
 * @param rootless the user's systemd instance is used
 */
export function systemdCgroup(
  cgroupsPath: string | undefined,
  id: string,
  rootless: boolean,
): SystemdCgroup {
  const p = parseSystemdPath(cgroupsPath, id);
  return {
    parent: p.slice,
    scope_prefix: p.prefix,
    name: p.name,
    unit: unitName(p.prefix, p.name),
    rootless,
  };
}

/** runc's getUnitName: a scope `PREFIX-NAME.scope` unless NAME is a slice. */
export function unitName(prefix: string, name: string): string {
  return name.endsWith(".slice") ? name : `${prefix}-${name}.scope`;
}

/** The slice a unit goes into: the parent given, else `system.slice` (`user.slice` rootless). */
export function sliceOf(c: SystemdCgroup): string {
  return c.parent || (c.rootless ? "user.slice" : "system.slice");
}

/**
 * runc's ExpandSlice: a slice name as its cgroup path, each `-` a level
 * (`test-a-b.slice` -> `/test.slice/test-a.slice/test-a-b.slice`; `-.slice` -> `/`).
 *
 * @throws CgroupError `invalid slice name: NAME`
 */
export function expandSlice(slice: string): string {
  const suffix = ".slice";
  const bad = () => new CgroupError(`invalid slice name: ${slice}`);
  if (slice.length < suffix.length || !slice.endsWith(suffix) || slice.includes("/")) throw bad();
  const name = slice.slice(0, -suffix.length);
  if (name === "-") return "/";
  let path = "", prefix = "";
  for (const part of name.split("-")) {
    if (part === "") throw bad();
    path += `/${prefix}${part}${suffix}`;
    prefix += `${part}-`;
  }
  return path;
}

/**
 * The unit's directory on cgroup v2: ROOT/[manager's cgroup/]SLICE-PATH/UNIT.
 *
 * @param root the cgroup2 mount
 * @param c the unit record
 * @param managerCgroup the user manager's ControlGroup (rootless), else ""
 */
export function v2UnitPath(root: string, c: SystemdCgroup, managerCgroup = ""): string {
  const slice = expandSlice(sliceOf(c));
  return under(root, `${managerCgroup}/${slice}/${c.unit}`);
}

/** root joined with p, p cleaned so that it cannot climb out of root. */
function under(root: string, p: string): string {
  const c = cleanPathInside(`/${p}`);
  return c === "/" ? root : `${root}${c}`;
}

/** The v1 controllers runc's legacy systemd manager handles (no `misc`). */
export const LEGACY_SUBSYSTEMS = [
  "cpuset",
  "devices",
  "memory",
  "cpu",
  "cpuacct",
  "pids",
  "blkio",
  "hugetlb",
  "perf_event",
  "freezer",
  "net_prio",
  "net_cls",
  "name=systemd",
  "rdma",
];

/**
 * The unit's directories on cgroup v1 (and in hybrid mode the unified one,
 * key `""`): each mount, then PID 1's cgroup there less a trailing
 * `init.scope`, then the slice path and the unit (runc's initPaths).
 *
 * @param mounts v1 controller to mount directory (mode.ts v1Mounts)
 * @param unifiedMount the cgroup2 mount in hybrid mode, else undefined
 * @param init PID 1's cgroups (paths.ts ownCgroups of /proc/1/cgroup)
 * @param c the unit record
 * @throws CgroupError when there is no devices hierarchy, or for a bad slice
 */
export function v1UnitPaths(
  mounts: Map<string, string>,
  unifiedMount: string | undefined,
  init: Map<string, string>,
  c: SystemdCgroup,
): Record<string, string> {
  const slice = expandSlice(sliceOf(c));
  const place = (mount: string, key: string) => {
    const initPath = cleanPathInside(`/${init.get(key) ?? "/"}`).replace(/init\.scope$/, "");
    return under(mount, `${initPath}/${slice}/${c.unit}`);
  };
  const out: Record<string, string> = {};
  for (const name of LEGACY_SUBSYSTEMS) {
    const mount = mounts.get(name);
    if (mount === undefined) {
      if (name === "devices") {
        throw new CgroupError("mountpoint for devices not found");
      }
      continue;
    }
    out[name] = place(mount, name);
  }
  if (unifiedMount !== undefined) out[""] = place(unifiedMount, "");
  return out;
}
