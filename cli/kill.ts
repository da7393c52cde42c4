/**
 * `runc kill`: send a signal to a container's init process.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `kill` descriptor; the optional second argument is the signal. */
export const command: Command = {
  name: "kill",
  summary: "kill sends the specified signal (default: SIGTERM) to the container's init process",
  argsUsage: "<container-id> [signal]",
  usageText: `Where "<container-id>" is the name for the instance of the container and
"[signal]" is the signal to be sent to the init process.

EXAMPLE:
For example, if the container id is "ubuntu01" the following will send a "KILL"
signal to the init process of the "ubuntu01" container:

       # runc kill ubuntu01 KILL`,
  flags: [
    {
      name: "all",
      aliases: ["a"],
      kind: "bool",
      usage: "send the specified signal to all processes inside the container",
    },
  ],
  async run(ctx) {
    checkArgs("kill", ctx.args, 1, "min");
    checkArgs("kill", ctx.args, 2, "max");
    // kill(2) alone, from libc: not the C helpers, which kill never needs.
    const [{ killContainer }, { kill }] = await Promise.all([
      import("../core/container/lifecycle.ts"),
      import("../ffi/libc.ts"),
    ]);
    await killContainer(
      { kill },
      ctx.global.root,
      ctx.args[0]!,
      ctx.args[1] ?? "SIGTERM",
      ctx.flags["all"] === true,
    );
    return 0;
  },
};
