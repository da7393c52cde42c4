/**
 * The cgroup v1 manager: one directory per controller hierarchy; in hybrid
 * mode (see ../hybrid.ts) also a directory in the unified hierarchy, keyed
 * `""`, which the container joins but which holds no limits.
 *
 * @module
 */
import type { LinuxResources } from "../../spec/types.ts";
import type { CgroupManager, CgroupPaths, FreezerState } from "../cgroups.ts";
import { CgroupError, DENIED, denied, exists, writeProcs, Writer } from "../file.ts";
import type { CgroupSys } from "../../os/sys.ts";
import { emptyStats, type Stats } from "../stats.ts";
import { allPids, mkdirAll, removeTree } from "../tree.ts";
import type { V1Controller } from "./controller.ts";
import { blkio } from "./blkio.ts";
import { cpu } from "./cpu.ts";
import { cpuacct } from "./cpuacct.ts";
import { cpuset } from "./cpuset.ts";
import { devices } from "./devices.ts";
import { freezer, freezerStateV1, freezeV1, thawV1 } from "./freezer.ts";
import { hugetlb } from "./hugetlb.ts";
import { memory } from "./memory.ts";
import { netCls } from "./net_cls.ts";
import { netPrio } from "./net_prio.ts";
import { pids } from "./pids.ts";
import { rdma } from "./rdma.ts";

const joinOnly = (name: string): V1Controller => ({ name });

/** The controllers in the order runc's fs manager applies them. */
export const V1: V1Controller[] = [
  cpuset,
  devices,
  memory,
  cpu,
  cpuacct,
  pids,
  blkio,
  hugetlb,
  netCls,
  netPrio,
  joinOnly("perf_event"),
  freezer,
  rdma,
  joinOnly("name=systemd"),
  joinOnly("misc"),
];

/** Options of a v1 manager. */
export interface V1Options {
  /** The mount directory of each controller, for cpuset's parent walk. */
  mounts?: Map<string, string>;
  /** A non-root caller: hierarchies it cannot write are left out, not errors. */
  rootless?: boolean;
  /** Where apply writes cgroup.procs off the main thread; without it, synchronously. */
  sys?: Pick<CgroupSys, "writeEach"> | undefined;
}

/** The cgroup v1 (and hybrid) manager. */
export class V1Manager implements CgroupManager {
  private readonly dirs: CgroupPaths;
  private made: string[] = [];
  private created = false;

  /**
   * @param dirs the directory of each controller (`""`: unified, hybrid mode)
   * @param opts mounts and rootless
   */
  constructor(dirs: CgroupPaths, private readonly opts: V1Options = {}) {
    this.dirs = { ...dirs };
  }

  create(): void {
    this.created = true;
    for (const [name, dir] of Object.entries(this.dirs)) {
      try {
        this.made.push(...mkdirAll(dir));
        const c = V1.find((x) => x.name === name);
        const mount = this.opts.mounts?.get(name);
        if (c?.init && mount) c.init(dir, mount);
      } catch (e) {
        if (this.opts.rootless && denied(e)) {
          delete this.dirs[name];
          continue;
        }
        throw e;
      }
    }
  }

  async apply(pid: number): Promise<void> {
    if (!this.created) this.create();
    const joins = Object.entries(this.dirs);
    const failed = await writeProcs(this.opts.sys, joins.map(([, dir]) => dir), pid);
    for (const [i, [name]] of joins.entries()) {
      const f = failed[i];
      if (!f) continue;
      if (!this.opts.rootless || !DENIED.includes(f.errno)) throw f.error;
      delete this.dirs[name];
    }
  }

  set(r: LinuxResources): void {
    for (const c of V1) {
      if (!c.set) continue;
      try {
        c.set(new Writer(c.name, this.dirs[c.name]), r);
      } catch (e) {
        // A rootless container cannot expect device rules to work (runc ignores them).
        if (this.opts.rootless && c.name === "devices") continue;
        throw e;
      }
    }
  }

  async freeze(): Promise<void> {
    const dir = this.dirs["freezer"];
    if (!dir) throw new CgroupError("cannot freeze: the container has no freezer cgroup");
    await freezeV1(dir);
  }

  thaw(): Promise<void> {
    const dir = this.dirs["freezer"];
    if (dir) thawV1(dir);
    return Promise.resolve();
  }

  freezerState(): FreezerState {
    const dir = this.dirs["freezer"];
    return dir ? freezerStateV1(dir) : "THAWED";
  }

  private pidsDir(): string | undefined {
    for (const name of ["devices", "freezer", "pids", "memory", "cpu", "name=systemd", ""]) {
      if (this.dirs[name] !== undefined) return this.dirs[name];
    }
    return Object.values(this.dirs)[0];
  }

  pids(): number[] {
    const dir = this.pidsDir();
    return dir ? allPids(dir) : [];
  }

  exists(): boolean {
    const dir = this.pidsDir();
    return dir !== undefined && exists(dir);
  }

  stats(): Stats {
    const s = emptyStats();
    for (const c of V1) {
      const dir = this.dirs[c.name];
      if (c.stats && dir && exists(dir)) c.stats(dir, s);
    }
    return s;
  }

  async destroy(): Promise<void> {
    const errors: string[] = [];
    // Together: a hierarchy still busy waits once, not once per hierarchy.
    await Promise.all(
      Object.values(this.dirs).map((dir) =>
        removeTree(dir).catch((e) => errors.push((e as Error).message))
      ),
    );
    // Parents this manager made (a create that failed halfway, or a nested path).
    for (const dir of this.made.reverse()) {
      if (Object.values(this.dirs).includes(dir)) continue;
      try {
        Deno.removeSync(dir); // only when empty: another container may share it
      } catch { /* in use or gone */ }
    }
    this.made = [];
    if (errors.length) throw new CgroupError(`failed to remove cgroups: ${errors.join("; ")}`);
  }

  paths(): CgroupPaths {
    return { ...this.dirs };
  }

  path(controller: string): string | undefined {
    return this.dirs[controller];
  }
}
