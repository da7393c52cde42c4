/**
 * The v2 pids controller: pids.max.
 *
 * @module
 */
import { readOptional, readUint } from "../file.ts";
import { pidsMax } from "../v1/pids.ts";
import type { V2Controller } from "./controller.ts";

/** The v2 pids controller. */
export const pids: V2Controller = {
  name: "pids",
  set(w, r) {
    const v = pidsMax(r.pids?.limit);
    if (v !== undefined) w.write("pids.max", v);
  },
  stats(dir, s) {
    s.pids.current = readUint(dir, "pids.current") ?? 0;
    const max = readOptional(dir, "pids.max")?.trim();
    s.pids.limit = max && max !== "max" ? Number(max) : 0;
  },
};
