/**
 * The v2 memory controller: memory.max, memory.swap.max (the spec's
 * memory+swap converted), memory.low for the reservation. Kernel memory,
 * swappiness and the OOM killer switch have no v2 file and are ignored, as
 * in runc 1.1.
 *
 * @module
 */
import { big, readKeyed, readUint } from "../file.ts";
import { osErrno } from "../../os/errno.ts";
import type { MemoryEntry } from "../stats.ts";
import type { V2Controller } from "./controller.ts";
import { memorySwapToV2, numToStr } from "./convert.ts";

const ENOENT = 2;
/** What runc reports for `max`: the largest uint64. */
export const MAX_UINT64 = 2 ** 64;

function entry(dir: string, prefix: string): MemoryEntry {
  const events = readKeyed(dir, `${prefix}.events`);
  return {
    usage: readUint(dir, `${prefix}.current`) ?? 0,
    limit: readMax(dir, `${prefix}.max`),
    max: readUint(dir, `${prefix}.peak`) ?? 0,
    failcnt: events["max"] ?? 0,
  };
}

function readMax(dir: string, file: string): number {
  const v = readUint(dir, file);
  return v === Number.MAX_SAFE_INTEGER ? MAX_UINT64 : v ?? 0;
}

/** The v2 memory controller. */
export const memory: V2Controller = {
  name: "memory",
  set(w, r) {
    const m = r.memory;
    if (!m) return;
    const limit = big(m.limit);
    const swapSpec = big(m.swap);
    if (limit === 0n && swapSpec === 0n && big(m.reservation) === 0n) return;
    const swap = memorySwapToV2(swapSpec, limit);
    let swapStr = numToStr(swap);
    // memory and memory+swap equal: no swap at all.
    if (swapStr === "" && swap === 0n && swapSpec > 0n) swapStr = "0";
    if (swapStr !== "") {
      try {
        w.write("memory.swap.max", swapStr);
      } catch (e) {
        // Without swap accounting, "max" and "0" are what there is anyway.
        const missing = osErrno((e as Error).cause) === ENOENT || !w.has("memory.swap.max");
        if (!(missing && (swapStr === "max" || swapStr === "0"))) throw e;
      }
    }
    const max = numToStr(limit);
    if (max !== "") w.write("memory.max", max);
    const low = numToStr(big(m.reservation));
    if (low !== "") w.write("memory.low", low);
  },
  stats(dir, s) {
    const raw = readKeyed(dir, "memory.stat");
    s.memory.raw = raw;
    s.memory.cache = raw["file"] ?? 0;
    s.memory.usage = entry(dir, "memory");
    // v1 reports swap as memory+swap: so does runc on v2.
    const swap = entry(dir, "memory.swap");
    swap.usage += s.memory.usage.usage;
    if (swap.limit !== MAX_UINT64) swap.limit += s.memory.usage.limit;
    s.memory.swap = swap;
  },
};
