/**
 * The error of a container whose init could not be started, worded as runc
 * words it (`unable to start container process: ...`); thrown by the planner
 * and by the handshake with the stub (stub.ts).
 *
 * @module
 */

/** A failure of the init program; the message says which step failed. */
export class InitError extends Error {
  /** @param message e.g. `mount proc to /proc: operation not permitted` */
  constructor(message: string) {
    super(`unable to start container process: ${message}`);
    this.name = "InitError";
  }
}
