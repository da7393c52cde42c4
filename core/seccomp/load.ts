/**
 * linux.seccomp made ready for the init stub: compiled with the libseccomp
 * found at run time. The compiler and the library are loaded only for configs
 * that have a filter.
 *
 * @module
 */
import type { Spec } from "../spec/types.ts";
import type { Sys } from "../os/sys.ts";
import type { CompiledFilter } from "./compile.ts";

/**
 * Compiles a config's filter.
 *
 * @param sys the syscall surface (it loads libseccomp)
 * @param spec the config
 * @returns the filter, or undefined when the config has none
 * @throws Error when libseccomp is missing, SeccompError when the profile is wrong
 */
export async function loadSeccomp(
  sys: Pick<Sys, "libseccomp">,
  spec: Spec,
): Promise<CompiledFilter | undefined> {
  const config = spec.linux?.seccomp;
  // No default action and no rules: seccomp is off, as in runc.
  if (!config || (config.defaultAction === "" && (config.syscalls ?? []).length === 0)) {
    return undefined;
  }
  const [{ compileSeccomp }, lib] = await Promise.all([
    import("./compile.ts"),
    sys.libseccomp(),
  ]);
  if (!lib) {
    throw new Error(
      "linux.seccomp is set but libseccomp.so.2 was not found (apt-get install libseccomp2)",
    );
  }
  return compileSeccomp(lib, config);
}
