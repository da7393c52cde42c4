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
  async run(ctx) {
    checkArgs("ps", ctx.args, 1, "min");
    const { containerPids, psTable } = await import("../core/container/cgroup_commands.ts");
    const [id, ...psArgs] = ctx.args as [string, ...string[]];
    const format = ctx.flags["format"];
    let out: string;
    if (format === "json") {
      const pids = await containerPids(ctx.global.root, id);
      out = `${pids.length ? JSON.stringify(pids) : "null"}\n`;
    } else if (format === "table") {
      out = await psTable(ctx.global.root, id, psArgs);
    } else {
      throw new Error("invalid format option");
    }
    await Deno.stdout.write(new TextEncoder().encode(out));
    return 0;
  },
};
