/**
 * `runc list`: the containers under the root directory.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `list` descriptor. */
export const command: Command = {
  name: "list",
  summary: "lists containers started by runc with the given root",
  argsUsage: "",
  usageText: `Where the given root is specified via the global option "--root"
(default: "/run/runc").

EXAMPLE 1:
To list containers created via the default "--root":
       # runc list

EXAMPLE 2:
To list containers created using a non-default value for "--root":
       # runc --root value list`,
  flags: [
    {
      name: "format",
      aliases: ["f"],
      kind: "string",
      default: "table",
      usage: "select one of: table or json",
    },
    { name: "quiet", aliases: ["q"], kind: "bool", usage: "display only container IDs" },
  ],
  async run(ctx) {
    checkArgs("list", ctx.args, 0, "exact");
    const { listContainers } = await import("../core/container/query.ts");
    const { formatList } = await import("./_list_format.ts");
    const docs = await listContainers(ctx.global.root);
    const text = formatList(docs, ctx.flags["format"] as string, ctx.flags["quiet"] === true);
    await Deno.stdout.write(new TextEncoder().encode(text));
    return 0;
  },
};
