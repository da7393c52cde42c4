/**
 * `runc create`: create a container from a bundle, waiting for `runc start`.
 *
 * @module
 */

import type { Command, CommandContext, Flag } from "./command.ts";
import { checkArgs } from "./args.ts";
import type { CreateOptions } from "../core/container/create.ts";
import { decideRootless } from "../core/os/host.ts";

/** The create options `create` and `run` share, from the parsed flags. */
export function createOptions(ctx: CommandContext): Omit<CreateOptions, "foreground"> {
  const str = (name: string) => {
    const v = ctx.flags[name];
    return typeof v === "string" && v !== "" ? v : undefined;
  };
  return {
    root: ctx.global.root,
    id: ctx.args[0]!,
    bundle: str("bundle") ?? ".",
    pidFile: str("pid-file"),
    consoleSocket: str("console-socket"),
    noPivot: ctx.flags["no-pivot"] === true,
    noNewKeyring: ctx.flags["no-new-keyring"] === true,
    preserveFds: Number(ctx.flags["preserve-fds"] ?? 0),
    systemdCgroup: ctx.global.systemdCgroup,
    rootless: decideRootless(ctx.global.rootless),
  };
}

/** runc prefixes every error of create and run with the command that failed. */
export function failed(cmd: string, e: unknown): Error {
  return new Error(`runc ${cmd} failed: ${e instanceof Error ? e.message : String(e)}`, {
    cause: e,
  });
}

/** Flags `create` shares with `run` (same names, usage and order in runc). */
export const BUNDLE_FLAG: Flag = {
  name: "bundle",
  aliases: ["b"],
  kind: "string",
  usage: "path to the root of the bundle directory, defaults to the current directory",
};
export const CONSOLE_SOCKET_FLAG: Flag = {
  name: "console-socket",
  kind: "string",
  usage:
    "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal",
};
export const PID_FILE_FLAG: Flag = {
  name: "pid-file",
  kind: "string",
  usage: "specify the file to write the process id to",
};
export const NO_PIVOT_FLAG: Flag = {
  name: "no-pivot",
  kind: "bool",
  usage:
    "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk",
};
export const NO_NEW_KEYRING_FLAG: Flag = {
  name: "no-new-keyring",
  kind: "bool",
  usage:
    "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key",
};
export const PRESERVE_FDS_FLAG: Flag = {
  name: "preserve-fds",
  kind: "int",
  usage: "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)",
};

/** The text `create` and `run` show under USAGE. */
export const START_USAGE_TEXT =
  `Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host.`;

/** The DESCRIPTION of `create` and `run` after their first words. */
export const BUNDLE_DESCRIPTION = `an instance of a container for a bundle. The bundle
is a directory with a specification file named "config.json" and a root
filesystem.

The specification file includes an args parameter. The args parameter is used
to specify command(s) that get run when the container is started. To change the
command(s) that get executed on start, edit the args parameter of the spec. See
"runc spec --help" for more explanation.`;

/** The `create` descriptor. */
export const command: Command = {
  name: "create",
  summary: "create a container",
  argsUsage: "<container-id>",
  usageText: START_USAGE_TEXT,
  description: `The create command creates ${BUNDLE_DESCRIPTION}`,
  flags: [
    BUNDLE_FLAG,
    CONSOLE_SOCKET_FLAG,
    PID_FILE_FLAG,
    NO_PIVOT_FLAG,
    NO_NEW_KEYRING_FLAG,
    PRESERVE_FDS_FLAG,
  ],
  async run(ctx) {
    checkArgs("create", ctx.args, 1, "exact");
    const [{ createContainer }, { ffiSys }] = await Promise.all([
      import("../core/container/create.ts"),
      import("../ffi/helper.ts"),
    ]);
    try {
      await createContainer(ffiSys, { ...createOptions(ctx), foreground: false });
    } catch (e) {
      throw failed("create", e);
    }
    return 0;
  },
};
