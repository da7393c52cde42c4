/**
 * The cgroups of a container as the lifecycle code uses them: the manager
 * for a new container (with runc's checks of an existing cgroup), the
 * resources it gets (the spec's plus runc's default device rules), and the
 * manager of an existing container reopened from its state.
 *
 * @module
 */
import type { LinuxResources, Spec } from "../spec/types.ts";
import type { CgroupManager, CgroupPaths } from "./cgroups.ts";
import type { CgroupSys } from "../os/sys.ts";
import { containerRules } from "./devices.ts";
import { CgroupError, writeFile } from "./file.ts";
import { fromPaths, newManager } from "./manager.ts";
import { signalProcess, SIGNALS } from "../os/signals.ts";
import type { Sys } from "../os/sys.ts";

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
}

/**
 * The manager of a new container's cgroups, checked as runc 1.1 checks
 * them: a cgroup that already holds processes is a warning, a frozen one
 * an error.
 *
 * @throws CgroupError `container's cgroup unexpectedly frozen`
 */
export function newContainerCgroups(
  sys: CgroupSys,
  spec: Spec,
  opts: NewCgroupOptions,
): CgroupManager {
  const m = newManager({
    id: opts.id,
    cgroupsPath: spec.linux?.cgroupsPath,
    systemd: opts.systemd ?? false,
    rootless: opts.rootless,
    sys,
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
 */
export function openCgroups(
  sys: CgroupSys | undefined,
  paths: CgroupPaths | undefined,
): CgroupManager | undefined {
  if (!paths || Object.keys(paths).length === 0) return undefined;
  return fromPaths(paths, { sys, rootless: Deno.uid() !== 0 });
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
 * Moves a process (an exec'd one) into a container's cgroups, or into
 * existing sub-cgroups of them (`runc exec --cgroup`: `PATH` for every
 * hierarchy, `CTRL[,CTRL]:PATH` for some; on v2 only `PATH`).
 *
 * @param paths the container's saved cgroup paths
 * @param pid the process
 * @param sub the --cgroup values
 * @throws CgroupError when a sub-cgroup does not exist or cannot be joined
 */
export function joinCgroups(paths: CgroupPaths | undefined, pid: number, sub: string[] = []): void {
  if (!paths) return;
  const byController = new Map<string, string>();
  let all: string | undefined;
  for (const s of sub) {
    const colon = s.indexOf(":");
    if (colon < 0) all = s;
    else for (const c of s.slice(0, colon).split(",")) byController.set(c, s.slice(colon + 1));
  }
  const v2 = Object.keys(paths).length === 1 && paths[""] !== undefined;
  if (v2 && byController.size > 0) {
    throw new CgroupError("--cgroup: controller:path pairs are for cgroup v1; give a path");
  }
  for (const [c, dir] of Object.entries(paths)) {
    const inner = byController.get(c) ?? all;
    const target = inner ? `${dir}/${inner.replace(/^\/+/, "")}` : dir;
    if (inner) {
      try {
        Deno.statSync(target);
      } catch {
        throw new CgroupError(`--cgroup: sub-cgroup ${target} does not exist`);
      }
    }
    writeFile(target, "cgroup.procs", String(pid));
  }
}
