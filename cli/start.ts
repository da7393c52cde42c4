/**
 * `runc start`: run the user process of a created container.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";
import { START_USAGE_TEXT } from "./create.ts";

/** The `start` descriptor. */
export const command: Command = {
  name: "start",
  summary: "executes the user defined process in a created container",
  argsUsage: "<container-id>",
  usageText: START_USAGE_TEXT,
  description: "The start command executes the user defined process in a created container.",
  flags: [],
  async run(ctx) {
    checkArgs("start", ctx.args, 1, "exact");
    const [{ startContainer }, { ffiSys }] = await Promise.all([
      import("../core/container/lifecycle.ts"),
      import("../ffi/helper.ts"),
    ]);
    await startContainer(ffiSys, ctx.global.root, ctx.args[0]!);
    return 0;
  },
};
