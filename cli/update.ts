/**
 * `runc update`: change a running container's cgroup limits.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

const RESOURCES_USAGE =
  `path to the file containing the resources to update or '-' to read from the standard input

The accepted format is as follow (unchanged values can be omitted):

{
  "memory": {
    "limit": 0,
    "reservation": 0,
    "swap": 0
  },
  "cpu": {
    "shares": 0,
    "quota": 0,
    "period": 0,
    "realtimeRuntime": 0,
    "realtimePeriod": 0,
    "cpus": "",
    "mems": ""
  },
  "blockIO": {
    "weight": 0
  }
}

Note: if data is to be read from a file or the standard input, all
other options are ignored.`;

/** The `update` descriptor; most limits are strings that runc parses itself. */
export const command: Command = {
  name: "update",
  summary: "update container resource constraints",
  argsUsage: "<container-id>",
  flags: [
    { name: "resources", aliases: ["r"], kind: "string", usage: RESOURCES_USAGE },
    {
      name: "blkio-weight",
      kind: "int",
      usage: "Specifies per cgroup weight, range is from 10 to 1000",
    },
    {
      name: "cpu-period",
      kind: "string",
      usage: "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default",
    },
    {
      name: "cpu-quota",
      kind: "string",
      usage: "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period",
    },
    {
      name: "cpu-share",
      kind: "string",
      usage: "CPU shares (relative weight vs. other containers)",
    },
    {
      name: "cpu-rt-period",
      kind: "string",
      usage: "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default",
    },
    {
      name: "cpu-rt-runtime",
      kind: "string",
      usage: "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period",
    },
    { name: "cpuset-cpus", kind: "string", usage: "CPU(s) to use" },
    { name: "cpuset-mems", kind: "string", usage: "Memory node(s) to use" },
    { name: "kernel-memory", kind: "string", usage: "(obsoleted; do not use)", hidden: true },
    {
      name: "kernel-memory-tcp",
      kind: "string",
      usage: "(obsoleted; do not use)",
      hidden: true,
    },
    { name: "memory", kind: "string", usage: "Memory limit (in bytes)" },
    {
      name: "memory-reservation",
      kind: "string",
      usage: "Memory reservation or soft_limit (in bytes)",
    },
    {
      name: "memory-swap",
      kind: "string",
      usage: "Total memory usage (memory + swap); set '-1' to enable unlimited swap",
    },
    {
      name: "pids-limit",
      kind: "int",
      usage: "Maximum number of pids allowed in the container",
    },
    {
      name: "l3-cache-schema",
      kind: "string",
      usage: "The string of Intel RDT/CAT L3 cache schema",
    },
    {
      name: "mem-bw-schema",
      kind: "string",
      usage: "The string of Intel RDT/MBA memory bandwidth schema",
    },
  ],
  async run(ctx) {
    checkArgs("update", ctx.args, 1, "exact");
    const [{ updateContainer }, req, { ffiSys }, { logWarn }] = await Promise.all([
      import("../core/container/cgroup_commands.ts"),
      import("../core/container/update_request.ts"),
      import("../ffi/helper.ts"),
      import("../core/log.ts"),
    ]);
    const file = ctx.flags["resources"];
    let resources;
    if (typeof file === "string" && file !== "") {
      const text = file === "-"
        ? await new Response(Deno.stdin.readable).text()
        : await Deno.readTextFile(file);
      resources = req.resourcesFromJson(text, logWarn);
    } else {
      resources = req.resourcesFromFlags(ctx.flags, logWarn);
    }
    // As runc, the schemas count with -r too.
    const schema = (f: string) => (typeof ctx.flags[f] === "string" ? ctx.flags[f] as string : "");
    await updateContainer(ffiSys, ctx.global.root, ctx.args[0]!, resources, {
      l3CacheSchema: schema("l3-cache-schema"),
      memBwSchema: schema("mem-bw-schema"),
    });
    return 0;
  },
};
