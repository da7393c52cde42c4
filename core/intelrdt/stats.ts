/**
 * The `intel_rdt` part of `runc events` (runc 1.1's intelrdt.GetStats and
 * types.IntelRdt): what the resctrl files give, the L3 and MB parts where the
 * mount offers them, the monitoring counters where info/L3_MON lists them.
 *
 * @module
 */
import { features, IntelRdtError, type IntelRdtManager } from "./intelrdt.ts";
import { resctrlMount } from "../os/host.ts";
import { pathError } from "../os/errno.ts";

/** types.L3CacheInfo (omitempty fields left out when zero). */
export interface L3CacheInfo {
  cbm_mask?: string;
  min_cbm_bits?: bigint;
  num_closids?: bigint;
}

/** types.MemBwInfo. */
export interface MemBwInfo {
  bandwidth_gran?: bigint;
  delay_linear?: bigint;
  min_bandwidth?: bigint;
  num_closids?: bigint;
}

/** types.IntelRdt, in its JSON order. */
export interface IntelRdtStats {
  l3_cache_info?: L3CacheInfo;
  l3_cache_schema_root?: string;
  l3_cache_schema?: string;
  mem_bw_info?: MemBwInfo;
  mem_bw_schema_root?: string;
  mem_bw_schema?: string;
  /** One per mon_data domain; null when there is none (Go's nil slice). */
  mbm_stats?: { mbm_total_bytes: bigint; mbm_local_bytes: bigint }[] | null;
  cmt_stats?: { llc_occupancy: bigint }[] | null;
}

function readTrimmed(path: string): string {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch (e) {
    throw new IntelRdtError(pathError("open", path, e));
  }
}

/** runc's getIntelRdtParamUint (fscommon.ParseUint: a negative number is 0). */
export function readUint(dir: string, file: string): bigint {
  const path = `${dir}/${file}`;
  let raw: string;
  try {
    raw = Deno.readTextFileSync(path);
  } catch (e) {
    throw new IntelRdtError(pathError("open", path, e));
  }
  const s = raw.trim();
  if (/^\d+$/.test(s) && BigInt(s) <= 0xffffffffffffffffn) return BigInt(s);
  if (/^-\d+$/.test(s)) return 0n;
  throw new IntelRdtError(
    `unable to parse ${JSON.stringify(raw)} as a uint from file ${JSON.stringify(path)}`,
  );
}

/** The last line of a schemata text that contains key, trimmed (runc's strings.Contains). */
function schemaLine(lines: string[], key: string): string | undefined {
  let found: string | undefined;
  for (const l of lines) if (l.includes(key)) found = l.trim();
  return found;
}

function omitZero<T extends Record<string, bigint | string>>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v !== 0n && v !== "") (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

/**
 * The group's statistics.
 *
 * @param m the container's manager
 * @returns types.IntelRdt without its empty fields
 * @throws IntelRdtError naming the file that could not be read
 */
export function intelRdtStats(m: IntelRdtManager): IntelRdtStats {
  const root = m.root;
  const f = features(root, resctrlMount()?.mbaMBps ?? false);
  const rootLines = readTrimmed(`${root}/schemata`).split("\n");
  const lines = readTrimmed(`${m.path}/schemata`).split("\n");
  const s: IntelRdtStats = {};
  if (f.cat) {
    const info = `${root}/info/L3`;
    s.l3_cache_info = omitZero({
      cbm_mask: readTrimmed(`${info}/cbm_mask`),
      min_cbm_bits: readUint(info, "min_cbm_bits"),
      num_closids: readUint(info, "num_closids"),
    });
    const r = schemaLine(rootLines, "L3"), c = schemaLine(lines, "L3");
    if (r) s.l3_cache_schema_root = r;
    if (c) s.l3_cache_schema = c;
  }
  if (f.mba) {
    const info = `${root}/info/MB`;
    s.mem_bw_info = omitZero({
      bandwidth_gran: readUint(info, "bandwidth_gran"),
      delay_linear: readUint(info, "delay_linear"),
      min_bandwidth: readUint(info, "min_bandwidth"),
      num_closids: readUint(info, "num_closids"),
    });
    const r = schemaLine(rootLines, "MB"), c = schemaLine(lines, "MB");
    if (r) s.mem_bw_schema_root = r;
    if (c) s.mem_bw_schema = c;
  }
  const mbm = f.mbmTotal || f.mbmLocal;
  if (mbm || f.cmt) {
    const dir = `${m.path}/mon_data`;
    let domains: string[];
    try {
      domains = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name).sort();
    } catch (e) {
      throw new IntelRdtError(pathError("open", dir, e));
    }
    if (mbm) {
      const stats = domains.map((d) => ({
        mbm_total_bytes: f.mbmTotal ? readUint(`${dir}/${d}`, "mbm_total_bytes") : 0n,
        mbm_local_bytes: f.mbmLocal ? readUint(`${dir}/${d}`, "mbm_local_bytes") : 0n,
      }));
      s.mbm_stats = stats.length ? stats : null;
    }
    if (f.cmt) {
      const stats = domains.map((d) => ({
        llc_occupancy: readUint(`${dir}/${d}`, "llc_occupancy"),
      }));
      s.cmt_stats = stats.length ? stats : null;
    }
  }
  return s;
}

/**
 * The stats as JSON text, uint64s written exactly.
 *
 * @param s the stats
 */
export function intelRdtJson(s: IntelRdtStats): string {
  return JSON.stringify(s, (_k, v) => (typeof v === "bigint" ? `@@u64@@${v}` : v))
    .replace(/"@@u64@@(\d+)"/g, "$1");
}
