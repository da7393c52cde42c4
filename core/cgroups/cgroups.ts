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
   * can then run before the process joins.
   */
  create(): void;

  /**
   * Writes the resource limits into the cgroup files. Absent fields are left
   * as they are, so update can pass only what changed.
   *
   * @param resources the spec's linux.resources
   */
  set(resources: LinuxResources): void;

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

  /** The directory of one controller (`""`: unified), if the container has one. */
  path(controller: string): string | undefined;
}
