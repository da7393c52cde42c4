/**
 * The registry: every subcommand descriptor in the order runc 1.1 lists them
 * in `runc --help`. runc's hidden `init` is not a command here (the C stub
 * plays its part), and urfave's `help` is handled by `cli/dispatch.ts`.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { command as checkpoint } from "./checkpoint.ts";
import { command as create } from "./create.ts";
import { command as del } from "./delete.ts";
import { command as events } from "./events.ts";
import { command as exec } from "./exec.ts";
import { command as kill } from "./kill.ts";
import { command as list } from "./list.ts";
import { command as pause } from "./pause.ts";
import { command as ps } from "./ps.ts";
import { command as restore } from "./restore.ts";
import { command as resume } from "./resume.ts";
import { command as run } from "./run.ts";
import { command as spec } from "./spec.ts";
import { command as start } from "./start.ts";
import { command as state } from "./state.ts";
import { command as update } from "./update.ts";
import { command as features } from "./features.ts";

/** All commands, in runc's order. */
export const COMMANDS: readonly Command[] = [
  checkpoint,
  create,
  del,
  events,
  exec,
  kill,
  list,
  pause,
  ps,
  restore,
  resume,
  run,
  spec,
  start,
  state,
  update,
  features,
];
