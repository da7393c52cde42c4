/**
 * The syscall surface of core/: what it needs beyond Deno's own APIs.
 * ffi/helper.ts implements it with the C helper; tests hand core/ a fake, so
 * everything core/ does to processes, sockets and mounts can be recorded.
 * This is the bottom layer: it imports nothing of the project.
 *
 * @module
 */

/**
 * The syscalls the cgroup code needs beyond the file system (bound in
 * ffi/helper.ts from csrc/ffi_cgroup.c); Sys extends it.
 */
export interface CgroupSys {
  /**
   * Loads a BPF_PROG_TYPE_CGROUP_DEVICE program and attaches it to a cgroup
   * v2 directory in place of the device programs attached before.
   *
   * @param dir the cgroup v2 directory
   * @param insns the program, 8 bytes per instruction (v2/bpf.ts)
   * @throws Error naming bpf(2) and, when the verifier refused it, its log
   */
  bpfDeviceFilter(dir: string, insns: Uint8Array<ArrayBuffer>): void;
  /** The ids of the device programs attached to a cgroup v2 directory. */
  bpfDevicePrograms(dir: string): number[];
  /** An eventfd the kernel signals on OOM in the v1 memory cgroup at dir. */
  oomEventFd(dir: string): number;
  /** Waits up to timeoutMs (-1: forever) for an eventfd; true when it fired. */
  eventfdWait(fd: number, timeoutMs: number): Promise<boolean>;
  /**
   * Writes value to each file in turn, one write(2) each, off the main
   * thread (the first cgroup.procs write can wait in the kernel for an RCU
   * grace period). A failure does not stop the writes that follow.
   *
   * @returns per file, 0, the errno of its write, or minus the errno of its open
   */
  writeEach(paths: readonly string[], value: string): Promise<number[]>;
}

/** The syscall surface of the lifecycle code. */
export interface Sys extends CgroupSys {
  /**
   * Starts the init stub (from a sealed memfd) with its end of the sync
   * socket (inherited by it alone) and that fd's number as its argument, in
   * cwd, with an empty environment and the CLI's stdio; returns its pid (a
   * child to waitpid).
   */
  spawnInitStub(syncFd: number, cwd: string): number;
  /**
   * A SOCK_SEQPACKET pair [ours, the child's], both close-on-exec unless the
   * child's is to be inherited by a process not started with spawnInitStub
   * (criu swrk).
   */
  socketpair(inheritable?: boolean): [number, number];
  /** Sends one message. */
  send(fd: number, bytes: Uint8Array<ArrayBuffer>): void;
  /** Receives one message into buf; 0 at EOF; throws ETIMEDOUT after timeoutMs (-1: never). */
  recv(fd: number, buf: Uint8Array<ArrayBuffer>, timeoutMs: number): Promise<number>;
  /** Like recv, and returns an fd passed with SCM_RIGHTS (-1 when none). */
  recvWithFd(
    fd: number,
    buf: Uint8Array<ArrayBuffer>,
    timeoutMs: number,
  ): Promise<{ n: number; fd: number }>;
  /** Sends fd over the unix stream socket at path, with name as payload (console sockets). */
  sendFd(path: string, name: string, fd: number): void;
  /** TIOCSWINSZ */
  setWinsize(fd: number, rows: number, cols: number): void;
  /** TIOCGWINSZ, or undefined when fd is not a terminal. */
  getWinsize(fd: number): { rows: number; cols: number } | undefined;
  /** Puts a terminal in raw mode; returns what restores it. */
  makeRaw(fd: number): () => void;
  /** Opens the controlling terminal, /dev/tty; throws a SyscallError naming it. */
  openTty(): number;
  /** isatty(3) */
  isatty(fd: number): boolean;
  /** Copies inFd (-1: none) to the pty master and the master to outFd until the container's side closes. */
  ptyRelay(master: number, inFd: number, outFd: number): Promise<void>;
  /** waitpid() on a child of this process; status is the raw wait status. */
  waitpid(pid: number, flags?: number): Promise<{ pid: number; status: number }>;
  close(fd: number): void;
  /** mkfifo(2). */
  mkfifo(path: string, mode: number): void;
  /** A unix datagram socket bound to path (mode 0777); returns its fd. */
  unixgramBind(path: string): number;
  /** Sends one datagram to the unix socket at path (`@name`: abstract). */
  unixgramSend(path: string, bytes: Uint8Array<ArrayBuffer>): void;
  /** prctl(PR_SET_CHILD_SUBREAPER). */
  setSubreaper(on: boolean): void;
  /** open(2) with the caller's flags (without O_CLOEXEC the fd is inherited); returns the fd. */
  open(path: string, flags: number, mode?: number): number;
  /** mount(2); an empty fstype or data is passed as NULL. */
  mount(source: string, target: string, fstype: string, flags: number, data?: string): void;
  /** umount2(2). */
  umount(target: string, flags: number): void;
  /** Writes all of bytes to a raw fd; returns the count. */
  write(fd: number, bytes: Uint8Array<ArrayBuffer>): number;
  /** fcntl(fd, F_GETFL). */
  fdFlags(fd: number): number;
  /** kill(2) with a signal number; throws a SyscallError (ESRCH when the process is gone). */
  kill(pid: number, signo: number): void;
  /** libseccomp, loaded on first use; undefined when the library is missing. */
  libseccomp(): Promise<Libseccomp | undefined>;
}

/** The parts of libseccomp the seccomp compiler uses (ffi/libseccomp.ts binds them). */
export interface Libseccomp {
  /** A filter context with this default action; a handle to release. */
  init(defaultAction: number): Deno.PointerValue;
  release(ctx: Deno.PointerValue): void;
  /** The token (AUDIT_ARCH value) of an architecture name such as `x86_64`; 0 when unknown. */
  archResolve(name: string): number;
  archNative(): number;
  /** 0 or -errno */
  archAdd(ctx: Deno.PointerValue, arch: number): number;
  /** The native number of a syscall, or -1 when libseccomp does not know it. */
  syscallResolve(name: string): number;
  /** The number of a syscall on an architecture, or a negative value. */
  syscallResolveArch(arch: number, name: string): number;
  /** 0 or -errno */
  attrSet(ctx: Deno.PointerValue, attr: number, value: number): number;
  /** 0 or -errno; conds: struct scmp_arg_cmp[] */
  ruleAdd(
    ctx: Deno.PointerValue,
    action: number,
    syscall: number,
    conds: Uint8Array<ArrayBuffer>,
    count: number,
  ): number;
  /** The BPF program of the filter. */
  exportBpf(ctx: Deno.PointerValue): Uint8Array;
  /** The library's API level (seccomp_api_get), 0 when it does not say. */
  apiLevel(): number;
}
