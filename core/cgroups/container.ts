/**
 * The cgroups of a container as the lifecycle code uses them: the manager
 * for a new container (with runc's checks of an existing cgroup), the
 * resources it gets (the spec's plus runc's default device rules), and the
 * manager of an existing container reopened from its state.
 *
 * @module
 */
import type { LinuxResources, Spec } from "../spec/types.ts";
import type { CgroupManager, CgroupPaths, SystemdCgroup } from "./cgroups.ts";
import type { CgroupSys } from "../os/sys.ts";
import { containerRules } from "./devices.ts";
import { CgroupError, writeProcs } from "./file.ts";
import { fromPaths, newManager } from "./manager.ts";
import { ownCgroups } from "./paths.ts";
import { signalProcess, SIGNALS } from "../os/signals.ts";
import type { Sys } from "../os/sys.ts";
import { Errno, errnoText } from "../os/errno.ts";
import { joinPath } from "../os/path.ts";

/** The resources a new container gets: the spec's, with runc's default device rules added. */
export function containerResources(spec: Spec): LinuxResources {
  const r = spec.linux?.resources ?? {};
  const devicePaths = (spec.linux?.devices ?? []).map((d) => d.path);
  const rules = containerRules(r.devices, devicePaths).map((d) => ({
    allow: d.allow,
    type: d.type,
    major: d.major,
    minor: d.minor,
    access: d.access,
  }));
  return { ...r, devices: rules };
}

/** How a new container's cgroups are made. */
export interface NewCgroupOptions {
  id: string;
  /** --systemd-cgroup */
  systemd?: boolean | undefined;
  /** The caller is not root. */
  rootless: boolean;
  /** For warnings (runc's non-empty cgroup warning). */
  warn: (msg: string) => void;
  /** The cgroup mount point; default /sys/fs/cgroup (tests give a temp hierarchy). */
  root?: string | undefined;
}

/**
 * The manager of a new container's cgroups, checked as runc 1.1 checks
 * them: a cgroup that already holds processes is a warning, a frozen one
 * an error.
 *
 * @throws CgroupError `container's cgroup unexpectedly frozen`
 */
export async function newContainerCgroups(
  sys: CgroupSys,
  spec: Spec,
  opts: NewCgroupOptions,
): Promise<CgroupManager> {
  const m = await newManager({
    id: opts.id,
    cgroupsPath: spec.linux?.cgroupsPath,
    annotations: spec.annotations,
    systemd: opts.systemd ?? false,
    rootless: opts.rootless,
    sys,
    ...(opts.root !== undefined ? { root: opts.root } : {}),
  });
  if (m.exists()) {
    let pids: number[] = [];
    try {
      pids = m.pids();
    } catch { /* removed meanwhile */ }
    if (pids.length > 0) {
      opts.warn(`container's cgroup is not empty: ${pids.length} process(es) found`);
      opts.warn(
        "DEPRECATED: running container in a non-empty cgroup won't be supported in runc 1.2; https://github.com/opencontainers/runc/issues/3132",
      );
    }
  }
  if (m.freezerState() === "FROZEN") {
    throw new CgroupError("container's cgroup unexpectedly frozen");
  }
  return m;
}

/**
 * Reopens an existing container's cgroups, or undefined when it has none
 * (created before cgroups were managed, or a rootless container without).
 *
 * @param sys the syscall surface (bpf for v2 device rules)
 * @param paths the cgroup directories recorded for it
 * @param rootless cgroups the user may not manage are skipped (as recorded at create)
 * @param systemd the systemd unit recorded (the systemd driver), if any
 */
export async function openCgroups(
  sys: CgroupSys | undefined,
  paths: CgroupPaths | undefined,
  rootless: boolean,
  systemd?: SystemdCgroup,
): Promise<CgroupManager | undefined> {
  if (!paths || Object.keys(paths).length === 0) return undefined;
  return await fromPaths(paths, { sys, rootless, systemd });
}

/**
 * Signals every process in a container's cgroups, frozen meanwhile so none
 * can fork past the walk (runc's signalAllProcesses). A cgroup paused before
 * stays paused, except that SIGKILL needs it thawed to take effect.
 *
 * @param sys the syscall surface
 * @param m the container's cgroups
 * @param sig the signal
 * @param warn where failures to freeze or thaw go
 * @returns the pids signalled
 */
export async function signalAll(
  sys: Pick<Sys, "kill">,
  m: CgroupManager,
  sig: number,
  warn: (msg: string) => void,
): Promise<number[]> {
  const wasFrozen = m.freezerState() === "FROZEN";
  if (!wasFrozen) await m.freeze().catch((e) => warn((e as Error).message));
  const pids = m.pids();
  for (const pid of pids) {
    try {
      signalProcess(sys, pid, sig);
    } catch { /* exited meanwhile */ }
  }
  if (!wasFrozen || sig === SIGNALS.SIGKILL) {
    await m.thaw().catch((e) => warn((e as Error).message));
  }
  return pids;
}

/**
 * Parses `runc exec --cgroup` values as runc 1.1 does: one `PATH` for every
 * hierarchy, or `CTRL[,CTRL]:PATH` pairs, each controller once.
 *
 * @param args the --cgroup values
 * @returns sub-cgroup paths by controller (`""`: every hierarchy)
 * @throws CgroupError `invalid --cgroup argument: ...` in runc's words
 */
export function parseSubCgroups(args: readonly string[]): Map<string, string> {
  const paths = new Map<string, string>();
  for (const c of args) {
    const cs = c.split(":");
    if (cs.length > 2) throw new CgroupError(`invalid --cgroup argument: ${c}`);
    if (cs.length === 1) {
      if (args.length !== 1) {
        throw new CgroupError(`invalid --cgroup argument: ${c} (missing <controller>: prefix)`);
      }
      paths.set("", c);
      continue;
    }
    for (const ctrl of cs[0]!.split(",")) {
      if (ctrl === "") {
        throw new CgroupError(`invalid --cgroup argument: ${c} (empty <controller> prefix)`);
      }
      if (paths.has(ctrl)) {
        throw new CgroupError(
          `invalid --cgroup argument(s): controller ${ctrl} specified multiple times`,
        );
      }
      paths.set(ctrl, cs[1]!);
    }
  }
  return paths;
}

/**
 * The cgroups an exec'd process joins: the container's, or sub-cgroups of
 * them (runc's SubCgroupPaths), each of which must stay inside its parent.
 *
 * @param paths the container's saved cgroup paths
 * @param sub parsed --cgroup values ({@linkcode parseSubCgroups})
 * @returns the directories by controller
 * @throws CgroupError for a path that leaves its cgroup or an unknown controller
 */
export function execCgroupPaths(paths: CgroupPaths, sub: ReadonlyMap<string, string>): CgroupPaths {
  const out: CgroupPaths = { ...paths };
  const inside = (dir: string, add: string) => {
    const p = joinPath(dir, add);
    if (!p.startsWith(dir)) throw new CgroupError(`${add} is not a sub cgroup path`);
    return p;
  };
  const all = sub.get("");
  if (all !== undefined) {
    for (const [c, dir] of Object.entries(paths)) out[c] = inside(dir, all);
    return out;
  }
  for (const [ctrl, add] of sub) {
    const dir = paths[ctrl];
    if (dir === undefined) throw new CgroupError(`unknown controller ${ctrl} in SubCgroupPaths`);
    out[ctrl] = inside(dir, add);
  }
  return out;
}

/**
 * Moves a process (the stub of an exec) into cgroups, as runc's setns
 * process does; with sys, off the main thread (see file.ts writeProcs).
 * Failures in cgroups the user may not manage are no error (runc ignores them
 * for rootless cgroups).
 *
 * @param sys writes through its writeEach; without it, synchronously (tests)
 * @param paths the directories ({@linkcode execCgroupPaths})
 * @param pid the process
 * @param rootless the container's cgroups are rootless ones
 * @param initPid the container's init: on cgroup v2, where the container's
 *   cgroup refuses the process (EBUSY), it joins the init's cgroup instead
 * @param where /proc and the cgroup2 mount point (tests give others)
 * @throws CgroupError `error adding pid N to cgroups: ...` naming cgroup.procs
 */
export async function joinCgroups(
  sys: Pick<CgroupSys, "writeEach"> | undefined,
  paths: CgroupPaths,
  pid: number,
  rootless = false,
  initPid = 0,
  where: { proc: string; cgroupRoot: string } = { proc: "/proc", cgroupRoot: "/sys/fs/cgroup" },
): Promise<void> {
  let f = (await writeProcs(sys, Object.values(paths), pid)).find((x) => x !== undefined);
  if (!f || rootless) return;
  // As runc: on cgroup v2 with domain controllers enabled below the
  // container's cgroup (no internal processes: EBUSY), the process joins the
  // cgroup the init is in now.
  const unified = paths[""];
  if (
    f.errno === Errno.EBUSY && unified !== undefined && Object.keys(paths).length === 1 &&
    initPid > 0
  ) {
    const initCg = initCgroupV2(`${where.proc}/${initPid}/cgroup`);
    if (initCg !== undefined) {
      f = (await writeProcs(sys, [joinPath(where.cgroupRoot, initCg)], pid))[0];
      if (!f) return;
    }
  }
  throw new CgroupError(
    `error adding pid ${pid} to cgroups: failed to write ${pid} to cgroup.procs: ` +
      `${f.inOpen ? "open" : "write"} ${f.path}: ${errnoText(f.errno)}`,
  );
}

/** The v2 cgroup (`0::/path`) of a /proc/PID/cgroup file, if it can be read. */
function initCgroupV2(file: string): string | undefined {
  try {
    return ownCgroups(Deno.readTextFileSync(file)).get("");
  } catch {
    return undefined;
  }
}
