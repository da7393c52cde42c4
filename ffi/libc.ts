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
 * The one-field struct each scalar result is declared as, and how to read the
 * value back from the struct's bytes (see {@linkcode lazySymbols}).
 */
const AS_STRUCT: Readonly<Record<string, [Deno.NativeStructType, (b: DataView) => unknown]>> = {
  i32: [{ struct: ["i32"] }, (b) => b.getInt32(0, true)],
  u32: [{ struct: ["u32"] }, (b) => b.getUint32(0, true)],
  i64: [{ struct: ["i64"] }, (b) => int64(b.getBigInt64(0, true))],
  isize: [{ struct: ["isize"] }, (b) => int64(b.getBigInt64(0, true))],
  u64: [{ struct: ["u64"] }, (b) => int64(b.getBigUint64(0, true))],
  usize: [{ struct: ["usize"] }, (b) => int64(b.getBigUint64(0, true))],
  pointer: [{ struct: ["pointer"] }, (b) => Deno.UnsafePointer.create(b.getBigUint64(0, true))],
};

/** A 64-bit result as Deno gives it: a number when it is exact, else a bigint. */
function int64(v: bigint): number | bigint {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/**
 * Binds one symbol without Deno's fast-call trampoline. Deno compiles one with
 * Cranelift for every synchronous symbol whose parameters and result are not
 * structs: 0.2 to 0.9 ms each, and the first also sets Cranelift up. A CLI
 * call makes a few calls of each symbol, where the trampoline would save
 * nanoseconds. So a scalar result is declared as the one-field struct it is
 * returned as in both ABIs we build for (in rax on x86_64 SysV, in x0 on
 * aarch64, for any struct of up to 16 bytes of integers), which makes Deno
 * take its general call path, and the value is read back from the bytes.
 * Binding a libc symbol this way took 0.08 to 0.15 ms against 0.2 to 0.9,
 * and `run`'s peak RSS fell by 1.6 MiB (Cranelift is never set up).
 * tests/unit/ffi_bind_test.ts checks the values against a plain binding, on
 * x86_64 and (make test-dist) on aarch64 under qemu-user. Non-blocking
 * symbols never get a trampoline and stay as they are; so do void results.
 */
function bindOne(where: string, name: string, def: Deno.ForeignFunction): unknown {
  const plain = def.nonblocking === true ? undefined : AS_STRUCT[def.result as string];
  if (plain === undefined) return Deno.dlopen(where, { [name]: def }).symbols[name];
  const [result, read] = plain;
  const fn = Deno.dlopen(where, { [name]: { ...def, result } }).symbols[name] as (
    ...args: unknown[]
  ) => Uint8Array<ArrayBuffer>;
  return (...args: unknown[]) => {
    const r = fn(...args);
    return read(new DataView(r.buffer, r.byteOffset, r.byteLength));
  };
}

/**
 * A library's symbols, each bound on its first use (and without a fast-call
 * trampoline: {@linkcode bindOne}). A command calls only a few of a library's
 * symbols; a library already loaded is found again by its path, so each late
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
        const fn = bindOne(where, name, defs[name] as Deno.ForeignFunction);
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
