/**
 * A minimal binding of libseccomp (`libseccomp.so.2`), opened lazily with
 * Deno.dlopen on first use and never linked: the runtime works without it, with
 * seccomp reported as unavailable.
 *
 * Bound: the version queries, and what core/seccomp/compile.ts needs to build a
 * filter (`libseccomp`).
 *
 * @module
 */

import type { Libseccomp } from "../core/os/sys.ts";
import { anonymousFile, lazySymbols } from "./libc.ts";

const SYMBOLS = {
  // const struct scmp_version *seccomp_version(void);
  seccomp_version: { parameters: [], result: "pointer" },
  // unsigned int seccomp_api_get(void);
  seccomp_api_get: { parameters: [], result: "u32" },
  seccomp_init: { parameters: ["u32"], result: "pointer" },
  seccomp_release: { parameters: ["pointer"], result: "void" },
  seccomp_arch_resolve_name: { parameters: ["buffer"], result: "u32" },
  seccomp_arch_native: { parameters: [], result: "u32" },
  seccomp_arch_add: { parameters: ["pointer", "u32"], result: "i32" },
  seccomp_syscall_resolve_name: { parameters: ["buffer"], result: "i32" },
  seccomp_syscall_resolve_name_arch: { parameters: ["u32", "buffer"], result: "i32" },
  seccomp_attr_set: { parameters: ["pointer", "i32", "u32"], result: "i32" },
  seccomp_rule_add_array: {
    parameters: ["pointer", "u32", "i32", "u32", "buffer"],
    result: "i32",
  },
  seccomp_export_bpf: { parameters: ["pointer", "i32"], result: "i32" },
} as const;

type Lib = { symbols: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] };

let lib: Lib | null | undefined;

/**
 * The library, or null when it (or FFI permission) is missing. Opened once;
 * its symbols are bound as they are used (see lazySymbols).
 */
function open(): Lib | null {
  if (lib === undefined) {
    try {
      // Loads it (or throws), binding nothing: each symbol is bound on its first use.
      Deno.dlopen("libseccomp.so.2", {});
      lib = { symbols: lazySymbols(() => "libseccomp.so.2", SYMBOLS) };
    } catch {
      lib = null;
    }
  }
  return lib;
}

/**
 * The version of the libseccomp found at run time.
 *
 * @returns `major.minor.micro`, e.g. `2.5.4`, or undefined without libseccomp.
 * @example
 * ```ts
 * libseccompVersion(); // "2.5.4"
 * ```
 */
export function libseccompVersion(): string | undefined {
  const l = open();
  if (l === null) return undefined;
  const p = l.symbols.seccomp_version();
  if (p === null) return undefined;
  const v = new Deno.UnsafePointerView(p);
  return `${v.getUint32(0)}.${v.getUint32(4)}.${v.getUint32(8)}`;
}

/**
 * The libseccomp API level (1 to 6 for libseccomp 2.5; it tells which kernel
 * features the library can use, e.g. 5 for SCMP_ACT_NOTIFY, 6 for
 * SCMP_FLTATR_CTL_WAITKILL support).
 *
 * @returns The level, or undefined without libseccomp or when it reports 0.
 */
export function seccompApiLevel(): number | undefined {
  const l = open();
  if (l === null) return undefined;
  const level = l.symbols.seccomp_api_get();
  return level === 0 ? undefined : level;
}

const cstr = (s: string) => new TextEncoder().encode(`${s}\0`);

/**
 * libseccomp for the filter compiler, or undefined when the library is missing.
 *
 * @returns the binding
 */
export function libseccomp(): Libseccomp | undefined {
  const l = open();
  if (l === null) return undefined;
  const c = l.symbols;
  return {
    init: (action) => c.seccomp_init(action),
    release: (ctx) => c.seccomp_release(ctx),
    archResolve: (name) => c.seccomp_arch_resolve_name(cstr(name)),
    archNative: () => c.seccomp_arch_native(),
    archAdd: (ctx, arch) => c.seccomp_arch_add(ctx, arch),
    syscallResolve: (name) => c.seccomp_syscall_resolve_name(cstr(name)),
    syscallResolveArch: (arch, name) => c.seccomp_syscall_resolve_name_arch(arch, cstr(name)),
    attrSet: (ctx, attr, value) => c.seccomp_attr_set(ctx, attr, value),
    apiLevel: () => c.seccomp_api_get(),
    ruleAdd: (ctx, action, nr, conds, count) =>
      c.seccomp_rule_add_array(ctx, action, nr, count, conds),
    exportBpf(ctx) {
      // seccomp_export_bpf writes to an fd (libseccomp 2.5 has no in-memory export).
      const file = anonymousFile("seccomp-bpf");
      try {
        const r = c.seccomp_export_bpf(ctx, file.fd);
        if (r < 0) throw new Error(`seccomp_export_bpf: errno ${-r}`);
        return Deno.readFileSync(file.path);
      } finally {
        file.close();
      }
    },
  };
}
