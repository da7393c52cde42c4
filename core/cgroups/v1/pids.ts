/**
 * The v1 pids controller: pids.max.
 *
 * @module
 */
import { big, readOptional, readUint } from "../file.ts";
import type { V1Controller } from "./controller.ts";

/** pids.limit: a positive limit, or `max` for a negative one; 0 leaves it alone. */
export function pidsMax(limit: number | bigint | undefined): string | undefined {
  const n = big(limit);
  if (n === 0n) return undefined;
  return n > 0n ? String(n) : "max";
}

/** The v1 pids controller. */
export const pids: V1Controller = {
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
