/**
 * `runc state`: a container's state as JSON.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `state` descriptor. */
export const command: Command = {
  name: "state",
  summary: "output the state of a container",
  argsUsage: "<container-id>",
  usageText: `Where "<container-id>" is your name for the instance of the container.`,
  description: `The state command outputs current state information for the
instance of a container.`,
  flags: [],
  async run(ctx) {
    checkArgs("state", ctx.args, 1, "exact");
    const { stateDocument } = await import("../core/container/query.ts");
    const doc = await stateDocument(ctx.global.root, ctx.args[0]!);
    // runc: json.MarshalIndent(state, "", "  "), no newline.
    await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(doc, null, 2)));
    return 0;
  },
};
