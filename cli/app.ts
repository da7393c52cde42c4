/**
 * What runc 1.1 declares on its urfave/cli App: the usage text, the global
 * flags and the help command urfave adds. Kept apart from `cli/main.ts` so
 * that help rendering and its tests need no process state.
 *
 * @module
 */

import type { Flag } from "./command.ts";

/** The App's Usage: the text after `runc - ` in `runc --help`. */
export const APP_USAGE = `Open Container Initiative runtime

runc is a command line client for running applications packaged according to
the Open Container Initiative (OCI) format and is a compliant implementation of the
Open Container Initiative specification.

runc integrates well with existing process supervisors to provide a production
container runtime environment for applications. It can be used with your
existing process monitoring tools and the container will be spawned as a
direct child of the process supervisor.

Containers are configured using bundles. A bundle for a container is a directory
that includes a specification file named "config.json" and a root filesystem.
The root filesystem contains the contents of the container.

To start a new instance of a container:

    # runc run [ -b bundle ] <container-id>

Where "<container-id>" is your name for the instance of the container that you
are starting. The name you provide for the container instance must be unique on
your host. Providing the bundle directory using "-b" is optional. The default
value for "bundle" is the current directory.`;

/** urfave's HelpFlag, added to the App and to every command. */
export const HELP_FLAG: Flag = { name: "help", aliases: ["h"], kind: "bool", usage: "show help" };

/** urfave's VersionFlag. */
export const VERSION_FLAG: Flag = {
  name: "version",
  aliases: ["v"],
  kind: "bool",
  usage: "print the version",
};

/** The help command urfave appends to the command list. */
export const HELP_COMMAND = {
  names: ["help", "h"],
  summary: "Shows a list of commands or help for one command",
  argsUsage: "[command]",
} as const;

/**
 * runc's global flags, in its order, followed by urfave's help and version.
 *
 * @param defaultRoot the `--root` default, which depends on the user (see `cli/main.ts`)
 * @returns the flag list
 */
export function globalFlags(defaultRoot: string): Flag[] {
  return [
    { name: "debug", kind: "bool", usage: "enable debug logging" },
    {
      name: "log",
      kind: "string",
      usage: "set the log file to write runc logs to (default is '/dev/stderr')",
    },
    {
      name: "log-format",
      kind: "string",
      default: "text",
      usage: "set the log format ('text' (default), or 'json')",
    },
    {
      name: "root",
      kind: "string",
      default: defaultRoot,
      usage: "root directory for storage of container state (this should be located in tmpfs)",
    },
    {
      name: "criu",
      kind: "string",
      default: "criu",
      usage: "path to the criu binary used for checkpoint and restore",
    },
    {
      name: "systemd-cgroup",
      kind: "bool",
      usage:
        'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name" for e.g. "system.slice:runc:434234"',
    },
    {
      name: "rootless",
      kind: "string",
      default: "auto",
      usage: "ignore cgroup permission errors ('true', 'false', or 'auto')",
    },
    HELP_FLAG,
    VERSION_FLAG,
  ];
}
