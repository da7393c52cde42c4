/**
 * The version this runtime reports. `runc --version` and the VERSION section
 * of `runc --help` print {@linkcode versionLines}.
 *
 * @module
 */

/** The runc release whose command line and behaviour this runtime follows. */
export const VERSION = "1.1.5";

/**
 * The placeholder `make build` replaces with the git commit in the bundle (a
 * string literal, which minification keeps as it is).
 */
const COMMIT_STAMP: string = "@@RUNC_COMMIT@@";

/** The source commit, or "" where the build stamped none. */
export const COMMIT: string = COMMIT_STAMP.startsWith("@@") ? "" : COMMIT_STAMP;

/** The OCI runtime-spec version of the generated and accepted configs. */
export const SPEC_VERSION = "1.0.2-dev";

/**
 * runc's version block, with `go:` replaced by `deno:`; the libseccomp line
 * appears only when libseccomp.so.2 can be loaded. Imports the FFI binding
 * lazily: only the version and help paths pay for it.
 *
 * @returns `1.1.5\ncommit: ...\nspec: 1.0.2-dev\ndeno: 2.x\nlibseccomp: 2.5.4`
 */
export async function versionLines(): Promise<string> {
  const lines = [
    VERSION,
    // runc leaves the commit line out when it was built without one.
    ...(COMMIT ? [`commit: ${COMMIT}`] : []),
    `spec: ${SPEC_VERSION}`,
    `deno: ${Deno.version.deno}`,
  ];
  try {
    const { libseccompVersion } = await import("../ffi/libseccomp.ts");
    const v = libseccompVersion();
    if (v !== undefined) lines.push(`libseccomp: ${v}`);
  } catch {
    // No binding or no library: runc omits the line when libseccomp is absent.
  }
  return lines.join("\n");
}
