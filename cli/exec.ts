/**
 * `runc exec`: run a new process inside a running container.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";
import { CONSOLE_SOCKET_FLAG, PID_FILE_FLAG, PRESERVE_FDS_FLAG } from "./create.ts";

/** The `exec` descriptor; flags after the container id belong to the command run. */
export const command: Command = {
  name: "exec",
  summary: "execute new process inside the container",
  argsUsage: "<container-id> <command> [command options]  || -p process.json <container-id>",
  usageText: `Where "<container-id>" is the name for the instance of the container and
"<command>" is the command to be executed in the container.
"<command>" can't be empty unless a "-p" flag provided.

EXAMPLE:
For example, if the container is configured to run the linux ps command the
following will output a list of processes running in the container:

       # runc exec <container-id> ps`,
  skipArgReorder: true,
  flags: [
    CONSOLE_SOCKET_FLAG,
    { name: "cwd", kind: "string", usage: "current working directory in the container" },
    { name: "env", aliases: ["e"], kind: "stringSlice", usage: "set environment variables" },
    { name: "tty", aliases: ["t"], kind: "bool", usage: "allocate a pseudo-TTY" },
    { name: "user", aliases: ["u"], kind: "string", usage: "UID (format: <uid>[:<gid>])" },
    { name: "additional-gids", aliases: ["g"], kind: "int64Slice", usage: "additional gids" },
    { name: "process", aliases: ["p"], kind: "string", usage: "path to the process.json" },
    { name: "detach", aliases: ["d"], kind: "bool", usage: "detach from the container's process" },
    PID_FILE_FLAG,
    {
      name: "process-label",
      kind: "string",
      usage: "set the asm process label for the process commonly used with selinux",
    },
    { name: "apparmor", kind: "string", usage: "set the apparmor profile for the process" },
    {
      name: "no-new-privs",
      kind: "bool",
      usage: "set the no new privileges value for the process",
    },
    {
      name: "cap",
      aliases: ["c"],
      kind: "stringSlice",
      usage: "add a capability to the bounding set for the process",
    },
    PRESERVE_FDS_FLAG,
    {
      name: "cgroup",
      kind: "stringSlice",
      usage: "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.",
    },
    { name: "ignore-paused", kind: "bool", usage: "allow exec in a paused container" },
  ],
  async run(ctx) {
    checkArgs("exec", ctx.args, 1, "min");
    const [{ execInContainer }, { ffiSys }] = await Promise.all([
      import("../core/container/exec.ts"),
      import("../ffi/helper.ts"),
    ]);
    const f = ctx.flags;
    const str = (name: string) =>
      typeof f[name] === "string" && f[name] !== "" ? f[name] as string : undefined;
    const isSet = (name: string) => ctx.setFlags?.has(name) ?? false;
    try {
      return await execInContainer(ffiSys, {
        root: ctx.global.root,
        id: ctx.args[0]!,
        processPath: str("process"),
        args: ctx.args.slice(1),
        cwd: str("cwd"),
        env: (f["env"] as string[] | undefined) ?? [],
        tty: isSet("tty") ? f["tty"] === true : undefined,
        user: str("user"),
        additionalGids: ((f["additional-gids"] as number[] | undefined) ?? []).map(Number),
        processLabel: str("process-label"),
        apparmor: str("apparmor"),
        noNewPrivs: isSet("no-new-privs") ? f["no-new-privs"] === true : undefined,
        caps: (f["cap"] as string[] | undefined) ?? [],
        preserveFds: Number(f["preserve-fds"] ?? 0),
        detach: f["detach"] === true,
        pidFile: str("pid-file"),
        consoleSocket: str("console-socket"),
        ignorePaused: f["ignore-paused"] === true,
        cgroups: (f["cgroup"] as string[] | undefined) ?? [],
      });
    } catch (e) {
      // runc exec exits 255 when the exec itself fails, so callers can tell
      // its failures from the command's own exit codes.
      const msg = e instanceof Error ? e.message : String(e);
      throw Object.assign(new Error(`exec failed: ${msg}`, { cause: e }), { exitCode: 255 });
    }
  },
};
