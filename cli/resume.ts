/**
 * `runc resume`: thaw a paused container.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `resume` descriptor. */
export const command: Command = {
  name: "resume",
  summary: "resumes all processes that have been previously paused",
  argsUsage: "<container-id>",
  usageText: `Where "<container-id>" is the name for the instance of the container to be
resumed.`,
  description: `The resume command resumes all processes in the instance of the container.

Use runc list to identify instances of containers and their current status.`,
  flags: [],
  async run(ctx) {
    checkArgs("resume", ctx.args, 1, "exact");
    const { resumeContainer } = await import("../core/container/cgroup_commands.ts");
    await resumeContainer(ctx.global.root, ctx.args[0]!);
    return 0;
  },
};
