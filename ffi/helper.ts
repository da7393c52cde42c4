/**
 * The C helpers, loaded from sealed memfds: libruncffi (Deno.dlopen) and the
 * init stub (executed as /proc/self/fd/N). Both come from the bundle
 * (ffi/_blobs.gen.ts, made by the build), never from a file a container could
 * reach.
 *
 * @module
 */
import { ffiHelper, initStub } from "./_blobs.gen.ts";
import { kill, lazySymbols, sealedMemfd, SyscallError } from "./libc.ts";
import type { Libseccomp, Sys } from "../core/os/sys.ts";

const SYMBOLS = {
  rh_socketpair: { parameters: ["buffer", "i32"], result: "i32" },
  rh_send: { parameters: ["i32", "buffer", "usize"], result: "i64" },
  rh_recv: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer"],
    result: "i64",
    nonblocking: true,
  },
  rh_send_fd: { parameters: ["buffer", "buffer", "i32"], result: "i32" },
  rh_set_winsize: { parameters: ["i32", "i32", "i32"], result: "i32" },
  rh_get_winsize: { parameters: ["i32", "buffer"], result: "i32" },
  rh_tty_raw: { parameters: ["i32", "buffer"], result: "i32" },
  rh_tty_restore: { parameters: ["i32", "buffer"], result: "i32" },
  rh_isatty: { parameters: ["i32"], result: "i32" },
  rh_open_tty: { parameters: [], result: "i32" },
  rh_pty_relay: { parameters: ["i32", "i32", "i32"], result: "i32", nonblocking: true },
  rh_spawn: { parameters: ["buffer", "i32", "buffer"], result: "i32" },
  rh_waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32", nonblocking: true },
  rh_close: { parameters: ["i32"], result: "i32" },
  rh_set_subreaper: { parameters: ["i32"], result: "i32" },
  rh_mkfifo: { parameters: ["buffer", "i32"], result: "i32" },
  rh_unixgram_bind: { parameters: ["buffer"], result: "i32" },
  rh_unixgram_send: { parameters: ["buffer", "buffer", "usize"], result: "i64" },
  rh_bpf_dev_attach: { parameters: ["buffer", "buffer", "i32", "buffer", "i32"], result: "i32" },
  rh_bpf_dev_query: { parameters: ["buffer", "buffer", "i32"], result: "i32" },
  rh_oom_eventfd: { parameters: ["buffer"], result: "i32" },
  rh_eventfd_wait: { parameters: ["i32", "i32", "buffer"], result: "i32", nonblocking: true },
  rh_write_each: {
    parameters: ["buffer", "i32", "buffer", "usize", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  rh_open: { parameters: ["buffer", "i32", "i32"], result: "i32" },
  rh_mount: { parameters: ["buffer", "buffer", "buffer", "i64", "buffer"], result: "i32" },
  rh_umount: { parameters: ["buffer", "i32"], result: "i32" },
  rh_write: { parameters: ["i32", "buffer", "usize"], result: "i64" },
  rh_fd_flags: { parameters: ["i32"], result: "i32" },
} as const;

let stubFd: number | undefined;

// The helper is written to its memfd when the first symbol is used.
const symbols = lazySymbols(
  () => `/proc/self/fd/${sealedMemfd("runc-ffi", Uint8Array.fromBase64(ffiHelper()))}`,
  SYMBOLS,
);

function helper() {
  return symbols;
}

function cstr(s: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${s}\0`);
}

function check(call: string, r: number | bigint): number {
  const n = Number(r);
  if (n < 0) throw new SyscallError(call, -n);
  return n;
}

/** The syscall surface core/ uses, backed by libruncffi. */
export const ffiSys: Sys = {
  spawnInitStub(syncFd: number, cwd: string): number {
    stubFd ??= sealedMemfd("runc-init", Uint8Array.fromBase64(initStub()));
    const path = `/proc/self/fd/${stubFd}`;
    return check(
      `spawn runc-init in ${cwd}`,
      helper().rh_spawn(cstr(path), syncFd, cstr(cwd)),
    );
  },
  socketpair(inheritable = false): [number, number] {
    const fds = new Int32Array(2);
    check("socketpair", helper().rh_socketpair(fds, inheritable ? 1 : 0));
    return [fds[0]!, fds[1]!];
  },
  send(fd: number, bytes: Uint8Array<ArrayBuffer>): void {
    check("send", helper().rh_send(fd, bytes, BigInt(bytes.length)));
  },
  async recv(fd: number, buf: Uint8Array<ArrayBuffer>, timeoutMs: number): Promise<number> {
    const { n, fd: passed } = await ffiSys.recvWithFd(fd, buf, timeoutMs);
    if (passed >= 0) helper().rh_close(passed);
    return n;
  },
  async recvWithFd(
    fd: number,
    buf: Uint8Array<ArrayBuffer>,
    timeoutMs: number,
  ): Promise<{ n: number; fd: number }> {
    const out = new Int32Array(1);
    const n = check("recv", await helper().rh_recv(fd, buf, BigInt(buf.length), timeoutMs, out));
    return { n, fd: out[0]! };
  },
  sendFd(path: string, name: string, fd: number): void {
    check(`send an fd to ${path}`, helper().rh_send_fd(cstr(path), cstr(name), fd));
  },
  setWinsize(fd: number, rows: number, cols: number): void {
    check("set the terminal size", helper().rh_set_winsize(fd, rows, cols));
  },
  getWinsize(fd: number): { rows: number; cols: number } | undefined {
    const out = new Int32Array(2);
    return helper().rh_get_winsize(fd, out) < 0 ? undefined : { rows: out[0]!, cols: out[1]! };
  },
  makeRaw(fd: number): () => void {
    const saved = new Uint8Array(64);
    check("make the terminal raw", helper().rh_tty_raw(fd, saved));
    return () => void helper().rh_tty_restore(fd, saved);
  },
  openTty(): number {
    return check("open /dev/tty", helper().rh_open_tty());
  },
  isatty(fd: number): boolean {
    return helper().rh_isatty(fd) === 1;
  },
  async ptyRelay(master: number, inFd: number, outFd: number): Promise<void> {
    check("copy the terminal", await helper().rh_pty_relay(master, inFd, outFd));
  },
  async waitpid(pid: number, flags = 0): Promise<{ pid: number; status: number }> {
    const st = new Int32Array(1);
    const r = check("waitpid", await helper().rh_waitpid(pid, st, flags));
    return { pid: r, status: st[0]! };
  },
  close(fd: number): void {
    check("close", helper().rh_close(fd));
  },
  mkfifo(path: string, mode: number): void {
    check(`mkfifo ${path}`, helper().rh_mkfifo(cstr(path), mode));
  },
  unixgramBind(path: string): number {
    return check(`bind ${path}`, helper().rh_unixgram_bind(cstr(path)));
  },
  unixgramSend(path: string, bytes: Uint8Array<ArrayBuffer>): void {
    check(`send to ${path}`, helper().rh_unixgram_send(cstr(path), bytes, BigInt(bytes.length)));
  },
  setSubreaper(on: boolean): void {
    check("prctl(PR_SET_CHILD_SUBREAPER)", helper().rh_set_subreaper(on ? 1 : 0));
  },
  bpfDeviceFilter(dir: string, insns: Uint8Array<ArrayBuffer>): void {
    const log = new Uint8Array(65536);
    const r = helper().rh_bpf_dev_attach(cstr(dir), insns, insns.length / 8, log, log.length);
    if (r < 0) {
      const text = new TextDecoder().decode(log.subarray(0, log.indexOf(0))).trim();
      const err = new SyscallError(`bpf device filter on ${dir}`, -r);
      if (text) err.message += `: verifier log: ${text}`;
      throw err;
    }
  },
  bpfDevicePrograms(dir: string): number[] {
    const ids = new Uint32Array(64);
    const n = check(`bpf query ${dir}`, helper().rh_bpf_dev_query(cstr(dir), ids, ids.length));
    return [...ids.subarray(0, Math.min(n, ids.length))];
  },
  oomEventFd(dir: string): number {
    return check(`register OOM event for ${dir}`, helper().rh_oom_eventfd(cstr(dir)));
  },
  async eventfdWait(fd: number, timeoutMs: number): Promise<boolean> {
    const value = new BigUint64Array(1);
    return check("eventfd read", await helper().rh_eventfd_wait(fd, timeoutMs, value)) === 1;
  },
  async writeEach(paths: readonly string[], value: string): Promise<number[]> {
    const nul = paths.find((p) => p.includes("\0"));
    if (nul !== undefined) throw new SyscallError(`open ${JSON.stringify(nul)}`, 22);
    const errs = new Int32Array(paths.length);
    const bytes = new TextEncoder().encode(value);
    await helper().rh_write_each(
      cstr(paths.join("\0")),
      paths.length,
      bytes,
      BigInt(bytes.length),
      errs,
    );
    return [...errs];
  },
  open(path: string, flags: number, mode = 0): number {
    return check(`open ${path}`, helper().rh_open(cstr(path), flags, mode));
  },
  mount(source: string, target: string, fstype: string, flags: number, data = ""): void {
    check(
      `mount ${source} to ${target}`,
      helper().rh_mount(cstr(source), cstr(target), cstr(fstype), BigInt(flags), cstr(data)),
    );
  },
  umount(target: string, flags: number): void {
    check(`unmount ${target}`, helper().rh_umount(cstr(target), flags));
  },
  write(fd: number, bytes: Uint8Array<ArrayBuffer>): number {
    return check("write", helper().rh_write(fd, bytes, BigInt(bytes.length)));
  },
  fdFlags(fd: number): number {
    return check(`fcntl(${fd}, F_GETFL)`, helper().rh_fd_flags(fd));
  },
  kill(pid: number, signo: number): void {
    kill(pid, signo);
  },
  async libseccomp(): Promise<Libseccomp | undefined> {
    const { libseccomp } = await import("./libseccomp.ts");
    return libseccomp();
  },
};
