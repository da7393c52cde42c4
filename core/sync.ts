/**
 * Sync work behind async signatures. Each async file operation of Deno is a
 * trip through its thread pool; a short-lived CLI gains nothing from that and
 * pays for it on every call, so the hot paths read and write synchronously
 * while their callers keep awaiting a promise (and catching its rejection).
 *
 * @module
 */

/**
 * Runs fn now and gives its result, or what it threw, as a promise.
 *
 * @param fn the synchronous work
 * @returns a settled promise
 */
export function settled<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(e);
  }
}
