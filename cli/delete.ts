/**
 * `runc delete`: remove a container's resources.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `delete` descriptor. */
export const command: Command = {
  name: "delete",
  summary: "delete any resources held by the container often used with detached container",
  argsUsage: "<container-id>",
  usageText: `Where "<container-id>" is the name for the instance of the container.

EXAMPLE:
For example, if the container id is "ubuntu01" and runc list currently shows the
status of "ubuntu01" as "stopped" the following will delete resources held for
"ubuntu01" removing "ubuntu01" from the runc list of containers:

       # runc delete ubuntu01`,
  flags: [
    {
      name: "force",
      aliases: ["f"],
      kind: "bool",
      usage: "Forcibly deletes the container if it is still running (uses SIGKILL)",
    },
  ],
  async run(ctx) {
    checkArgs("delete", ctx.args, 1, "exact");
    const [{ deleteContainer }, { ffiSys }] = await Promise.all([
      import("../core/container/lifecycle.ts"),
      import("../ffi/helper.ts"),
    ]);
    await deleteContainer(ffiSys, ctx.global.root, ctx.args[0]!, ctx.flags["force"] === true);
    return 0;
  },
};
