/**
 * The statistics of a container's cgroups in the shape `runc events` prints
 * them (runc's types/events.go), with the empty-field rules of its JSON
 * encoding applied by {@linkcode statsJson}.
 *
 * @module
 */

/** One memory counter set (usage, swap, kernel, kernelTCP). */
export interface MemoryEntry {
  limit: number;
  usage: number;
  max: number;
  failcnt: number;
}

/** One blkio/io figure. */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** What `runc events --stats` prints under `data`. */
export interface Stats {
  cpu: {
    usage: {
      total: number;
      percpu: number[];
      percpu_kernel: number[];
      percpu_user: number[];
      kernel: number;
      user: number;
    };
    throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  };
  cpuset: {
    cpus: number[];
    cpu_exclusive: number;
    mems: number[];
    mem_hardwall: number;
    mem_exclusive: number;
    memory_migrate: number;
    memory_spread_page: number;
    memory_spread_slab: number;
    memory_pressure: number;
    sched_load_balance: number;
    sched_relax_domain_level: number;
  };
  memory: {
    cache: number;
    usage: MemoryEntry;
    swap: MemoryEntry;
    kernel: MemoryEntry;
    kernelTCP: MemoryEntry;
    raw: Record<string, number>;
  };
  pids: { current: number; limit: number };
  blkio: {
    ioServiceBytesRecursive: BlkioEntry[];
    ioServicedRecursive: BlkioEntry[];
    ioQueueRecursive: BlkioEntry[];
    ioServiceTimeRecursive: BlkioEntry[];
    ioWaitTimeRecursive: BlkioEntry[];
    ioMergedRecursive: BlkioEntry[];
    ioTimeRecursive: BlkioEntry[];
    sectorsRecursive: BlkioEntry[];
  };
  hugetlb: Record<string, { usage: number; max: number; failcnt: number }>;
}

const entry = (): MemoryEntry => ({ limit: 0, usage: 0, max: 0, failcnt: 0 });

/** Statistics with every figure zero, filled in by the controllers. */
export function emptyStats(): Stats {
  return {
    cpu: {
      usage: { total: 0, percpu: [], percpu_kernel: [], percpu_user: [], kernel: 0, user: 0 },
      throttling: { periods: 0, throttledPeriods: 0, throttledTime: 0 },
    },
    cpuset: {
      cpus: [],
      cpu_exclusive: 0,
      mems: [],
      mem_hardwall: 0,
      mem_exclusive: 0,
      memory_migrate: 0,
      memory_spread_page: 0,
      memory_spread_slab: 0,
      memory_pressure: 0,
      sched_load_balance: 0,
      sched_relax_domain_level: 0,
    },
    memory: {
      cache: 0,
      usage: entry(),
      swap: entry(),
      kernel: entry(),
      kernelTCP: entry(),
      raw: {},
    },
    pids: { current: 0, limit: 0 },
    blkio: {
      ioServiceBytesRecursive: [],
      ioServicedRecursive: [],
      ioQueueRecursive: [],
      ioServiceTimeRecursive: [],
      ioWaitTimeRecursive: [],
      ioMergedRecursive: [],
      ioTimeRecursive: [],
      sectorsRecursive: [],
    },
    hugetlb: {},
  };
}

// Fields Go writes even when zero (no omitempty in runc's types).
const KEEP = new Set([
  "kernel",
  "user",
  "cpu_exclusive",
  "mem_hardwall",
  "mem_exclusive",
  "memory_migrate",
  "memory_spread_page",
  "memory_spread_slab",
  "memory_pressure",
  "sched_load_balance",
  "sched_relax_domain_level",
  "limit",
  "failcnt",
]);
function prune(v: unknown, key: string): unknown {
  if (Array.isArray(v)) return v.map((x) => prune(x, ""));
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    // Go writes map keys (raw, hugetlb) sorted; struct fields in their order.
    const entries = Object.entries(v);
    if (key === "raw" || key === "hugetlb") {
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    }
    for (const [k, x] of entries) {
      const p = prune(x, k);
      // Go's omitempty never drops a struct; map entries (raw) stay too.
      const struct = p !== null && typeof p === "object" && !Array.isArray(p);
      const keep = struct || key === "raw" || (KEEP.has(k) && !(key === "pids" && k === "limit"));
      if (!keep && (p === 0 || p === "" || (Array.isArray(p) && p.length === 0))) continue;
      out[k] = p;
    }
    return out;
  }
  return v;
}

/**
 * The `data` object of a stats event as runc's JSON encoding writes it:
 * omitempty fields dropped when zero, plus runc's fixed `intel_rdt` and
 * `network_interfaces`.
 *
 * @param s the statistics
 * @returns a plain object for JSON.stringify
 */
export function statsJson(s: Stats): Record<string, unknown> {
  const pruned = prune(s, "") as Record<string, unknown>;
  return { ...pruned, intel_rdt: {}, network_interfaces: null };
}

const BIG = "@@runc-bignum@@";

/**
 * One line of `runc events`: `{"type":"stats","id":"c1","data":{...}}`, with
 * integers beyond 2^53 written exactly as Go writes its uint64s (2^64 is
 * Go's MaxUint64, what runc reports for `max`).
 *
 * @param type `stats` or `oom`
 * @param id the container id
 * @param data the statistics (statsJson), absent for oom
 */
export function eventLine(type: string, id: string, data?: Record<string, unknown>): string {
  const text = JSON.stringify({ type, id, ...(data ? { data } : {}) }, (_k, v) => {
    if (typeof v === "number" && Number.isInteger(v) && Math.abs(v) > Number.MAX_SAFE_INTEGER) {
      return `${BIG}${v === 2 ** 64 ? "18446744073709551615" : BigInt(v).toString()}`;
    }
    return v;
  });
  return text.replace(new RegExp(`"${BIG}(-?\\d+)"`, "g"), "$1");
}
