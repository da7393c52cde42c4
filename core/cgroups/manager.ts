/**
 * Picks the cgroup manager for a container: from the spec and the host's
 * hierarchy mode when the container is created, or from the paths saved in
 * state.json when a later command (ps, pause, update, delete) reopens it.
 *
 * @module
 */
import type { CgroupManager, CgroupPaths, SystemdCgroup } from "./cgroups.ts";
import type { CgroupSys } from "../os/sys.ts";
import { CgroupError } from "./file.ts";
import { HybridManager } from "./hybrid.ts";
import { DEFAULT_ROOT, detectMode, type Mode, v1Mounts } from "./mode.ts";
import {
  innerPath,
  ownCgroups,
  parseSystemdPath,
  systemdRunning,
  v1Paths,
  v2Path,
} from "./paths.ts";
import { V1Manager } from "./v1/manager.ts";
import { V2Manager } from "./v2/manager.ts";

/** What a new manager is made from. */
export interface ManagerOptions {
  /** The container id (the default cgroup name). */
  id: string;
  /** linux.cgroupsPath */
  cgroupsPath?: string | undefined;
  /** --systemd-cgroup */
  systemd?: boolean;
  /** A non-root caller. */
  rootless?: boolean;
  /** The cgroup mount point; default /sys/fs/cgroup. */
  root?: string;
  /** The caller's /proc/self/cgroup, parsed (paths.ts ownCgroups); default this process's. */
  own?: Map<string, string>;
  /** The hierarchy mode; default detected under root. */
  mode?: Mode;
  /** bpf(2) for v2 device rules, and the cgroup.procs writes off the main thread. */
  sys?: CgroupSys | undefined;
  /** The spec's annotations (the systemd driver's `org.systemd.property.*`). */
  annotations?: Record<string, string> | undefined;
}

/** runc's words where the systemd driver is asked for and systemd does not run. */
export const NO_SYSTEMD = "systemd not running on this host, cannot use systemd cgroups manager";

/**
 * The manager of a new container's cgroups (nothing is created yet): the
 * systemd driver's (loaded only then) or the fs one's ({@linkcode newFsManager}).
 *
 * @throws CgroupError for the systemd driver where systemd does not run
 */
export async function newManager(opts: ManagerOptions): Promise<CgroupManager> {
  if (!opts.systemd) return newFsManager(opts);
  parseSystemdPath(opts.cgroupsPath, opts.id);
  if (!systemdRunning()) throw new CgroupError(NO_SYSTEMD);
  const { newSystemdManager } = await import("./systemd/manager.ts");
  return await newSystemdManager({
    id: opts.id,
    cgroupsPath: opts.cgroupsPath,
    annotations: opts.annotations,
    rootless: opts.rootless ?? false,
    sys: opts.sys,
    ...(opts.root !== undefined ? { root: opts.root } : {}),
    ...(opts.mode !== undefined ? { mode: opts.mode } : {}),
  });
}

/** The fs driver's manager of a new container's cgroups (nothing is created yet). */
export function newFsManager(opts: ManagerOptions): CgroupManager {
  const root = opts.root ?? DEFAULT_ROOT;
  const mode = opts.mode ?? detectMode(root);
  const own = opts.own ?? ownCgroups();
  const inner = innerPath(opts.cgroupsPath, opts.id);
  const rootless = opts.rootless ?? false;
  if (mode === "unified") {
    return new V2Manager(root, v2Path(root, inner, own), { sys: opts.sys, rootless });
  }
  const mounts = v1Mounts(root);
  if (!mounts.has("devices") && !rootless) {
    // Running without a devices cgroup would give the container every device.
    throw new CgroupError(`no devices cgroup mounted under ${root}`);
  }
  const paths = v1Paths(mounts, undefined, inner, own);
  if (mode === "hybrid") {
    const u = v1Paths(new Map(), `${root}/unified`, inner, own)[""]!;
    return new HybridManager(paths, u, { mounts, rootless, sys: opts.sys });
  }
  return new V1Manager(paths, { mounts, rootless, sys: opts.sys });
}

/** How a container's cgroups are reopened. */
export interface ReopenOptions {
  /** The cgroup mount point; default /sys/fs/cgroup. */
  root?: string;
  /** bpf(2) for v2 device rules. */
  sys?: CgroupSys | undefined;
  /** The container's cgroups are rootless ones. */
  rootless?: boolean;
  /** The systemd unit state.json recorded (the systemd driver). */
  systemd?: SystemdCgroup | undefined;
}

/**
 * Reopens a container's cgroups from the paths saved in state.json; with a
 * systemd unit recorded, the systemd driver's manager (loaded only then).
 *
 * @param paths the saved record (`""`: the unified directory)
 * @param opts the cgroup root (to tell a v2 host), bpf(2), the unit
 */
export async function fromPaths(
  paths: CgroupPaths,
  opts: ReopenOptions = {},
): Promise<CgroupManager> {
  if (!opts.systemd) return fsFromPaths(paths, opts);
  const { reopenSystemdManager } = await import("./systemd/manager.ts");
  return reopenSystemdManager(paths, opts.systemd, {
    sys: opts.sys,
    ...(opts.root !== undefined ? { root: opts.root } : {}),
  });
}

/** {@linkcode fromPaths} for the fs driver. */
export function fsFromPaths(paths: CgroupPaths, opts: ReopenOptions = {}): CgroupManager {
  const root = opts.root ?? DEFAULT_ROOT;
  const keys = Object.keys(paths);
  if (keys.length === 1 && keys[0] === "" && detectMode(root) === "unified") {
    return new V2Manager(root, paths[""]!, { sys: opts.sys, rootless: opts.rootless ?? false });
  }
  return new V1Manager(paths, {
    mounts: v1Mounts(root),
    rootless: opts.rootless ?? false,
    sys: opts.sys,
  });
}
