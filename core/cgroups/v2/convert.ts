/**
 * runc's conversions of the spec's v1-shaped values to cgroup v2 ones
 * (libcontainer/cgroups/utils.go).
 *
 * @module
 */
import { CgroupError } from "../file.ts";

/** cpu.shares [2, 262144] to cpu.weight [1, 10000]; 0 stays 0 (unset). */
export function cpuSharesToWeight(shares: bigint): bigint {
  if (shares === 0n) return 0n;
  return 1n + ((shares - 2n) * 9999n) / 262142n;
}

/** blkio.weight [10, 1000] to io.weight [1, 10000]; 0 stays 0 (unset). */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * The spec's swap (memory+swap, as v1 counts it) as memory.swap.max (swap
 * alone): -1 unlimited, 0 unset.
 *
 * @throws CgroupError with runc's messages for impossible combinations
 */
export function memorySwapToV2(swap: bigint, memory: bigint): bigint {
  // Unlimited memory and no swap given: unlimited swap too, as v1 does.
  if (memory === -1n && swap === 0n) return -1n;
  if (swap === -1n || swap === 0n) return swap;
  if (memory === 0n || memory === -1n) {
    throw new CgroupError("unable to set swap limit without memory limit");
  }
  if (memory < 0n) throw new CgroupError(`invalid memory value: ${memory}`);
  if (swap < memory) throw new CgroupError("memory+swap limit should be >= memory limit");
  return swap - memory;
}

/** A v2 value: "" for 0 (unset), `max` for -1, else the number. */
export function numToStr(v: bigint): string {
  if (v === 0n) return "";
  if (v === -1n) return "max";
  return String(v);
}
