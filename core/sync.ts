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

/**
 * What a promise rejects with, once it settles (undefined when it resolves):
 * work started early and awaited later, after other work that may throw,
 * never leaves a rejection unhandled meanwhile.
 *
 * @param p the promise
 * @returns its error, or undefined
 */
export function errorOf(p: Promise<unknown>): Promise<Error | undefined> {
  return p.then(() => undefined, (e) => (e instanceof Error ? e : new Error(String(e))));
}
