/**
 * Signal names and numbers as `runc kill` accepts them: `KILL`, `SIGKILL` or `9`.
 *
 * @module
 */
import { StateError } from "../state/state.ts";
import { kill } from "../../ffi/libc.ts";

/** Linux signal numbers (x86_64 and aarch64 share them). */
export const SIGNALS: Record<string, number> = {
  SIGABRT: 6,
  SIGALRM: 14,
  SIGBUS: 7,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGFPE: 8,
  SIGHUP: 1,
  SIGILL: 4,
  SIGINT: 2,
  SIGIO: 29,
  SIGKILL: 9,
  SIGPIPE: 13,
  SIGPROF: 27,
  SIGPWR: 30,
  SIGQUIT: 3,
  SIGSEGV: 11,
  SIGSTKFLT: 16,
  SIGSTOP: 19,
  SIGSYS: 31,
  SIGTERM: 15,
  SIGTRAP: 5,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGVTALRM: 26,
  SIGWINCH: 28,
  SIGXCPU: 24,
  SIGXFSZ: 25,
};

/**
 * Parses a signal as runc does.
 *
 * @param s e.g. `KILL`, `SIGKILL`, `9`
 * @returns the signal name Deno.kill takes
 * @throws StateError `unknown signal "X"`
 */
export function parseSignal(s: string): Deno.Signal {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    const name = Object.keys(SIGNALS).find((k) => SIGNALS[k] === n);
    if (!name) throw new StateError(`unknown signal "${s}"`);
    return name as Deno.Signal;
  }
  const name = s.toUpperCase().startsWith("SIG") ? s.toUpperCase() : `SIG${s.toUpperCase()}`;
  if (!(name in SIGNALS)) throw new StateError(`unknown signal "${s}"`);
  return name as Deno.Signal;
}

/**
 * Sends a signal (kill(2) through libc; see ffi/libc.ts for why not Deno.kill).
 *
 * @param pid the process
 * @param sig the signal's name
 * @throws SyscallError when kill fails (the process is gone: ESRCH)
 */
export function signalProcess(pid: number, sig: Deno.Signal): void {
  const n = SIGNALS[sig];
  if (n === undefined) throw new StateError(`unknown signal "${sig}"`);
  kill(pid, n);
}

/**
 * The exit code a shell would show for a raw wait status: the exit code, or
 * 128 + N when killed by signal N.
 */
export function exitCodeOf(status: number): number {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : 128 + sig;
}
