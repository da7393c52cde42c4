/**
 * ffi/libc.ts binds each symbol without Deno's fast-call trampoline, by
 * declaring a scalar result as a one-field struct: the values callers get must
 * be the ones a plain binding gives, for every result type the bindings use.
 */
import { anonymousFile, lazySymbols } from "../../ffi/libc.ts";
import { assert, assertEquals } from "./_assert.ts";

const DEFS = {
  getpid: { parameters: [], result: "i32" },
  umask: { parameters: ["u32"], result: "u32" },
  strlen: { parameters: ["buffer"], result: "usize" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  getenv: { parameters: ["buffer"], result: "pointer" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

const cstr = (s: string) => new TextEncoder().encode(`${s}\0`);

Deno.test("lazySymbols: i32, u32, usize, i64, isize and pointer results read back as a plain binding gives them", () => {
  const lazy = lazySymbols(() => "libc.so.6", DEFS);
  const plain = Deno.dlopen("libc.so.6", DEFS).symbols;

  assertEquals(lazy.getpid(), Deno.pid);
  assertEquals(lazy.getpid(), plain.getpid());

  const old = lazy.umask(0o027);
  assertEquals(plain.umask(old), 0o027);

  assertEquals(lazy.strlen(cstr("container")), 9);
  assertEquals(typeof lazy.strlen(cstr("")), "number");

  // A negative 64-bit result (an error) keeps its sign, as a number.
  assertEquals(lazy.lseek(-1, 0n, 0), -1);
  assertEquals(lazy.write(-1, cstr("x"), 1n), -1);

  // An offset past 2^32 comes back whole.
  const file = anonymousFile("ffi-bind-test");
  try {
    assertEquals(lazy.lseek(file.fd, 2n ** 33n, 0), 2 ** 33);
  } finally {
    file.close();
  }
  assertEquals(lazy.close(-1), -1);

  assertEquals(lazy.getenv(cstr("RUNC_FFI_BIND_TEST_UNSET")), null);
  const p = lazy.getenv(cstr("PATH"));
  assert(p !== null, "getenv(PATH) is a pointer");
  assertEquals(
    Deno.UnsafePointer.value(p),
    Deno.UnsafePointer.value(plain.getenv(cstr("PATH"))),
  );
  assertEquals(new Deno.UnsafePointerView(p).getCString(), Deno.env.get("PATH"));
});
