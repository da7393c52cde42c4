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
  run(ctx) {
    checkArgs("checkpoint", ctx.args, 1, "exact");
    return Promise.reject(new Error("runc checkpoint: not implemented yet"));
  },
};
