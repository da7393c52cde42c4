/**
 * Signal names and numbers as `runc kill` accepts them (`KILL`, `SIGKILL`,
 * `9`), wait statuses as a shell shows them, and sending a signal through the
 * syscall surface (so a test's fake sees it).
 *
 * @module
 */
import type { Sys } from "./sys.ts";

/** Linux signal numbers (x86_64 and aarch64 share them), as Go's unix.SignalNum knows them. */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGABRT: 6,
  SIGALRM: 14,
  SIGBUS: 7,
  SIGCHLD: 17,
  SIGCLD: 17,
  SIGCONT: 18,
  SIGFPE: 8,
  SIGHUP: 1,
  SIGILL: 4,
  SIGINT: 2,
  SIGIO: 29,
  SIGIOT: 6,
  SIGKILL: 9,
  SIGPIPE: 13,
  SIGPOLL: 29,
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

/** An error in what the user asked for, worded as runc words it. */
export class SignalError extends Error {
  /** @param message e.g. `unknown signal "FOO"` */
  constructor(message: string) {
    super(message);
    this.name = "SignalError";
  }
}

/**
 * Parses a signal as runc 1.1's kill does: a number is taken as it is (0
 * checks that the process exists), a name with or without `SIG` in any case.
 *
 * @param s e.g. `KILL`, `sigkill`, `9`, `0`
 * @returns the signal number
 * @throws SignalError `unknown signal "X"`
 */
export function parseSignal(s: string): number {
  // strconv.Atoi: an optional sign and decimal digits, within int's range.
  if (/^[+-]?\d+$/.test(s)) {
    const n = Number(s);
    if (Number.isSafeInteger(n)) return n;
  }
  const upper = s.toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  const n = SIGNALS[name];
  if (n === undefined) throw new SignalError(`unknown signal ${JSON.stringify(s)}`);
  return n;
}

/**
 * Sends a signal.
 *
 * @param sys the syscall surface
 * @param pid the process
 * @param signal a signal number, or a name from {@linkcode SIGNALS}
 * @throws SyscallError when kill(2) fails (the process is gone: ESRCH)
 */
export function signalProcess(sys: Pick<Sys, "kill">, pid: number, signal: number | string): void {
  const n = typeof signal === "number" ? signal : SIGNALS[signal];
  if (n === undefined) throw new SignalError(`unknown signal ${JSON.stringify(signal)}`);
  sys.kill(pid, n);
}

/**
 * The exit code a shell would show for a raw wait status: the exit code, or
 * 128 + N when killed by signal N.
 *
 * @param status a wait(2) status
 * @returns the exit code
 */
export function exitCodeOf(status: number): number {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : 128 + sig;
}
