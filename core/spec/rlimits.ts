/**
 * `RLIMIT_*` resource numbers for `setrlimit(2)`. The values are those of the
 * generic Linux ABI, shared by x86_64 and aarch64 (alpha, mips and sparc differ
 * and are not supported). The names are exactly those runc 1.1 accepts.
 *
 * @module
 */

/** `RLIMIT_*` name → resource number on x86_64 and aarch64. */
export const RLIMITS: Readonly<Record<string, number>> = Object.freeze({
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
});

/** `RLIM_INFINITY` as a 64-bit value (the `hard`/`soft` meaning "unlimited"). */
export const RLIM_INFINITY = 2n ** 64n - 1n;

/**
 * The resource number of an rlimit name.
 *
 * @param name e.g. `RLIMIT_NOFILE`.
 * @returns The number, or undefined when runc would say `wrong rlimit value`.
 * @example
 * ```ts
 * rlimitNumber("RLIMIT_NOFILE"); // 7
 * ```
 */
export function rlimitNumber(name: string): number | undefined {
  return Object.hasOwn(RLIMITS, name) ? RLIMITS[name] : undefined;
}
