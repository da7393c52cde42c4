/**
 * Checks of `process`: those runc makes when it loads config.json
 * (validateProcessSpec) and those it makes when it starts the process (rlimits,
 * capabilities).
 *
 * @module
 */

import { type Check, fail, host, type ValidateContext } from "./_check.ts";
import type { Process } from "./types.ts";
import { goQuote } from "./_go.ts";
import { capabilityNumber } from "./capabilities.ts";
import { rlimitNumber } from "./rlimits.ts";

/** runc's `validateProcessSpec` (utils_linux.go), run when the file is loaded. */
export const processCheck: Check = {
  name: "process",
  stage: "load",
  run(spec, ctx) {
    const p = spec.process;
    if (p === undefined) fail("process", "process property must not be empty", "process");
    if (p.cwd === "") fail("process", "Cwd property must not be empty", "process.cwd");
    if (!p.cwd.startsWith("/")) fail("process", "Cwd must be an absolute path", "process.cwd");
    if ((p.args ?? []).length === 0) fail("process", "args must not be empty", "process.args");
    checkProcessLabels(p, ctx);
    return [];
  },
};

/**
 * A process's AppArmor profile and SELinux label need that LSM on the host;
 * for the container's process and for every `exec` (whose flags may add them).
 *
 * @param p the process
 * @param ctx the host facts
 * @throws SpecError in runc's words
 */
export function checkProcessLabels(p: Process, ctx: Pick<ValidateContext, "host">): void {
  if ((p.apparmorProfile ?? "") !== "" && !host(ctx, "apparmorEnabled")) {
    fail(
      "process",
      "unable to apply apparmor profile: apparmor: config provided but apparmor not supported",
      "process.apparmorProfile",
    );
  }
  if ((p.selinuxLabel ?? "") !== "" && !host(ctx, "selinuxEnabled")) {
    fail(
      "process",
      "selinux label is specified in config, but selinux is disabled or not supported",
      "process.selinuxLabel",
    );
  }
}

/** `process.consoleSize` only means something with `process.terminal`. */
export const consoleCheck: Check = {
  name: "console",
  stage: "load",
  run(spec) {
    const p = spec.process;
    if (p?.consoleSize !== undefined && p.terminal !== true) {
      return ["process.consoleSize is ignored because process.terminal is not true"];
    }
    return [];
  },
};

/** runc accepts any ociVersion, even none; we warn about an empty one. */
export const ociVersionCheck: Check = {
  name: "ociVersion",
  stage: "load",
  run(spec) {
    if (spec.ociVersion === "") return ["ociVersion is missing or empty"];
    if (!/^1\.\d+\.\d+/.test(spec.ociVersion)) {
      return [`ociVersion ${goQuote(spec.ociVersion)} is not a 1.x version`];
    }
    return [];
  },
};

/** Known rlimit names (runc: at process start), each at most once (runtime-spec). */
export const rlimitsCheck: Check = {
  name: "rlimits",
  stage: "start",
  run(spec) {
    const seen = new Set<string>();
    for (const [i, r] of (spec.process?.rlimits ?? []).entries()) {
      const field = `process.rlimits[${i}].type`;
      if (rlimitNumber(r.type) === undefined) {
        fail("rlimits", `wrong rlimit value: ${r.type}`, field);
      }
      if (seen.has(r.type)) {
        fail("rlimits", `rlimit ${goQuote(r.type)} may not be specified more than once`, field);
      }
      seen.add(r.type);
    }
    return [];
  },
};

/** Unknown or unavailable capabilities are ignored with one warning, as runc does. */
export const capabilitiesCheck: Check = {
  name: "capabilities",
  stage: "start",
  run(spec, ctx) {
    const caps = spec.process?.capabilities;
    if (caps === undefined) return [];
    const last = host(ctx, "capLastCap");
    const unknown = new Set<string>();
    for (
      const set of [caps.bounding, caps.effective, caps.inheritable, caps.permitted, caps.ambient]
    ) {
      for (const name of set ?? []) {
        const n = capabilityNumber(name);
        if (n === undefined || n > last) unknown.add(name);
      }
    }
    if (unknown.size === 0) return [];
    return [`ignoring unknown or unavailable capabilities: [${[...unknown].sort().join(" ")}]`];
  },
};
