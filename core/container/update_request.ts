/**
 * What `runc update` asks for, from its flags or from `-r FILE` (`-` for
 * stdin), as the partial LinuxResources the cgroup managers write. As in
 * runc 1.1 only memory, cpu, blkio weight, pids and the unified map can be
 * updated; zero means "leave as is".
 *
 * @module
 */
import type { LinuxResources } from "../spec/types.ts";
import { StateError } from "../state/state.ts";

/** The update flags, as cli/update.ts parsed them. */
export type UpdateFlags = Record<
  string,
  string | number | boolean | string[] | number[] | undefined
>;

const UNITS: Record<string, number> = {
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
};

/** docker/go-units' RAMInBytes: `512m`, `1.5g`, `100` (binary multipliers). */
export function ramInBytes(s: string): bigint {
  const m = /^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$/.exec(s);
  if (!m) throw new Error(`invalid size: '${s}'`);
  const n = Number(m[1]);
  const mult = m[2] ? UNITS[m[2].toLowerCase()]! : 1;
  return BigInt(Math.trunc(n * mult));
}

function parseUint(opt: string, s: string): bigint {
  if (!/^\d+$/.test(s) || BigInt(s) > 0xffffffffffffffffn) {
    throw new StateError(
      `invalid value for ${opt}: strconv.ParseUint: parsing ${JSON.stringify(s)}: ${
        /^\d+$/.test(s) ? "value out of range" : "invalid syntax"
      }`,
    );
  }
  return BigInt(s);
}

function parseInt64(opt: string, s: string): bigint {
  if (!/^[+-]?\d+$/.test(s)) {
    throw new StateError(
      `invalid value for ${opt}: strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`,
    );
  }
  return BigInt(s);
}

const num = (v: bigint): number | bigint =>
  v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;

/**
 * The resources of an update from its flags.
 *
 * @param f the flags (strings for the sizes and times, as runc takes them)
 * @param warn where the kernel-memory warning goes
 */
export function resourcesFromFlags(f: UpdateFlags, warn: (msg: string) => void): LinuxResources {
  const str = (k: string) => (typeof f[k] === "string" && f[k] !== "" ? f[k] as string : undefined);
  const r: LinuxResources = {};
  const cpu: NonNullable<LinuxResources["cpu"]> = {};
  const memory: NonNullable<LinuxResources["memory"]> = {};
  const weight = Number(f["blkio-weight"] ?? 0);
  if (weight) r.blockIO = { weight };
  if (str("cpuset-cpus")) cpu.cpus = str("cpuset-cpus")!;
  if (str("cpuset-mems")) cpu.mems = str("cpuset-mems")!;
  for (
    const [opt, key] of [["cpu-period", "period"], ["cpu-rt-period", "realtimePeriod"], [
      "cpu-share",
      "shares",
    ]] as const
  ) {
    const v = str(opt);
    if (v !== undefined) cpu[key] = num(parseUint(opt, v));
  }
  for (
    const [opt, key] of [["cpu-quota", "quota"], ["cpu-rt-runtime", "realtimeRuntime"]] as const
  ) {
    const v = str(opt);
    if (v !== undefined) cpu[key] = num(parseInt64(opt, v));
  }
  const memFlags = [
    ["memory", "limit"],
    ["memory-swap", "swap"],
    ["kernel-memory", "kernel"],
    ["kernel-memory-tcp", "kernelTCP"],
    ["memory-reservation", "reservation"],
  ] as const;
  for (const [opt, key] of memFlags) {
    const v = str(opt);
    if (v === undefined) continue;
    try {
      memory[key] = v === "-1" ? -1 : num(ramInBytes(v));
    } catch (e) {
      throw new StateError(`invalid value for ${opt}: ${(e as Error).message}`);
    }
  }
  const pids = Number(f["pids-limit"] ?? 0);
  if (pids) r.pids = { limit: pids };
  return finish(r, cpu, memory, warn);
}

function finish(
  r: LinuxResources,
  cpu: NonNullable<LinuxResources["cpu"]>,
  memory: NonNullable<LinuxResources["memory"]>,
  warn: (msg: string) => void,
): LinuxResources {
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (memory.kernel || memory.kernelTCP) {
    warn("Kernel memory settings are ignored and will be removed");
    delete memory.kernel;
    delete memory.kernelTCP;
  }
  if (Object.keys(memory).length) r.memory = memory;
  return r;
}

/**
 * A field of a decoded JSON object as Go's encoding/json finds it: the key
 * itself, else one equal to it without regard to case.
 */
// deno-lint-ignore no-explicit-any
function goField(o: unknown, name: string): any {
  if (o === null || typeof o !== "object" || Array.isArray(o)) return undefined;
  const rec = o as Record<string, unknown>;
  if (name in rec) return rec[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(rec)) if (k.toLowerCase() === lower) return rec[k];
  return undefined;
}

/**
 * The resources of an update from a JSON document (`-r`): only the fields
 * runc 1.1's update takes.
 *
 * @param text the document
 * @param warn where the kernel-memory warning goes
 */
export function resourcesFromJson(text: string, warn: (msg: string) => void): LinuxResources {
  let doc: unknown;
  try {
    doc = JSON.parse(text) ?? {};
  } catch (e) {
    throw new StateError((e as Error).message);
  }
  const r: LinuxResources = {};
  const cpu: NonNullable<LinuxResources["cpu"]> = {};
  const memory: NonNullable<LinuxResources["memory"]> = {};
  // Go's encoding/json matches field names without regard to case
  // (runc's own tests send {"CPU": {"Cpus": "1"}}).
  const c = goField(doc, "cpu") ?? {}, m = goField(doc, "memory") ?? {};
  for (const k of ["shares", "quota", "period", "realtimeRuntime", "realtimePeriod"] as const) {
    const v = goField(c, k);
    if (v) cpu[k] = v as number;
  }
  const cpus = goField(c, "cpus"), mems = goField(c, "mems");
  if (cpus) cpu.cpus = String(cpus);
  if (mems) cpu.mems = String(mems);
  for (const k of ["limit", "reservation", "swap", "kernel", "kernelTCP"] as const) {
    const v = goField(m, k);
    if (v) memory[k] = v as number;
  }
  const weight = goField(goField(doc, "blockIO"), "weight");
  if (weight) r.blockIO = { weight: weight as number };
  const pids = goField(goField(doc, "pids"), "limit");
  if (pids) r.pids = { limit: pids as number };
  const unified = goField(doc, "unified");
  if (unified) r.unified = unified as Record<string, string>;
  return finish(r, cpu, memory, warn);
}
