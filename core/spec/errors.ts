/**
 * The error class of the spec layer.
 *
 * @module
 */

/** Options of {@linkcode SpecError}. */
export interface SpecErrorOptions {
  /** The config.json field at fault, as a dotted path, e.g. `linux.namespaces[2].type`. */
  field?: string | undefined;
  /** The name of the validation check that failed, e.g. `namespaces`. */
  check?: string | undefined;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * A config.json that cannot be read, decoded or accepted. The message is the text
 * runc 1.1 prints for the same problem where runc has one (without runc's
 * `runc create failed: ` prefix, which the CLI adds), else a message naming the
 * field and what is wrong.
 *
 * @example
 * ```ts
 * throw new SpecError("args must not be empty", { field: "process.args" });
 * ```
 */
export class SpecError extends Error {
  /** The field at fault, when one is known. */
  readonly field: string | undefined;
  /** The validation check that failed, when the error comes from one. */
  readonly check: string | undefined;
  /** Warnings found before this error (validation stops at the first error). */
  readonly warnings: string[] = [];

  /**
   * @param message What is wrong, in runc's words where runc has some.
   * @param options The field, the check and the cause.
   */
  constructor(message: string, options: SpecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SpecError";
    this.field = options.field;
    this.check = options.check;
  }
}
