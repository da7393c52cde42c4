/**
 * `runc restore`: recreate a container from a CRIU checkpoint.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { decideRootless } from "../core/os/host.ts";
import { checkArgs } from "./args.ts";
import { CONSOLE_SOCKET_FLAG, NO_PIVOT_FLAG, PID_FILE_FLAG } from "./create.ts";
import { command as checkpoint, str } from "./checkpoint.ts";

/** A checkpoint flag restore shares, found by name. */
function shared(name: string) {
  const f = checkpoint.flags.find((f) => f.name === name);
  if (f === undefined) throw new Error(`checkpoint has no flag ${name}`);
  return f;
}

/** The `restore` descriptor. */
export const command: Command = {
  name: "restore",
  summary: "restore a container from a previous checkpoint",
  argsUsage: "<container-id>",
  usageText: `Where "<container-id>" is the name for the instance of the container to be
restored.`,
  description: `Restores the saved state of the container instance that was previously saved
using the runc checkpoint command.`,
  flags: [
    CONSOLE_SOCKET_FLAG,
    { name: "image-path", kind: "string", usage: "path to criu image files for restoring" },
    shared("work-path"),
    shared("tcp-established"),
    shared("ext-unix-sk"),
    shared("shell-job"),
    shared("file-locks"),
    shared("manage-cgroups-mode"),
    {
      name: "bundle",
      aliases: ["b"],
      kind: "string",
      usage: "path to the root of the bundle directory",
    },
    { name: "detach", aliases: ["d"], kind: "bool", usage: "detach from the container's process" },
    PID_FILE_FLAG,
    {
      name: "no-subreaper",
      kind: "bool",
      usage: "disable the use of the subreaper used to reap reparented processes",
    },
    NO_PIVOT_FLAG,
    shared("empty-ns"),
    shared("auto-dedup"),
    shared("lazy-pages"),
    {
      name: "lsm-profile",
      kind: "string",
      usage: "Specify an LSM profile to be used during restore in the form of TYPE:NAME.",
    },
    {
      name: "lsm-mount-context",
      kind: "string",
      usage: "Specify an LSM mount context to be used during restore.",
    },
  ],
  async run(ctx) {
    checkArgs("restore", ctx.args, 1, "exact");
    // CRIU's RPC (and protobufjs) are loaded by checkpoint and restore only.
    const [{ restoreContainer }, { ffiSys }] = await Promise.all([
      import("../core/criu/restore.ts"),
      import("../ffi/helper.ts"),
    ]);
    const f = ctx.flags;
    return await restoreContainer(ffiSys, {
      root: ctx.global.root,
      id: ctx.args[0]!,
      criu: ctx.global.criu,
      bundle: str(f["bundle"]) ?? ".",
      consoleSocket: str(f["console-socket"]),
      pidFile: str(f["pid-file"]),
      detach: f["detach"] === true,
      noSubreaper: f["no-subreaper"] === true,
      noPivot: f["no-pivot"] === true,
      systemdCgroup: ctx.global.systemdCgroup,
      rootless: decideRootless(ctx.global.rootless),
      imagePath: str(f["image-path"]),
      workPath: str(f["work-path"]),
      tcpEstablished: f["tcp-established"] === true,
      extUnixSk: f["ext-unix-sk"] === true,
      shellJob: f["shell-job"] === true,
      fileLocks: f["file-locks"] === true,
      manageCgroupsMode: str(f["manage-cgroups-mode"]),
      emptyNs: (f["empty-ns"] as string[] | undefined) ?? [],
      autoDedup: f["auto-dedup"] === true,
      lazyPages: f["lazy-pages"] === true,
      lsmProfile: str(f["lsm-profile"]),
      lsmMountContext: str(f["lsm-mount-context"]),
    });
  },
};
