/**
 * Capability sets as the 64-bit masks the init stub applies.
 *
 * @module
 */
import { capabilityNumber } from "../spec/capabilities.ts";

/**
 * The mask of a list of capability names; names this runtime does not know
 * are left out (validation has warned about them already).
 *
 * @param names e.g. `["CAP_KILL", "CAP_CHOWN"]`
 * @returns the mask, bit N for capability N
 * @example
 * ```ts
 * capabilityMask(["CAP_CHOWN", "CAP_KILL"]); // 0b100001n
 * ```
 */
export function capabilityMask(names: readonly string[] = []): bigint {
  let mask = 0n;
  for (const name of names) {
    const n = capabilityNumber(name);
    if (n !== undefined) mask |= 1n << BigInt(n);
  }
  return mask;
}
