/**
 * The v1 cpuset controller: cpus and mems. A new cpuset cgroup has empty
 * cpus and mems and takes no task until they are set, so each new directory
 * first copies its parent's, from the mount down (runc's ensureParent).
 *
 * @module
 */
import { readOptional, writeFile } from "../file.ts";
import type { Stats } from "../stats.ts";
import type { V1Controller } from "./controller.ts";

/** `0-2,4` as [0, 1, 2, 4]. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-").map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.push(i);
  }
  return out;
}

function inherit(dir: string, mount: string): void {
  if (dir === mount || !dir.startsWith(`${mount}/`)) return;
  const parent = dir.slice(0, dir.lastIndexOf("/"));
  inherit(parent, mount);
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    if ((readOptional(dir, file) ?? "").trim() !== "") continue;
    const value = (readOptional(parent, file) ?? "").trim();
    if (value !== "") writeFile(dir, file, value);
  }
}

const FLAGS: [keyof Stats["cpuset"], string][] = [
  ["cpu_exclusive", "cpuset.cpu_exclusive"],
  ["mem_hardwall", "cpuset.mem_hardwall"],
  ["mem_exclusive", "cpuset.mem_exclusive"],
  ["memory_migrate", "cpuset.memory_migrate"],
  ["memory_spread_page", "cpuset.memory_spread_page"],
  ["memory_spread_slab", "cpuset.memory_spread_slab"],
  ["memory_pressure", "cpuset.memory_pressure"],
  ["sched_load_balance", "cpuset.sched_load_balance"],
  ["sched_relax_domain_level", "cpuset.sched_relax_domain_level"],
];

/** The v1 cpuset controller. */
export const cpuset: V1Controller = {
  name: "cpuset",
  init: inherit,
  set(w, r) {
    if (r.cpu?.cpus) w.write("cpuset.cpus", r.cpu.cpus);
    if (r.cpu?.mems) w.write("cpuset.mems", r.cpu.mems);
  },
  stats(dir, s) {
    s.cpuset.cpus = parseCpuList(readOptional(dir, "cpuset.cpus") ?? "");
    s.cpuset.mems = parseCpuList(readOptional(dir, "cpuset.mems") ?? "");
    for (const [k, file] of FLAGS) {
      const text = readOptional(dir, file)?.trim();
      const v = text === undefined ? 0 : Number(text);
      (s.cpuset as Record<string, unknown>)[k] = Number.isFinite(v) ? v : 0;
    }
  },
};
