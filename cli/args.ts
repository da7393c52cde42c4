/**
 * runc's checkArgs: the argument-count check each command's action starts with.
 *
 * @module
 */

import { UsageError } from "./command.ts";

/** How the count is compared: runc's exactArgs, minArgs and maxArgs. */
export type ArgsCheck = "exact" | "min" | "max";

const WORDING: Record<ArgsCheck, string> = {
  exact: "exactly",
  min: "a minimum of",
  max: "a maximum of",
};

/**
 * Throws runc's usage error when the count is wrong; `cli/dispatch.ts` then prints
 * "Incorrect Usage." and the command's help, and logs the message.
 *
 * @param name the command name
 * @param args the positional arguments
 * @param expected the count
 * @param check how to compare
 * @throws UsageError `runc: "state" requires exactly 1 argument(s)`
 */
export function checkArgs(name: string, args: string[], expected: number, check: ArgsCheck): void {
  const n = args.length;
  const ok = check === "exact" ? n === expected : check === "min" ? n >= expected : n <= expected;
  if (!ok) {
    throw new UsageError(
      `runc: "${name}" requires ${WORDING[check]} ${expected} argument(s)`,
      true,
    );
  }
}
