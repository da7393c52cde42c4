/**
 * The v1 memory controller: limit and swap (memory+swap, written in the order
 * the kernel accepts), reservation, OOM killer, swappiness, and the memory
 * statistics. Kernel memory limits are ignored, as in runc 1.1.
 *
 * @module
 */
import type { LinuxResources } from "../../spec/types.ts";
import { big, CgroupError, exists, readKeyed, readUint, type Writer } from "../file.ts";
import { osErrno } from "../../os/errno.ts";
import type { MemoryEntry } from "../stats.ts";
import type { V1Controller } from "./controller.ts";

const EBUSY = 16;
const LIMIT = "memory.limit_in_bytes";
const SWAP = "memory.memsw.limit_in_bytes";

function setLimit(w: Writer, value: bigint): void {
  if (value === 0n) return;
  try {
    w.write(LIMIT, String(value));
  } catch (e) {
    if (osErrno((e as Error).cause) !== EBUSY) throw e;
    // Lower than what the cgroup uses now.
    const usage = readUint(w.dir!, "memory.usage_in_bytes") ?? 0;
    const max = readUint(w.dir!, "memory.max_usage_in_bytes") ?? 0;
    throw new CgroupError(
      `unable to set memory limit to ${value} (current usage: ${usage}, peak usage: ${max})`,
    );
  }
}

function setSwap(w: Writer, value: bigint): void {
  if (value !== 0n) w.write(SWAP, String(value));
}

/** runc's setMemoryAndSwap. */
function setMemoryAndSwap(w: Writer, r: LinuxResources): void {
  const memory = big(r.memory?.limit);
  let swap = big(r.memory?.swap);
  // Unlimited memory with swap unset means unlimited swap too, where swap accounting exists.
  if (memory === -1n && swap === 0n && w.dir && exists(`${w.dir}/${SWAP}`)) swap = -1n;
  if (memory !== 0n && swap !== 0n) {
    const current = BigInt(readUint(w.dir!, LIMIT) ?? 0);
    // Raising: swap (memory+swap) first, or the kernel refuses memory > memsw.
    if (swap === -1n || current < swap) {
      setSwap(w, swap);
      setLimit(w, memory);
      return;
    }
  }
  setLimit(w, memory);
  setSwap(w, swap);
}

function entry(dir: string, prefix: string): MemoryEntry {
  return {
    limit: readUint(dir, `${prefix}.limit_in_bytes`) ?? 0,
    usage: readUint(dir, `${prefix}.usage_in_bytes`) ?? 0,
    max: readUint(dir, `${prefix}.max_usage_in_bytes`) ?? 0,
    failcnt: readUint(dir, `${prefix}.failcnt`) ?? 0,
  };
}

/** The v1 memory controller. */
export const memory: V1Controller = {
  name: "memory",
  set(w, r) {
    const m = r.memory;
    if (!m) return;
    setMemoryAndSwap(w, r);
    const reservation = big(m.reservation);
    if (reservation !== 0n) w.write("memory.soft_limit_in_bytes", String(reservation));
    if (m.disableOOMKiller) w.write("memory.oom_control", "1");
    if (m.swappiness === undefined || m.swappiness === null) return;
    const sw = big(m.swappiness);
    // -1 (as an int64; Go reads a uint64 of 2^64-1 the same) means "leave it".
    if (sw === -1n || sw === 0xffffffffffffffffn) return;
    if (sw < 0n || sw > 100n) {
      throw new CgroupError(`invalid memory swappiness value: ${sw} (valid range is 0-100)`);
    }
    w.write("memory.swappiness", String(sw));
  },
  stats(dir, s) {
    const raw = readKeyed(dir, "memory.stat");
    s.memory.raw = raw;
    s.memory.cache = raw["cache"] ?? 0;
    s.memory.usage = entry(dir, "memory");
    s.memory.swap = entry(dir, "memory.memsw");
    s.memory.kernel = entry(dir, "memory.kmem");
    s.memory.kernelTCP = entry(dir, "memory.kmem.tcp");
  },
};
