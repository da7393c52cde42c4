/**
 * `runc run`: create and start a container, by default waiting for it.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";
import { logPhase } from "../core/log.ts";
import {
  BUNDLE_DESCRIPTION,
  BUNDLE_FLAG,
  CONSOLE_SOCKET_FLAG,
  createOptions,
  failed,
  NO_NEW_KEYRING_FLAG,
  NO_PIVOT_FLAG,
  PID_FILE_FLAG,
  PRESERVE_FDS_FLAG,
  START_USAGE_TEXT,
} from "./create.ts";

/** The `run` descriptor. */
export const command: Command = {
  name: "run",
  summary: "create and run a container",
  argsUsage: "<container-id>",
  usageText: START_USAGE_TEXT,
  description: `The run command creates ${BUNDLE_DESCRIPTION}`,
  flags: [
    BUNDLE_FLAG,
    CONSOLE_SOCKET_FLAG,
    { name: "detach", aliases: ["d"], kind: "bool", usage: "detach from the container's process" },
    { name: "keep", kind: "bool", usage: "do not delete the container after it exits" },
    PID_FILE_FLAG,
    {
      name: "no-subreaper",
      kind: "bool",
      usage: "disable the use of the subreaper used to reap reparented processes",
    },
    NO_PIVOT_FLAG,
    NO_NEW_KEYRING_FLAG,
    PRESERVE_FDS_FLAG,
  ],
  async run(ctx) {
    checkArgs("run", ctx.args, 1, "exact");
    const [{ runContainer }, { ffiSys }] = await Promise.all([
      import("../core/container/run.ts"),
      import("../ffi/helper.ts"),
    ]);
    logPhase("run: modules loaded");
    try {
      return await runContainer(ffiSys, {
        ...createOptions(ctx),
        foreground: ctx.flags["detach"] !== true,
        detach: ctx.flags["detach"] === true,
        keep: ctx.flags["keep"] === true,
        noSubreaper: ctx.flags["no-subreaper"] === true,
      });
    } catch (e) {
      throw failed("run", e);
    }
  },
};
