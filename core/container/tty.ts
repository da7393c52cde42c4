/**
 * The container's terminal on the caller's side: runc's checks of
 * --console-socket, where the pty master goes (the console socket, or kept),
 * and, when runc stays in the foreground (`run` or `exec -t` without
 * --console-socket), the caller's terminal found as runc does, put in raw
 * mode, the container's pty kept the same size, and both copied until the
 * container's side closes.
 *
 * @module
 */
import type { Sys } from "../os/sys.ts";
import { StateError } from "../state/state.ts";
import { absPath } from "../os/path.ts";

/**
 * runc's checkTerminal: a detached container with a terminal needs a console
 * socket, and a console socket needs a detached container with a terminal.
 *
 * @param terminal process.terminal
 * @param detach the command returns before the container ends (create, run -d, exec -d)
 * @param consoleSocket --console-socket
 */
export function checkTerminal(terminal: boolean, detach: boolean, consoleSocket?: string): void {
  if (detach && terminal && !consoleSocket) {
    throw new StateError("cannot allocate tty if runc will detach without setting console socket");
  }
  if ((!detach || !terminal) && consoleSocket) {
    throw new StateError("cannot use console socket if runc will not detach or allocate tty");
  }
}

/**
 * What to do with the pty master the init sends: pass it to the console
 * socket (then close ours), or keep it for the foreground relay.
 *
 * @param sys the syscall surface
 * @param consoleSocket --console-socket
 * @param keep takes the master when there is no console socket
 */
export function consoleHandler(
  sys: Sys,
  consoleSocket: string | undefined,
  keep: (fd: number) => void,
): (fd: number) => void {
  return (fd) => {
    if (!consoleSocket) return keep(fd);
    try {
      sys.sendFd(absPath(consoleSocket), "/dev/ptmx", fd);
    } finally {
      sys.close(fd);
    }
  };
}

/** The caller's terminal: one of stderr, stdout, stdin, or /dev/tty. */
export interface HostConsole {
  fd: number;
  /** The fd was opened here (/dev/tty) and is closed with the relay. */
  opened: boolean;
}

/**
 * Finds the caller's terminal as runc's initHostConsole does.
 *
 * @param sys the syscall surface
 * @returns the terminal
 * @throws StateError `open /dev/tty: no such device or address` when there is none
 */
export function findHostConsole(sys: Sys): HostConsole {
  for (const fd of [2, 1, 0]) if (sys.isatty(fd)) return { fd, opened: false };
  try {
    return { fd: sys.openTty(), opened: true };
  } catch (e) {
    throw new StateError((e as Error).message);
  }
}

/** A running relay between the caller's terminal and the container's pty. */
export interface Relay {
  /** Resolves when the container's side of the pty has closed and all output is copied. */
  done: Promise<void>;
  /** Puts the caller's terminal back as it was. */
  restore(): void;
}

/**
 * Starts copying between our stdio and the pty master, with the caller's
 * terminal raw and SIGWINCH forwarded as a resize.
 *
 * @param sys the syscall surface
 * @param host the caller's terminal
 * @param master the pty master the init sent
 */
export function startRelay(sys: Sys, host: HostConsole, master: number): Relay {
  let restoreRaw: (() => void) | undefined;
  try {
    restoreRaw = sys.makeRaw(host.fd);
  } catch { /* not a terminal we may change: copy anyway */ }
  const resize = () => {
    const size = sys.getWinsize(host.fd);
    if (size && size.rows > 0 && size.cols > 0) {
      try {
        sys.setWinsize(master, size.rows, size.cols);
      } catch { /* the container is gone */ }
    }
  };
  resize();
  const onWinch = () => resize();
  Deno.addSignalListener("SIGWINCH", onWinch);
  const done = sys.ptyRelay(master, 0, 1).finally(() => {
    Deno.removeSignalListener("SIGWINCH", onWinch);
  });
  return {
    done,
    restore() {
      restoreRaw?.();
      if (host.opened) sys.close(host.fd);
    },
  };
}
