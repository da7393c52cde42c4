/**
 * The v2 cpuset controller: cpuset.cpus and cpuset.mems.
 *
 * @module
 */
import { readOptional } from "../file.ts";
import { parseCpuList } from "../v1/cpuset.ts";
import type { V2Controller } from "./controller.ts";

/** The v2 cpuset controller. */
export const cpuset: V2Controller = {
  name: "cpuset",
  set(w, r) {
    if (r.cpu?.cpus) w.write("cpuset.cpus", r.cpu.cpus);
    if (r.cpu?.mems) w.write("cpuset.mems", r.cpu.mems);
  },
  stats(dir, s) {
    s.cpuset.cpus = parseCpuList(readOptional(dir, "cpuset.cpus.effective") ?? "");
    s.cpuset.mems = parseCpuList(readOptional(dir, "cpuset.mems.effective") ?? "");
  },
};
