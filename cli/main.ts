/**
 * The `runc` entry point, with every command (`cli/dispatch.ts` does the work).
 *
 * @module
 */

import { COMMANDS } from "./commands.ts";
import { main as dispatch, runEntry } from "./dispatch.ts";

/**
 * Runs runc's command line.
 *
 * @param argv the arguments after the program name
 * @returns the exit code
 */
export function main(argv: string[]): Promise<number> {
  return dispatch(argv, COMMANDS);
}

if (import.meta.main) await runEntry(COMMANDS);
