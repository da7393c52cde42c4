/**
 * A minimal binding of libseccomp (`libseccomp.so.2`), opened lazily with
 * Deno.dlopen on first use and never linked: the runtime works without it, with
 * seccomp reported as unavailable.
 *
 * Only the version queries are bound for now.
 *
 * @module
 */

const SYMBOLS = {
  // const struct scmp_version *seccomp_version(void);
  seccomp_version: { parameters: [], result: "pointer" },
  // unsigned int seccomp_api_get(void);
  seccomp_api_get: { parameters: [], result: "u32" },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>;

let lib: Lib | null | undefined;

/** The library, or null when it (or FFI permission) is missing. Opened once. */
function open(): Lib | null {
  if (lib === undefined) {
    try {
      lib = Deno.dlopen("libseccomp.so.2", SYMBOLS);
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
