/**
 * `runc run`: create, start, and in the foreground wait for the container's
 * init and delete the container afterwards.
 *
 * @module
 */
import { createContainer, type CreateOptions } from "./create.ts";
import { deleteContainer, startContainer } from "./lifecycle.ts";
import type { Sys } from "../os/sys.ts";
import { findHostConsole, type HostConsole } from "./tty.ts";
import { waitForeground } from "./foreground.ts";
import { exitCodeOf } from "../os/signals.ts";
import { logPhase } from "../log.ts";

/** Options of `runc run` beyond those of create. */
export interface RunOptions extends CreateOptions {
  detach: boolean;
  keep: boolean;
  noSubreaper: boolean;
}

/**
 * Runs a container.
 *
 * @param sys the syscall surface
 * @param opts the options
 * @returns the exit code for runc: the container's, or 0 when detached
 */
export async function runContainer(sys: Sys, opts: RunOptions): Promise<number> {
  const foreground = !opts.detach;
  if (foreground && !opts.noSubreaper) sys.setSubreaper(true);
  let host: HostConsole | undefined;
  const { state, consoleFd } = await createContainer(sys, {
    ...opts,
    foreground,
    // Found before anything is created, so a missing terminal leaves nothing behind.
    onForegroundTerminal: () => (host = findHostConsole(sys)),
  });
  try {
    await startContainer(sys, opts.root, opts.id);
  } catch (e) {
    await deleteContainer(sys, opts.root, opts.id, true, waitChild(sys)).catch(() => {});
    throw e;
  }
  logPhase("run: started");
  if (!foreground) return 0;
  const status = await waitForeground(
    sys,
    state.initPid,
    consoleFd !== undefined && host ? { master: consoleFd, host } : undefined,
  );
  logPhase("run: exited");
  if (!opts.keep) await deleteContainer(sys, opts.root, opts.id, true, waitChild(sys));
  logPhase("run: deleted");
  return exitCodeOf(status);
}

/** Reaps a container init that is our own child (it was cloned with CLONE_PARENT). */
function waitChild(sys: Sys): (pid: number) => Promise<void> {
  return async (pid) => {
    try {
      await sys.waitpid(pid);
    } catch { /* already reaped */ }
  };
}
