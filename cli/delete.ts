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
    const [{ deleteContainer }, { ffiSys }, { StateError, stateDir }] = await Promise.all([
      import("../core/container/lifecycle.ts"),
      import("../ffi/helper.ts"),
      import("../core/state/state.ts"),
    ]);
    const id = ctx.args[0]!;
    const force = ctx.flags["force"] === true;
    try {
      await deleteContainer(ffiSys, ctx.global.root, id, force);
    } catch (e) {
      if (!(e instanceof StateError) || e.message !== "container does not exist") throw e;
      // As runc 1.1: the directory of an aborted create (no state.json) goes,
      // and --force makes a container that does not exist no error.
      try {
        Deno.removeSync(stateDir(ctx.global.root, id), { recursive: true });
      } catch { /* no directory either */ }
      if (!force) throw e;
    }
    return 0;
  },
};
