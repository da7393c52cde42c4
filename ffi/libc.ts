/**
 * The libc calls the CLI needs before the helper library is loaded: making a
 * sealed memfd to load the helper and the init stub from.
 *
 * @module
 */

import { errnoText } from "../core/os/errno.ts";

const MFD_CLOEXEC = 1;
const MFD_ALLOW_SEALING = 2;
const F_ADD_SEALS = 1033;
const F_SEAL_SEAL = 1;
const F_SEAL_SHRINK = 2;
const F_SEAL_GROW = 4;
const F_SEAL_WRITE = 8;

/**
 * A library's symbols, each bound on its first use. Deno.dlopen compiles a
 * fast-call trampoline for every symbol it is given (about 0.2 ms each, the
 * largest part of a short command's FFI cost), while a command calls only a
 * few; a library already loaded is found again by its path, so each late
 * dlopen only adds the one symbol. Libraries are never closed.
 *
 * @param path the library's path, asked for once, at the first use
 * @param defs the symbols
 * @returns an object with the symbols as properties
 */
export function lazySymbols<const S extends Deno.ForeignLibraryInterface>(
  path: () => string,
  defs: S,
): Deno.DynamicLibrary<S>["symbols"] {
  let where: string | undefined;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(defs)) {
    Object.defineProperty(out, name, {
      configurable: true,
      enumerable: true,
      get() {
        where ??= path();
        const one = { [name]: defs[name] } as Deno.ForeignLibraryInterface;
        const fn = Deno.dlopen(where, one).symbols[name];
        Object.defineProperty(out, name, { value: fn, enumerable: true });
        return fn;
      },
    });
  }
  return out as Deno.DynamicLibrary<S>["symbols"];
}

const c = lazySymbols(() => "libc.so.6", {
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
});

/** The errno of the last failed libc call on this thread. */
export function errno(): number {
  const p = c.__errno_location();
  return p ? new Deno.UnsafePointerView(p).getInt32() : 0;
}

/** An error carrying the errno name, e.g. `memfd_create: EPERM (errno 1)`. */
export class SyscallError extends Error {
  /**
   * @param call the syscall that failed
   * @param code the positive errno
   */
  constructor(readonly call: string, readonly code: number) {
    super(`${call}: ${errnoText(code)}`);
    this.name = "SyscallError";
  }
}

/**
 * Copies bytes into a new sealed memfd and returns its fd (close-on-exec). The
 * content cannot change afterwards, so a process that reaches the file through
 * /proc/PID/exe or /proc/PID/fd cannot alter it.
 *
 * @param name shown in /proc/PID/fd links, e.g. `runc-init`
 * @param bytes the content
 * @returns the fd
 */
export function sealedMemfd(name: string, bytes: Uint8Array<ArrayBuffer>): number {
  const fd = c.memfd_create(new TextEncoder().encode(`${name}\0`), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) throw new SyscallError("memfd_create", errno());
  let off = 0;
  while (off < bytes.length) {
    const n = Number(c.write(fd, bytes.subarray(off), BigInt(bytes.length - off)));
    if (n <= 0) {
      const e = errno();
      c.close(fd);
      throw new SyscallError("write memfd", e);
    }
    off += n;
  }
  const seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  if (c.fcntl(fd, F_ADD_SEALS, seals) < 0) {
    const e = errno();
    c.close(fd);
    throw new SyscallError("seal memfd", e);
  }
  return fd;
}

/**
 * An unnamed file in memory (a memfd), for APIs that write to an fd.
 *
 * @param name shown in /proc/PID/fd links
 * @returns its fd, a path that reads it, and close
 */
export function anonymousFile(name: string): { fd: number; path: string; close(): void } {
  const fd = c.memfd_create(new TextEncoder().encode(`${name}\0`), MFD_CLOEXEC);
  if (fd < 0) throw new SyscallError("memfd_create", errno());
  return { fd, path: `/proc/self/fd/${fd}`, close: () => void c.close(fd) };
}

/**
 * kill(2). Not Deno.kill: its first use loads Deno's process module, which
 * costs a short command like `runc kill` 3 to 5 ms.
 *
 * @param pid the process
 * @param signo the signal number
 * @throws SyscallError `kill: no such process` and the like
 */
export function kill(pid: number, signo: number): void {
  if (c.kill(pid, signo) < 0) throw new SyscallError("kill", errno());
}
