/**
 * `runc pause`: freeze every process of a container.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `pause` descriptor. */
export const command: Command = {
  name: "pause",
  summary: "pause suspends all processes inside the container",
  argsUsage: "<container-id>",
  usageText: `Where "<container-id>" is the name for the instance of the container to be
paused. `,
  description: `The pause command suspends all processes in the instance of the container.

Use runc list to identify instances of containers and their current status.`,
  flags: [],
  async run(ctx) {
    checkArgs("pause", ctx.args, 1, "exact");
    const { pauseContainer } = await import("../core/container/cgroup_commands.ts");
    await pauseContainer(ctx.global.root, ctx.args[0]!);
    return 0;
  },
};
