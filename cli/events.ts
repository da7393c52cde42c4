/**
 * `runc events`: stream or print a container's statistics and OOM events.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `events` descriptor; `interval` is a duration (milliseconds once parsed). */
export const command: Command = {
  name: "events",
  summary:
    "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
  argsUsage: "<container-id>",
  usageText: `Where "<container-id>" is the name for the instance of the container.`,
  description: `The events command displays information about the container. By default the
information is displayed once every 5 seconds.`,
  flags: [
    {
      name: "interval",
      kind: "duration",
      default: "5s",
      usage: "set the stats collection interval",
    },
    { name: "stats", kind: "bool", usage: "display the container's stats then exit" },
  ],
  async run(ctx) {
    checkArgs("events", ctx.args, 1, "exact");
    const [{ statsEvent, streamEvents }, { ffiSys }] = await Promise.all([
      import("../core/container/cgroup_commands.ts"),
      import("../ffi/helper.ts"),
    ]);
    const out = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
    if (ctx.flags["stats"] === true) {
      out(await statsEvent(ctx.global.root, ctx.args[0]!));
      return 0;
    }
    const interval = Number(ctx.flags["interval"] ?? 5000);
    await streamEvents(ffiSys, ctx.global.root, ctx.args[0]!, interval, out);
    return 0;
  },
};
