/**
 * The checks runc makes while converting the spec into its own configuration
 * (libcontainer/specconv.CreateLibcontainerConfig), in runc's order.
 *
 * @module
 */

import { type Check, fail, goNs, hasNs, namespaces } from "./_check.ts";
import { goMount, goQuote } from "./_go.ts";
import { joinPath } from "../os/path.ts";
import { SECCOMP_ACTIONS, SECCOMP_ARCHS, SECCOMP_OPERATORS } from "./seccomp_names.ts";

const NAMESPACE_TYPES = new Set(["pid", "network", "mount", "ipc", "uts", "user", "cgroup"]);
const PROPAGATIONS = new Set([
  "",
  "rprivate",
  "private",
  "rslave",
  "slave",
  "rshared",
  "shared",
  "runbindable",
  "unbindable",
]);

const ACTIONS: ReadonlySet<string> = new Set(SECCOMP_ACTIONS);
const OPERATORS: ReadonlySet<string> = new Set(SECCOMP_OPERATORS);
const ARCHS: ReadonlySet<string> = new Set(SECCOMP_ARCHS);

export const rootCheck: Check = {
  name: "root",
  stage: "convert",
  run(spec) {
    if (spec.root === undefined) fail("root", "root must be specified", "root");
    return [];
  },
};

/** specconv's createLibcontainerMount: relative destinations warn, NUL bytes fail. */
export const mountsCheck: Check = {
  name: "mounts",
  stage: "convert",
  run(spec, ctx) {
    const warnings: string[] = [];
    for (const [i, m] of (spec.mounts ?? []).entries()) {
      if (!m.destination.startsWith("/")) {
        warnings.push(
          `mount destination ${m.destination} is not absolute. Support for non-absolute ` +
            "mount destinations will be removed in a future release.",
        );
      }
      const bind = (m.options ?? []).some((o) => o === "bind" || o === "rbind");
      let source = m.source ?? "";
      if (bind && !source.startsWith("/")) source = joinPath(ctx.bundleDir, source);
      const device = bind ? "bind" : m.type ?? "";
      if ([source, m.destination, device].some((s) => s.includes("\0"))) {
        fail(
          "mounts",
          `invalid mount ${goMount(m)}: mount field contains null byte`,
          `mounts[${i}]`,
        );
      }
    }
    return warnings;
  },
};

/** specconv's createDevices: device node types. */
export const devicesCheck: Check = {
  name: "devices",
  stage: "convert",
  run(spec) {
    for (const [i, d] of (spec.linux?.devices ?? []).entries()) {
      if (!["p", "u", "c", "b"].includes(d.type)) {
        fail("devices", `invalid device type ${goQuote(d.type)}`, `linux.devices[${i}].type`);
      }
      if (d.path.includes("\0")) {
        fail("devices", `device path ${goQuote(d.path)} contains null byte`, `linux.devices[${i}]`);
      }
    }
    return [];
  },
};

/** specconv's CreateCgroupConfig. */
export const cgroupsCheck: Check = {
  name: "cgroups",
  stage: "convert",
  run(spec, ctx) {
    const warnings: string[] = [];
    const path = spec.linux?.cgroupsPath ?? "";
    if (ctx.systemdCgroup && path !== "" && path.split(":").length !== 3) {
      fail(
        "cgroups",
        `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got ${
          goQuote(path)
        } instead`,
        "linux.cgroupsPath",
      );
    }
    const r = spec.linux?.resources;
    if (r === undefined) return warnings;
    for (const [i, d] of (r.devices ?? []).entries()) {
      if ((d.access ?? "") === "") {
        fail(
          "cgroups",
          `device access at ${i} field cannot be empty`,
          `linux.resources.devices[${i}]`,
        );
      }
      const type = d.type ?? "";
      if (!["", "a", "b", "c"].includes(type)) {
        fail(
          "cgroups",
          `invalid cgroup device type ${goQuote(type)}`,
          `linux.resources.devices[${i}].type`,
        );
      }
    }
    if (r.memory?.kernel !== undefined || r.memory?.kernelTCP !== undefined) {
      warnings.push("Kernel memory settings are ignored and will be removed");
    }
    return warnings;
  },
};

export const propagationCheck: Check = {
  name: "rootfsPropagation",
  stage: "convert",
  run(spec, ctx) {
    const linux = spec.linux;
    if (linux === undefined) return [];
    const p = linux.rootfsPropagation ?? "";
    if (!PROPAGATIONS.has(p)) {
      fail(
        "rootfsPropagation",
        `rootfsPropagation=${p} is not supported`,
        "linux.rootfsPropagation",
      );
    }
    if (ctx.noPivotRoot && (p === "private" || p === "rprivate")) {
      fail(
        "rootfsPropagation",
        "rootfsPropagation of [r]private is not safe without pivot_root",
        "linux.rootfsPropagation",
      );
    }
    return [];
  },
};

/**
 * Namespace types known and not repeated. Every type runc 1.1 knows can be
 * joined through `path`; a path must not contain a NUL byte.
 */
export const namespacesCheck: Check = {
  name: "namespaces",
  stage: "convert",
  run(spec) {
    const seen = new Set<string>();
    for (const [i, ns] of namespaces(spec).entries()) {
      const field = `linux.namespaces[${i}]`;
      if (!NAMESPACE_TYPES.has(ns.type)) {
        fail("namespaces", `namespace ${goNs(ns)} does not exist`, `${field}.type`);
      }
      if (seen.has(ns.type)) {
        fail("namespaces", `malformed spec file: duplicated ns ${goNs(ns)}`, field);
      }
      seen.add(ns.type);
      if ((ns.path ?? "").includes("\0")) {
        fail("namespaces", `namespace ${goNs(ns)}: path contains null byte`, `${field}.path`);
      }
    }
    return [];
  },
};

/** specconv's setupUserNamespace: root must be mapped (HostRootUID/GID). */
export const userMappingsCheck: Check = {
  name: "userMappings",
  stage: "convert",
  run(spec) {
    if (!hasNs(spec, "user")) return [];
    const mapsRoot = (maps: { containerID: number; size: number }[]) =>
      maps.some((m) => m.containerID <= 0 && 0 <= m.containerID + m.size - 1);
    const uids = spec.linux?.uidMappings ?? [];
    const gids = spec.linux?.gidMappings ?? [];
    const msg = "User namespaces enabled, but no";
    if (uids.length === 0) fail("userMappings", `${msg} uid mappings found.`, "linux.uidMappings");
    if (!mapsRoot(uids)) fail("userMappings", `${msg} user mapping found.`, "linux.uidMappings");
    if (gids.length === 0) fail("userMappings", `${msg} gid mappings found.`, "linux.gidMappings");
    if (!mapsRoot(gids)) fail("userMappings", `${msg} group mapping found.`, "linux.gidMappings");
    return [];
  },
};

const SECCOMP_FLAGS = new Set([
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
]);

/**
 * specconv's SetupSeccomp: known names. runc 1.1 refuses every seccomp flag;
 * here the kernel's TSYNC, LOG and SPEC_ALLOW are supported (the runtime-spec
 * lists them) and anything else is refused.
 */
export const seccompCheck: Check = {
  name: "seccomp",
  stage: "convert",
  run(spec) {
    const s = spec.linux?.seccomp;
    // No default action and no rules: runc treats seccomp as disabled.
    if (s === undefined || (s.defaultAction === "" && (s.syscalls ?? []).length === 0)) return [];
    const f = "linux.seccomp";
    for (const flag of s.flags ?? []) {
      if (!SECCOMP_FLAGS.has(flag)) {
        fail("seccomp", `seccomp flag ${JSON.stringify(flag)} is not supported`, `${f}.flags`);
      }
    }
    for (const arch of s.architectures ?? []) {
      if (!ARCHS.has(arch)) {
        fail("seccomp", `string ${arch} is not a valid arch for seccomp`, `${f}.architectures`);
      }
    }
    const action = (a: string, field: string) => {
      if (!ACTIONS.has(a)) fail("seccomp", `string ${a} is not a valid action for seccomp`, field);
    };
    action(s.defaultAction, `${f}.defaultAction`);
    for (const [i, call] of (s.syscalls ?? []).entries()) {
      action(call.action, `${f}.syscalls[${i}].action`);
      for (const arg of call.args ?? []) {
        if (!OPERATORS.has(arg.op)) {
          fail(
            "seccomp",
            `string ${arg.op} is not a valid operator for seccomp`,
            `${f}.syscalls[${i}].args`,
          );
        }
      }
    }
    return [];
  },
};
