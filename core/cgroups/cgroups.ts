/**
 * The cgroup manager interface: what the lifecycle code asks of the cgroups of
 * one container, whatever the host's hierarchy (v1, hybrid or v2). The
 * managers live in v1/manager.ts, v2/manager.ts and hybrid.ts; manager.ts
 * picks one.
 *
 * @module
 */
import type { LinuxResources } from "../spec/types.ts";
import type { Stats } from "./stats.ts";

/** The freezer state, as runc names it. */
export type FreezerState = "THAWED" | "FROZEN";

/**
 * The cgroup directories of a container, keyed by v1 controller name
 * (`memory`, `name=systemd`, ...) and `""` for the unified hierarchy: the
 * shape of runc's `cgroup_paths` in state.json.
 */
export type CgroupPaths = Record<string, string>;

/**
 * The systemd unit that holds a container's cgroup (`--systemd-cgroup`), as
 * state.json records it; the first three fields are runc's config.cgroups
 * `parent`, `scope_prefix` and `name` (linux.cgroupsPath `slice:prefix:name`).
 */
export interface SystemdCgroup {
  /** The slice given ("": the default, system.slice or user.slice). */
  parent: string;
  /** The scope's prefix (runc's default `runc`). */
  scope_prefix: string;
  /** The scope's name (the container id by default), or a `.slice`. */
  name: string;
  /** The unit: `PREFIX-NAME.scope`, or NAME when it is a slice. */
  unit: string;
  /** Made through the user's systemd instance (a rootless container). */
  rootless: boolean;
}

/** The cgroups of one container. */
export interface CgroupManager {
  /**
   * Creates the container's cgroup directories in every hierarchy (in hybrid
   * mode also the unified one, as runc 1.1 does) and moves pid into them.
   * Directories that exist are joined. A rootless caller keeps only the
   * hierarchies it may write.
   *
   * The writes run on one of Deno's blocking threads: the first can wait
   * several milliseconds in the kernel, which the caller may spend on other
   * work (create moves the init stub in while it plans the init).
   *
   * @param pid the process to move, usually the container's init
   */
  apply(pid: number): Promise<void>;

  /**
   * Creates the directories without moving a process (apply with no pid); set
   * can then run before the process joins. The systemd driver makes nothing
   * here: systemd creates the unit's cgroup when apply starts it with the pid.
   */
  create(): void;

  /**
   * Writes the resource limits into the cgroup files. Absent fields are left
   * as they are, so update can pass only what changed.
   *
   * The systemd driver sets the unit's properties first (over D-Bus), so
   * the result may be a promise: await it.
   *
   * @param resources the spec's linux.resources
   */
  set(resources: LinuxResources): void | Promise<void>;

  /** Freezes every process of the cgroup and waits until the kernel says FROZEN. */
  freeze(): Promise<void>;

  /** Thaws the cgroup. */
  thaw(): Promise<void>;

  /** The freezer state; THAWED when there is no freezer. */
  freezerState(): FreezerState;

  /** Every pid in the cgroup and its sub-cgroups, in no particular order. */
  pids(): number[];

  /** The statistics `runc events` prints. */
  stats(): Stats;

  /**
   * Removes every cgroup directory of the container, sub-cgroups made inside
   * it first. Directories already gone are fine; a directory that still holds
   * processes is retried briefly, then reported.
   */
  destroy(): Promise<void>;

  /** Whether the container's cgroup exists (in the hierarchy pids() reads). */
  exists(): boolean;

  /** The cgroup directories, for state.json; reopen with manager.ts's fromPaths. */
  paths(): CgroupPaths;

  /** The systemd unit holding the cgroup (the systemd driver), for state.json. */
  readonly systemd?: SystemdCgroup;

  /** The directory of one controller (`""`: unified), if the container has one. */
  path(controller: string): string | undefined;
}
