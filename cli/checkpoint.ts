/**
 * `runc checkpoint`: save a running container's state with CRIU.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `checkpoint` descriptor. */
export const command: Command = {
  name: "checkpoint",
  summary: "checkpoint a running container",
  argsUsage: "<container-id>",
  usageText: `Where "<container-id>" is the name for the instance of the container to be
checkpointed.`,
  description: "The checkpoint command saves the state of the container instance.",
  flags: [
    { name: "image-path", kind: "string", usage: "path for saving criu image files" },
    { name: "work-path", kind: "string", usage: "path for saving work files and logs" },
    {
      name: "parent-path",
      kind: "string",
      usage: "path for previous criu image files in pre-dump",
    },
    {
      name: "leave-running",
      kind: "bool",
      usage: "leave the process running after checkpointing",
    },
    { name: "tcp-established", kind: "bool", usage: "allow open tcp connections" },
    { name: "ext-unix-sk", kind: "bool", usage: "allow external unix sockets" },
    { name: "shell-job", kind: "bool", usage: "allow shell jobs" },
    {
      name: "lazy-pages",
      kind: "bool",
      usage: "use userfaultfd to lazily restore memory pages",
    },
    {
      name: "status-fd",
      kind: "int",
      default: -1,
      usage: "criu writes \\0 to this FD once lazy-pages is ready",
    },
    { name: "page-server", kind: "string", usage: "ADDRESS:PORT of the page server" },
    { name: "file-locks", kind: "bool", usage: "handle file locks, for safety" },
    {
      name: "pre-dump",
      kind: "bool",
      usage: "dump container's memory information only, leave the container running after this",
    },
    {
      name: "manage-cgroups-mode",
      kind: "string",
      usage: "cgroups mode: 'soft' (default), 'full' and 'strict'",
    },
    {
      name: "empty-ns",
      kind: "stringSlice",
      usage: "create a namespace, but don't restore its properties",
    },
    { name: "auto-dedup", kind: "bool", usage: "enable auto deduplication of memory images" },
  ],
  async run(ctx) {
    checkArgs("checkpoint", ctx.args, 1, "exact");
    // CRIU's RPC (and protobufjs) are loaded by checkpoint and restore only.
    const [{ checkpointContainer }, { ffiSys }] = await Promise.all([
      import("../core/criu/checkpoint.ts"),
      import("../ffi/helper.ts"),
    ]);
    const f = ctx.flags;
    await checkpointContainer(ffiSys, {
      root: ctx.global.root,
      id: ctx.args[0]!,
      criu: ctx.global.criu,
      imagePath: str(f["image-path"]),
      workPath: str(f["work-path"]),
      parentPath: str(f["parent-path"]),
      leaveRunning: f["leave-running"] === true,
      tcpEstablished: f["tcp-established"] === true,
      extUnixSk: f["ext-unix-sk"] === true,
      shellJob: f["shell-job"] === true,
      lazyPages: f["lazy-pages"] === true,
      statusFd: Number(f["status-fd"] ?? -1),
      pageServer: str(f["page-server"]),
      fileLocks: f["file-locks"] === true,
      preDump: f["pre-dump"] === true,
      manageCgroupsMode: str(f["manage-cgroups-mode"]),
      emptyNs: (f["empty-ns"] as string[] | undefined) ?? [],
      autoDedup: f["auto-dedup"] === true,
    });
    return 0;
  },
};

/** A string flag's value, undefined when empty. */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
