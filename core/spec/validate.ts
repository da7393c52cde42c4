/**
 * Validation of a decoded config.json, as a list of named checks with warnings
 * kept apart, in the order runc 1.1 meets the same problems: its `loadSpec`
 * (process), its spec conversion (`libcontainer/specconv`), its validator
 * (`libcontainer/configs/validate`), then process start (rlimits, capabilities).
 * The first failing check throws a {@linkcode SpecError} whose message is runc's
 * text where runc has one.
 *
 * Deliberate differences from runc 1.1.5, all refusing what is unsafe or what
 * the spec says MUST fail:
 * - `domainname` without a new UTS namespace is refused (runc 1.1.5 ignores
 *   `domainname` altogether; runc 1.2 refuses it the same way);
 * - non-empty `linux.uidMappings`/`gidMappings` without a user namespace are
 *   refused with runc's validator text (runc 1.1.5 drops them silently);
 * - duplicate rlimit types are refused (runtime-spec: MUST generate an error);
 * - a NUL byte in a namespace or device path is refused;
 * - a rootfs that is not a directory is refused here rather than at fork;
 * - extra warnings: empty `ociVersion`, `consoleSize` without `terminal`.
 *
 * @module
 */

import type { Check, ValidateContext } from "./_check.ts";
import {
  cgroupsCheck,
  devicesCheck,
  mountsCheck,
  namespacesCheck,
  propagationCheck,
  rootCheck,
  seccompCheck,
  userMappingsCheck,
} from "./_checks_convert.ts";
import {
  capabilitiesCheck,
  consoleCheck,
  ociVersionCheck,
  processCheck,
  rlimitsCheck,
} from "./_checks_process.ts";
import {
  cgroupNamespaceCheck,
  hostnameCheck,
  intelRdtCheck,
  rootfsCheck,
  rootlessCheck,
  securityCheck,
  sysctlCheck,
  systemdCheck,
  unifiedCheck,
  userNamespaceCheck,
} from "./_checks_validate.ts";
import { mountDestinationsCheck } from "./_checks_mount.ts";
import { goQuote } from "./_go.ts";
import { SpecError } from "./errors.ts";
import type { Spec } from "./types.ts";

export type { Check, HostFacts, ValidateContext } from "./_check.ts";
export { rootfsPath, sysctlDotted } from "./_check.ts";
export { checkProcessLabels } from "./_checks_process.ts";
export { SECCOMP_ACTIONS, SECCOMP_ARCHS, SECCOMP_OPERATORS } from "./seccomp_names.ts";

/** The result of {@linkcode validateSpec}. */
export interface ValidationResult {
  /** Warnings, in check order; runc prints these at level=warning. */
  warnings: string[];
}

/** Every check, in the order runc meets the same problems. */
export const CHECKS: readonly Check[] = [
  processCheck,
  consoleCheck,
  ociVersionCheck,
  rootCheck,
  mountsCheck,
  devicesCheck,
  cgroupsCheck,
  propagationCheck,
  namespacesCheck,
  userMappingsCheck,
  seccompCheck,
  unifiedCheck,
  rootfsCheck,
  hostnameCheck,
  securityCheck,
  userNamespaceCheck,
  cgroupNamespaceCheck,
  sysctlCheck,
  intelRdtCheck,
  rootlessCheck,
  systemdCheck,
  mountDestinationsCheck,
  rlimitsCheck,
  capabilitiesCheck,
];

/**
 * Runs one check by name.
 *
 * @param name A name from {@linkcode CHECKS}.
 * @param spec The decoded spec.
 * @param ctx The bundle and host context.
 * @returns The check's warnings.
 * @throws {SpecError} When the check refuses the spec, or the name is unknown.
 */
export function runCheck(name: string, spec: Spec, ctx: ValidateContext): string[] {
  const check = CHECKS.find((c) => c.name === name);
  if (check === undefined) throw new SpecError(`unknown spec check ${goQuote(name)}`);
  return check.run(spec, ctx);
}

/**
 * Runs every check in order; the first refusal throws. Warnings met before a
 * refusal are not lost: they go to `onWarning` as they come (runc prints them
 * before its error) and are also kept on the error's `warnings`.
 *
 * @param spec A spec from {@linkcode decodeSpec} (or built in code).
 * @param ctx The bundle directory, runc's flags that matter, host facts.
 * @param onWarning Called with each warning, in order, as soon as it is found.
 * @returns The warnings of all checks.
 * @throws {SpecError} Naming the field, with runc's message where runc has one.
 * @example
 * ```ts
 * const { warnings } = validateSpec(spec, { bundleDir: "/containers/web" });
 * for (const w of warnings) console.error(`level=warning msg="${w}"`);
 * ```
 */
export function validateSpec(
  spec: Spec,
  ctx: ValidateContext,
  onWarning?: (message: string) => void,
): ValidationResult {
  const warnings: string[] = [];
  for (const check of CHECKS) {
    let found: string[];
    try {
      found = check.run(spec, ctx);
    } catch (err) {
      if (err instanceof SpecError) err.warnings.push(...warnings);
      throw err;
    }
    for (const w of found) {
      warnings.push(w);
      onWarning?.(w);
    }
  }
  return { warnings };
}
