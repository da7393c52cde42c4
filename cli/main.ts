/**
 * The `runc` entry point, with every command (`cli/dispatch.ts` does the work).
 *
 * @module
 */

import { COMMANDS } from "./commands.ts";
import { codeCacheTurn, main as dispatch } from "./dispatch.ts";

/**
 * Runs runc's command line.
 *
 * @param argv the arguments after the program name
 * @returns the exit code
 */
export function main(argv: string[]): Promise<number> {
  return dispatch(argv, COMMANDS);
}

if (import.meta.main) {
  const code = await main(Deno.args);
  await codeCacheTurn();
  Deno.exit(code);
}
