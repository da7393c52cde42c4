/**
 * The few assertions the tests need (Deno's std is not reachable from our
 * machines).
 *
 * @module
 */

/** Thrown when an assertion fails. */
export class AssertionError extends Error {
  /** @param message what differs */
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

function show(v: unknown): string {
  return Deno.inspect(v, { depth: 10, sorted: true, strAbbreviateSize: 2000 });
}

/** Deep equality of plain data (objects, arrays, primitives, bigint, Uint8Array). */
export function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  const ka = Object.keys(a as object), kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    Object.hasOwn(b as object, k) &&
    equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}

/** Fails unless actual deep-equals expected. */
export function assertEquals(actual: unknown, expected: unknown, msg?: string): void {
  if (!equal(actual, expected)) {
    throw new AssertionError(
      `${msg ? `${msg}: ` : ""}values differ\nactual:   ${show(actual)}\nexpected: ${
        show(expected)
      }`,
    );
  }
}

/** Fails unless cond is truthy. */
export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

/** Fails unless text contains part. */
export function assertStringIncludes(text: string, part: string, msg?: string): void {
  if (!text.includes(part)) {
    throw new AssertionError(
      `${msg ? `${msg}: ` : ""}${show(text)} does not contain ${show(part)}`,
    );
  }
}

/** Fails unless fn throws; returns the error, optionally checking its message contains text. */
export function assertThrows(fn: () => unknown, includes?: string): Error {
  try {
    fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (includes !== undefined) assertStringIncludes(err.message, includes);
    return err;
  }
  throw new AssertionError("expected the function to throw");
}

/** Fails unless the promise rejects; returns the error, optionally checking its message. */
export async function assertRejects(fn: () => Promise<unknown>, includes?: string): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (includes !== undefined) assertStringIncludes(err.message, includes);
    return err;
  }
  throw new AssertionError("expected the promise to reject");
}
