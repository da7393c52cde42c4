/**
 * The syscalls core/ needs beyond what Deno offers. ffi/helper.ts implements it
 * with the C helper; tests can hand core/ a fake.
 *
 * @module
 */

/** The syscall surface of the lifecycle code. */
export interface Sys {
  /** A path that executes the init stub (a sealed memfd). */
  initStubPath(): string;
  /** A SOCK_SEQPACKET pair: [ours (close-on-exec), the child's (inheritable)]. */
  socketpair(): [number, number];
  /** Sends one message. */
  send(fd: number, bytes: Uint8Array<ArrayBuffer>): void;
  /** Receives one message into buf; 0 at EOF; throws ETIMEDOUT after timeoutMs (-1: never). */
  recv(fd: number, buf: Uint8Array<ArrayBuffer>, timeoutMs: number): Promise<number>;
  /** waitpid() on a child of this process; status is the raw wait status. */
  waitpid(pid: number, flags?: number): Promise<{ pid: number; status: number }>;
  close(fd: number): void;
  /** Kernel features, as RH_HAVE_* bits of csrc/ffi_helper.h. */
  probe(): number;
  /** mkfifo(2). */
  mkfifo(path: string, mode: number): void;
  /** A unix datagram socket bound to path (mode 0777); returns its fd. */
  unixgramBind(path: string): number;
  /** Sends one datagram to the unix socket at path (`@name`: abstract). */
  unixgramSend(path: string, bytes: Uint8Array<ArrayBuffer>): void;
  /** prctl(PR_SET_CHILD_SUBREAPER). */
  setSubreaper(on: boolean): void;
}
