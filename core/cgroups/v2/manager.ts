/**
 * The cgroup v2 manager: one directory in the unified hierarchy, with the
 * controllers enabled in each parent's cgroup.subtree_control on the way
 * down, device rules as a BPF program, and cgroup.freeze.
 *
 * @module
 */
import type { LinuxResources } from "../../spec/types.ts";
import type { CgroupManager, CgroupPaths, FreezerState } from "../cgroups.ts";
import type { CgroupSys } from "../../os/sys.ts";
import {
  CgroupError,
  DENIED,
  denied,
  exists,
  readOptional,
  writeFile,
  writeProcs,
  Writer,
} from "../file.ts";
import { emptyStats, type Stats } from "../stats.ts";
import { allPids, removeTree } from "../tree.ts";
import { osErrorText } from "../../os/errno.ts";
import type { V2Controller } from "./controller.ts";
import { cpu } from "./cpu.ts";
import { cpuset } from "./cpuset.ts";
import { devices } from "./devices.ts";
import { freezerStateV2, setFrozenV2 } from "./freezer.ts";
import { hugetlb } from "./hugetlb.ts";
import { io } from "./io.ts";
import { memory } from "./memory.ts";
import { pids } from "./pids.ts";
import { rdma } from "./rdma.ts";
import { unified } from "./unified.ts";

/** In runc's fs2 order; unified last so it can override. */
export const V2: V2Controller[] = [pids, memory, io, cpu, devices, cpuset, hugetlb, rdma, unified];

/** Options of a v2 manager. */
export interface V2Options {
  /** The bpf(2) calls for device rules. */
  sys?: CgroupSys | undefined;
  /** A non-root caller: a cgroup it cannot create is left out, not an error. */
  rootless?: boolean;
}

/** The cgroup v2 manager. */
export class V2Manager implements CgroupManager {
  private dir: string | undefined;
  private made: string[] = [];
  private created = false;

  /**
   * @param root the cgroup2 mount
   * @param dir the container's directory under root
   * @param opts bpf and rootless
   */
  constructor(readonly root: string, dir: string, private readonly opts: V2Options = {}) {
    this.dir = dir;
  }

  create(): void {
    this.created = true;
    const dir = this.dir;
    if (dir === undefined) return;
    try {
      this.made.push(...createPath(this.root, dir));
    } catch (e) {
      if (this.opts.rootless && denied(e)) this.dir = undefined;
      else throw e;
    }
  }

  async apply(pid: number): Promise<void> {
    if (!this.created) this.create();
    if (this.dir === undefined) return;
    const [f] = await writeProcs(this.opts.sys, [this.dir], pid);
    if (!f) return;
    if (!this.opts.rootless || !DENIED.includes(f.errno)) throw f.error;
    this.dir = undefined;
  }

  set(r: LinuxResources): void {
    for (const c of V2) {
      try {
        c.set?.(new Writer(c.name, this.dir), r, this.opts.sys);
      } catch (e) {
        // As runc's fs2 manager: a rootless caller's device rules are not
        // expected to load (bpf(2) needs privilege); other errors stand.
        if (!(this.opts.rootless && c.name === "devices")) throw e;
      }
    }
  }

  async freeze(): Promise<void> {
    if (!this.dir) throw new CgroupError("cannot freeze: the container has no cgroup");
    await setFrozenV2(this.dir, true);
  }

  async thaw(): Promise<void> {
    if (this.dir) await setFrozenV2(this.dir, false);
  }

  freezerState(): FreezerState {
    return this.dir ? freezerStateV2(this.dir) : "THAWED";
  }

  pids(): number[] {
    return this.dir ? allPids(this.dir) : [];
  }

  exists(): boolean {
    return this.dir !== undefined && exists(this.dir);
  }

  stats(): Stats {
    const s = emptyStats();
    if (!this.dir || !exists(this.dir)) return s;
    for (const c of V2) c.stats?.(this.dir, s);
    return s;
  }

  async destroy(): Promise<void> {
    if (this.dir) await removeTree(this.dir);
    for (const d of this.made.reverse()) {
      if (d === this.dir) continue;
      try {
        Deno.removeSync(d); // only when empty
      } catch { /* in use or gone */ }
    }
    this.made = [];
  }

  paths(): CgroupPaths {
    return this.dir ? { "": this.dir } : {};
  }

  path(controller: string): string | undefined {
    void controller; // one directory holds every controller
    return this.dir;
  }
}

/**
 * Makes dir under root, enabling in each parent on the way every controller
 * the parent offers (all at once, else one by one, ignoring refusals: a
 * limit that then cannot be set is reported by set).
 *
 * @returns the directories created, outermost first
 */
export function createPath(root: string, dir: string): string[] {
  if (dir !== root && !dir.startsWith(`${root}/`)) {
    throw new CgroupError(`invalid cgroup path ${dir}: not under ${root}`);
  }
  const made: string[] = [];
  const parts = dir.slice(root.length).split("/").filter((p) => p !== "");
  let cur = root;
  for (const part of parts) {
    enableControllers(cur);
    cur += `/${part}`;
    try {
      Deno.mkdirSync(cur, { mode: 0o755 });
      made.push(cur);
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) continue;
      for (const d of made.reverse()) Deno.removeSync(d);
      throw new CgroupError(`mkdir ${cur}: ${osErrorText(e)}`, { cause: e });
    }
  }
  return made;
}

function enableControllers(dir: string): void {
  const available = (readOptional(dir, "cgroup.controllers") ?? "").trim().split(/\s+/)
    .filter((c) => c !== "");
  if (available.length === 0) return;
  try {
    writeFile(dir, "cgroup.subtree_control", available.map((c) => `+${c}`).join(" "));
  } catch {
    for (const c of available) {
      try {
        writeFile(dir, "cgroup.subtree_control", `+${c}`);
      } catch { /* not enabled: set reports it if a limit needs it */ }
    }
  }
}
