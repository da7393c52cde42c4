/**
 * Staying with a container's process in the foreground (`run` and `exec`
 * without -d): forward the signals runc gets to it, relay its terminal, and
 * wait for it.
 *
 * @module
 */
import type { Sys } from "../os/sys.ts";
import { type HostConsole, startRelay } from "./tty.ts";
import { signalProcess } from "../os/signals.ts";

/** The signals forwarded to the container's process (runc forwards all it can catch). */
const FORWARDED: Deno.Signal[] = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGTERM",
  "SIGUSR1",
  "SIGUSR2",
  "SIGALRM",
  "SIGCONT",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGPWR",
  "SIGVTALRM",
  "SIGPROF",
  "SIGIO",
];

/** Forwards signals to pid until the returned function is called. */
export function forwardSignals(sys: Pick<Sys, "kill">, pid: number): () => void {
  const listeners: [Deno.Signal, () => void][] = [];
  for (const sig of FORWARDED) {
    const fn = () => {
      try {
        signalProcess(sys, pid, sig);
      } catch { /* it has exited */ }
    };
    try {
      Deno.addSignalListener(sig, fn);
      listeners.push([sig, fn]);
    } catch { /* this signal cannot be caught here */ }
  }
  return () => {
    for (const [sig, fn] of listeners) Deno.removeSignalListener(sig, fn);
  };
}

/** How long the terminal relay may go on after the process exits (others may hold the pty). */
const DRAIN_MS = 1000;

/**
 * Waits for a process of ours (cloned with CLONE_PARENT) in the foreground.
 *
 * @param sys the syscall surface
 * @param pid the process
 * @param tty the pty master and the caller's terminal, when it has a terminal
 * @returns the raw wait status
 */
export async function waitForeground(
  sys: Sys,
  pid: number,
  tty?: { master: number; host: HostConsole },
): Promise<number> {
  const stop = forwardSignals(sys, pid);
  const relay = tty ? startRelay(sys, tty.host, tty.master) : undefined;
  try {
    const { status } = await sys.waitpid(pid);
    if (relay) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        relay.done.catch(() => {}),
        new Promise((r) => (timer = setTimeout(r, DRAIN_MS))),
      ]);
      clearTimeout(timer);
    }
    return status;
  } finally {
    stop();
    relay?.restore();
    if (tty) sys.close(tty.master);
  }
}
