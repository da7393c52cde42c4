/**
 * A container's resources as systemd unit properties, as runc 1.1's
 * systemd managers make them (genV1ResourcesProperties,
 * genV2ResourcesProperties, generateDeviceProperties, addCpuQuota,
 * addCpuset, unifiedResToSystemdProps). What has no property is still
 * written to the cgroup files by the fs managers afterwards.
 *
 * @module
 */
import type { LinuxResources } from "../../spec/types.ts";
import type { Variant } from "../../dbus/marshal.ts";
import { DeviceEmulator, fromSpec } from "../devices.ts";
import { big, CgroupError } from "../file.ts";
import { cpuSharesToWeight, memorySwapToV2 } from "../v2/convert.ts";
import type { Property } from "./annotations.ts";

/** What the conversion needs from the host. */
export interface PropertyContext {
  /** systemd's version (CPUQuotaPeriodUSec needs 242, AllowedCPUs 244). */
  version: number;
  /** Warnings (rules systemd cannot express), as runc logs them. */
  warn: (msg: string) => void;
  /** /proc/devices; default read when needed. */
  procDevices?: () => string;
  /** Whether a path exists (device nodes under /dev/char, /dev/block, /sys/dev). */
  exists?: (path: string) => boolean;
}

/** The kernel's default cpu.cfs_period_us, which systemd assumes too. */
const DEFAULT_PERIOD = 100000n;
const MAX_U64 = 2n ** 64n - 1n;

const prop = (
  name: string,
  sig: string,
  value: unknown,
): Property => [name, { sig, value } as Variant];
const u64 = (v: bigint) => BigInt.asUintN(64, v);

/** Whether converting r needs systemd's version (so the caller asks for it only then). */
export function needsVersion(r: LinuxResources): boolean {
  const c = r.cpu;
  const u = r.unified ?? {};
  return big(c?.period) !== 0n || !!c?.cpus || !!c?.mems || "cpu.max" in u ||
    "cpuset.cpus" in u || "cpuset.mems" in u;
}

/**
 * The properties for cgroup v2 (runc's genV2ResourcesProperties).
 *
 * @throws CgroupError for values that cannot be converted
 */
export function v2Properties(r: LinuxResources, ctx: PropertyContext): Property[] {
  const out: Property[] = [];
  if (r.devices) out.push(...deviceProperties(r.devices, ctx));
  const m = r.memory;
  const limit = big(m?.limit);
  if (limit !== 0n) out.push(prop("MemoryMax", "t", u64(limit)));
  const reservation = big(m?.reservation);
  if (reservation !== 0n) out.push(prop("MemoryLow", "t", u64(reservation)));
  const swap = memorySwapToV2(big(m?.swap), limit);
  if (swap !== 0n) out.push(prop("MemorySwapMax", "t", u64(swap)));
  const weight = cpuSharesToWeight(big(r.cpu?.shares));
  if (weight !== 0n) out.push(prop("CPUWeight", "t", weight));
  out.push(...cpuQuotaProperties(big(r.cpu?.quota), big(r.cpu?.period), ctx.version));
  out.push(...tasksMax(r));
  out.push(...cpusetProperties(r.cpu?.cpus, r.cpu?.mems, ctx.version));
  if (r.unified) out.push(...unifiedProperties(r.unified, ctx.version));
  return out;
}

/**
 * The properties for cgroup v1 (runc's genV1ResourcesProperties).
 *
 * @throws CgroupError for values that cannot be converted
 */
export function v1Properties(r: LinuxResources, ctx: PropertyContext): Property[] {
  const out: Property[] = [];
  if (r.devices) out.push(...deviceProperties(r.devices, ctx));
  const limit = big(r.memory?.limit);
  if (limit !== 0n) out.push(prop("MemoryLimit", "t", u64(limit)));
  const shares = big(r.cpu?.shares);
  if (shares !== 0n) out.push(prop("CPUShares", "t", shares));
  out.push(...cpuQuotaProperties(big(r.cpu?.quota), big(r.cpu?.period), ctx.version));
  const blkio = big(r.blockIO?.weight);
  if (blkio !== 0n) out.push(prop("BlockIOWeight", "t", blkio));
  out.push(...tasksMax(r));
  out.push(...cpusetProperties(r.cpu?.cpus, r.cpu?.mems, ctx.version));
  return out;
}

function tasksMax(r: LinuxResources): Property[] {
  const limit = r.pids ? big(r.pids.limit) : 0n;
  return limit > 0n || limit === -1n ? [prop("TasksMax", "t", u64(limit))] : [];
}

/**
 * runc's addCpuQuota: CPUQuotaPeriodUSec (systemd 242 and later) and
 * CPUQuotaPerSecUSec, rounded up to whole percents of a CPU so that the
 * cpu.max systemd writes is not below the one asked for.
 *
 * @param quota the spec's quota (-1 or 0: none)
 * @param period the spec's period (0: unset)
 * @param version systemd's version
 */
export function cpuQuotaProperties(quota: bigint, period: bigint, version: number): Property[] {
  const out: Property[] = [];
  if (period !== 0n && version >= 242) out.push(prop("CPUQuotaPeriodUSec", "t", period));
  if (quota !== 0n || period !== 0n) {
    let perSec = MAX_U64; // USEC_INFINITY
    if (quota > 0n) {
      perSec = u64(quota * 1000000n) / (period === 0n ? DEFAULT_PERIOD : period);
      if (perSec % 10000n !== 0n) perSec = (perSec / 10000n + 1n) * 10000n;
    }
    out.push(prop("CPUQuotaPerSecUSec", "t", perSec));
  }
  return out;
}

function cpusetProperties(
  cpus: string | undefined,
  mems: string | undefined,
  version: number,
): Property[] {
  if ((!cpus && !mems) || version < 244) return [];
  const out: Property[] = [];
  if (cpus) out.push(prop("AllowedCPUs", "ay", bitsOf(cpus, "resources.CPU.Cpus")));
  if (mems) out.push(prop("AllowedMemoryNodes", "ay", bitsOf(mems, "resources.CPU.Mems")));
  return out;
}

function bitsOf(list: string, what: string): Uint8Array {
  try {
    return rangeToBits(list);
  } catch (e) {
    throw new CgroupError(
      `${what}=${JSON.stringify(list)} conversion error: ${(e as Error).message}`,
    );
  }
}

/**
 * A cpuset list (`0-3,8`) as the byte mask systemd takes for AllowedCPUs and
 * AllowedMemoryNodes: byte i holds CPUs 8i to 8i+7, lowest bit first.
 *
 * @throws Error for a malformed list or an empty one
 */
export function rangeToBits(list: string): Uint8Array {
  const set: number[] = [];
  const num = (s: string) => {
    if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) {
      throw new Error(`invalid number ${JSON.stringify(s)}`);
    }
    return Number(s);
  };
  for (const raw of list.split(",")) {
    const r = raw.trim();
    if (r === "") continue;
    const dash = r.indexOf("-");
    if (dash >= 0) {
      const start = num(r.slice(0, dash)), end = num(r.slice(dash + 1));
      if (start > end) throw new Error(`invalid range: ${r}`);
      if (end - start > 1 << 20) throw new Error(`range too large: ${r}`);
      for (let i = start; i <= end; i++) set.push(i);
    } else set.push(num(r));
  }
  if (set.length === 0) throw new Error("empty value");
  const out = new Uint8Array(Math.floor(Math.max(...set) / 8) + 1);
  for (const i of set) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/**
 * runc's unifiedResToSystemdProps: the unified keys systemd has a property
 * for; the others are only written to the files.
 *
 * @throws CgroupError for a key that is not CONTROLLER.PARAMETER or a bad value
 */
export function unifiedProperties(unified: Record<string, string>, version: number): Property[] {
  const out: Property[] = [];
  for (const [k, raw] of Object.entries(unified)) {
    if (k.includes("/")) {
      throw new CgroupError(
        `unified resource ${JSON.stringify(k)} must be a file name (no slashes)`,
      );
    }
    if (!k.includes(".")) {
      throw new CgroupError(
        `unified resource ${JSON.stringify(k)} must be in the form CONTROLLER.PARAMETER`,
      );
    }
    const v = raw.trim();
    const uint = (s: string) => {
      if (!/^\d+$/.test(s) || BigInt(s) > MAX_U64) {
        throw new CgroupError(
          `unified resource ${JSON.stringify(k)} value conversion error: invalid syntax ${
            JSON.stringify(s)
          }`,
        );
      }
      return BigInt(s);
    };
    switch (k) {
      case "cpu.max": {
        const f = v.split(/\s+/).filter((x) => x !== "");
        if (f.length < 1 || f.length > 2) {
          throw new CgroupError(
            `unified resource ${JSON.stringify(k)} value invalid: ${JSON.stringify(v)}`,
          );
        }
        let quota = 0n;
        if (f[0] !== "max") {
          if (!/^-?\d+$/.test(f[0]!)) {
            throw new CgroupError(
              `unified resource ${JSON.stringify(k)} period value conversion error: invalid syntax`,
            );
          }
          quota = BigInt(f[0]!);
        }
        const period = f.length === 2 ? uint(f[1]!) : DEFAULT_PERIOD;
        out.push(...cpuQuotaProperties(quota, period, version));
        break;
      }
      case "cpu.weight":
        out.push(prop("CPUWeight", "t", uint(v)));
        break;
      case "cpuset.cpus":
      case "cpuset.mems": {
        let bits: Uint8Array;
        try {
          bits = rangeToBits(v);
        } catch (e) {
          throw new CgroupError(
            `unified resource ${JSON.stringify(k)}=${JSON.stringify(v)} conversion error: ${
              (e as Error).message
            }`,
          );
        }
        if (version >= 244) {
          out.push(prop(k === "cpuset.cpus" ? "AllowedCPUs" : "AllowedMemoryNodes", "ay", bits));
        }
        break;
      }
      case "memory.high":
      case "memory.low":
      case "memory.min":
      case "memory.max":
      case "memory.swap.max": {
        const names: Record<string, string> = {
          "memory.high": "MemoryHigh",
          "memory.low": "MemoryLow",
          "memory.min": "MemoryMin",
          "memory.max": "MemoryMax",
          "memory.swap.max": "MemorySwapMax",
        };
        out.push(prop(names[k]!, "t", v === "max" ? MAX_U64 : uint(v)));
        break;
      }
      case "pids.max":
        out.push(prop("TasksMax", "t", v === "max" ? MAX_U64 : uint(v)));
        break;
      default:
        // Written to the file by the fs manager only.
        break;
    }
  }
  return out;
}

/**
 * runc's generateDeviceProperties: DevicePolicy=strict and the allowed
 * devices as DeviceAllow entries (a path under /dev/char or /dev/block, a
 * `char-NAME` group from /proc/devices for a wildcard minor, `char-*` for
 * both wildcards). A deny list cannot be said to systemd: allow-all becomes
 * DevicePolicy=auto, anything else a temporary deny-all (the fs manager
 * writes the real rules after).
 *
 * @param rules the spec-shaped rules (containerResources' devices)
 */
export function deviceProperties(
  rules: NonNullable<LinuxResources["devices"]>,
  ctx: PropertyContext,
): Property[] {
  const strict = [prop("DevicePolicy", "s", "strict"), prop("DeviceAllow", "a(ss)", [])];
  // runc's emulator starts from deny-all (a Go zero value), as systemd's strict policy.
  const emu = new DeviceEmulator();
  emu.defaultAllow = false;
  for (const r of rules) emu.apply(fromSpec(r));
  if (emu.defaultAllow) {
    if (emu.exceptions.size === 0) {
      return [prop("DevicePolicy", "s", "auto"), prop("DeviceAllow", "a(ss)", [])];
    }
    ctx.warn("systemd doesn't support blacklist device rules -- applying temporary deny-all rule");
    return strict;
  }
  const exists = ctx.exists ?? pathExists;
  let groups: string | undefined;
  const allow: [string, string][] = [];
  for (const r of emu.rules()) {
    if (r.type === "a") continue; // the default (deny), which strict already says
    const show = `${r.type} ${r.major < 0 ? "*" : r.major}:${
      r.minor < 0 ? "*" : r.minor
    } ${r.access}`;
    const prefix = r.type === "b" ? "block-" : "char-";
    let path: string;
    if (r.major < 0) {
      if (r.minor >= 0) {
        ctx.warn(
          `systemd doesn't support '*:n' device rules -- temporarily ignoring rule: ${show}`,
        );
        continue;
      }
      path = `${prefix}*`;
    } else if (r.minor < 0) {
      groups ??= (ctx.procDevices ?? readProcDevices)();
      const name = deviceGroup(groups, r.type, r.major);
      if (!name) {
        ctx.warn(
          `could not find device group for '${r.type}/${r.major}' in /proc/devices -- temporarily ignoring rule: ${show}`,
        );
        continue;
      }
      path = `${prefix}${name}`;
    } else {
      path = `/dev/${r.type === "b" ? "block" : "char"}/${r.major}:${r.minor}`;
      // Best effort, as in runc: systemd warns about paths that do not exist.
      if (!exists(path) && !exists(`/sys${path}`)) {
        ctx.warn(`skipping device ${path} for systemd: no such device`);
        continue;
      }
    }
    allow.push([path, r.access]);
  }
  return [...strict, prop("DeviceAllow", "a(ss)", allow)];
}

/** The name /proc/devices gives a (type, major), or undefined. */
export function deviceGroup(
  procDevices: string,
  type: "c" | "b",
  major: number,
): string | undefined {
  let cur: "c" | "b" | undefined;
  for (const raw of procDevices.split("\n")) {
    const line = raw.trim();
    if (line === "Character devices:") cur = "c";
    else if (line === "Block devices:") cur = "b";
    else if (line !== "" && cur === type) {
      const m = /^(\d+)\s+(\S+)$/.exec(line);
      if (m && Number(m[1]) === major) return m[2];
    }
  }
  return undefined;
}

function readProcDevices(): string {
  try {
    return Deno.readTextFileSync("/proc/devices");
  } catch {
    return "";
  }
}

function pathExists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}
