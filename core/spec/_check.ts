/**
 * What every spec check shares: the check interface, its context, host probes
 * and small helpers. Private to core/spec; validate.ts is the public surface.
 *
 * @module
 */

import { goQuote } from "./_go.ts";
import { cleanPath, exists, joinPath } from "../os/path.ts";
import {
  apparmorEnabled,
  type MountInfo,
  mountInfo,
  resctrlMount,
  resctrlOffers,
  selinuxEnabled,
} from "../os/host.ts";
import { SpecError } from "./errors.ts";
import type { LinuxNamespace, Spec } from "./types.ts";

/** Facts about the host that checks depend on; each is probed when absent. */
export interface HostFacts {
  /** /proc/self/ns/user exists. */
  userNamespaces?: boolean;
  /** /proc/self/ns/cgroup exists. */
  cgroupNamespaces?: boolean;
  /** selinuxfs is mounted. */
  selinuxEnabled?: boolean;
  /** /proc/sys/kernel/cap_last_cap. */
  capLastCap?: number;
  /** /sys/fs/cgroup is a cgroup2 (unified) mount. */
  cgroup2Unified?: boolean;
  /** The Intel RDT resctrl file system is mounted. */
  intelRdt?: boolean;
  /** resctrl has L3 CAT. */
  intelRdtCat?: boolean;
  /** resctrl has MBA. */
  intelRdtMba?: boolean;
  /** AppArmor is enabled (/sys/module/apparmor/parameters/enabled is Y). */
  apparmorEnabled?: boolean;
  /** systemd is the init (/run/systemd/system is a directory), as sd_booted(3) tells. */
  systemdRunning?: boolean;
  /** The file-system type of the mount that holds a host path (`proc`, `sysfs`, ...). */
  fsType?: (path: string) => string | undefined;
}

/** What checks need besides the spec. */
export interface ValidateContext {
  /** The bundle directory; a relative `root.path` is relative to it. */
  bundleDir: string;
  /**
   * runc runs with euid != 0 (`--rootless` auto/true).
   * @default false
   */
  rootlessEuid?: boolean;
  /**
   * `--systemd-cgroup` was given.
   * @default false
   */
  systemdCgroup?: boolean;
  /**
   * `--no-pivot` was given.
   * @default false
   */
  noPivotRoot?: boolean;
  /** Host facts; probed from /proc and /sys when absent. */
  host?: HostFacts;
}

/** One named check. */
export interface Check {
  /** A stable name, e.g. `sysctl`. */
  name: string;
  /** Where runc performs it. */
  stage: "load" | "convert" | "validate" | "start";
  /**
   * Runs the check.
   * @returns Warnings (possibly none).
   * @throws {SpecError} When the spec is refused.
   */
  run(spec: Spec, ctx: ValidateContext): string[];
}

// --- host probes -------------------------------------------------------------

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

const PROBES: { [K in keyof HostFacts]-?: () => NonNullable<HostFacts[K]> } = {
  userNamespaces: () => exists("/proc/self/ns/user"),
  cgroupNamespaces: () => exists("/proc/self/ns/cgroup"),
  selinuxEnabled,
  capLastCap: () => {
    const n = Number((readText("/proc/sys/kernel/cap_last_cap") ?? "").trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 40;
  },
  cgroup2Unified: () => exists("/sys/fs/cgroup/cgroup.controllers"),
  intelRdt: () => resctrlMount() !== undefined,
  intelRdtCat: () => resctrlHas("L3"),
  intelRdtMba: () => resctrlHas("MB"),
  apparmorEnabled,
  systemdRunning: () => {
    try {
      return Deno.lstatSync("/run/systemd/system").isDirectory;
    } catch {
      return false;
    }
  },
  fsType: () => fsTypeFromMountinfo,
};

function resctrlHas(resource: "L3" | "MB"): boolean {
  const m = resctrlMount();
  return m !== undefined && resctrlOffers(m, resource);
}

/**
 * The type of the file system that holds path, from /proc/self/mountinfo: the
 * longest mount point above the path with its symlinks resolved.
 */
function fsTypeFromMountinfo(path: string): string | undefined {
  let real: string;
  try {
    real = Deno.realPathSync(path);
  } catch {
    return undefined;
  }
  let best: MountInfo | undefined;
  for (const m of mountInfo()) {
    const under = m.point === "/" || real === m.point || real.startsWith(`${m.point}/`);
    if (under && (!best || m.point.length >= best.point.length)) best = m;
  }
  return best?.fstype;
}

export function host<K extends keyof HostFacts>(
  ctx: Pick<ValidateContext, "host">,
  key: K,
): NonNullable<HostFacts[K]> {
  const given = ctx.host?.[key];
  if (given !== undefined) return given as NonNullable<HostFacts[K]>;
  return (PROBES[key] as () => NonNullable<HostFacts[K]>)();
}

// --- helpers -----------------------------------------------------------------

export function fail(check: string, message: string, field?: string): never {
  throw new SpecError(message, { check, field });
}

export function namespaces(spec: Spec): LinuxNamespace[] {
  return spec.linux?.namespaces ?? [];
}

export function hasNs(spec: Spec, type: string): boolean {
  return namespaces(spec).some((ns) => ns.type === type);
}

export function nsPath(spec: Spec, type: string): string {
  return namespaces(spec).find((ns) => ns.type === type)?.path ?? "";
}

/** Go's `%q` of a `specs.LinuxNamespace` value, e.g. `{"pid" ""}`. */
export function goNs(ns: LinuxNamespace): string {
  return `{${goQuote(ns.type)} ${goQuote(ns.path ?? "")}}`;
}

/** The bundle's rootfs as runc computes it (absolute, cleaned). */
export function rootfsPath(spec: Spec, bundleDir: string): string {
  const p = spec.root?.path ?? "";
  if (p.startsWith("/")) return cleanPath(p);
  const bundle = bundleDir.startsWith("/") ? bundleDir : joinPath(Deno.cwd(), bundleDir);
  return joinPath(bundle, p);
}

/**
 * A sysctl name in dotted form: `net/ipv4/ip_forward` → `net.ipv4.ip_forward`
 * (and `net/ipv4/conf/eno2.100/rp_filter` → `net.ipv4.conf.eno2/100.rp_filter`),
 * as sysctl(8) and runc read the slash form. Names whose first separator is a dot
 * are unchanged.
 */
export function sysctlDotted(name: string): string {
  const first = name.search(/[./]/);
  if (first === -1 || name[first] === ".") return name;
  return name.replace(/[./]/g, (c) => c === "." ? "/" : ".");
}

/**
 * Where a sysctl is written, below /proc/sys: a name with a slash is a path
 * already (sysctl(8): dots in it are literal), a dotted one becomes one.
 */
export function sysctlPath(name: string): string {
  return name.includes("/") ? name : name.replaceAll(".", "/");
}
