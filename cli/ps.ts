/**
 * `runc ps`: the processes of a container, through ps(1) or as JSON.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `ps` descriptor; arguments after the container id go to ps(1). */
export const command: Command = {
  name: "ps",
  summary: "ps displays the processes running inside a container",
  argsUsage: "<container-id> [ps options]",
  skipArgReorder: true,
  flags: [
    {
      name: "format",
      aliases: ["f"],
      kind: "string",
      default: "table",
      usage: "select one of: table or json",
    },
  ],
  run(ctx) {
    checkArgs("ps", ctx.args, 1, "min");
    return Promise.reject(new Error("runc ps: not implemented yet"));
  },
};
