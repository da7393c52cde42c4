/**
 * The v2 cpu controller: cpu.weight (from the spec's shares), cpu.max (quota
 * and period), cpu.idle, and the usage and throttling statistics. Realtime
 * limits have no v2 file and are refused.
 *
 * @module
 */
import { big, CgroupError, readKeyed } from "../file.ts";
import type { V2Controller } from "./controller.ts";
import { cpuSharesToWeight } from "./convert.ts";

/** cpu.max's value for a quota and period (0: unset), or undefined when neither is set. */
export function cpuMax(quota: bigint, period: bigint): string | undefined {
  if (quota === 0n && period === 0n) return undefined;
  let v = quota > 0n ? String(quota) : "max";
  if (period !== 0n) v += ` ${period}`;
  return v;
}

/** The v2 cpu controller. */
export const cpu: V2Controller = {
  name: "cpu",
  set(w, r) {
    const c = r.cpu;
    if (!c) return;
    if (big(c.realtimePeriod) !== 0n || big(c.realtimeRuntime) !== 0n) {
      throw new CgroupError("realtime scheduling (cpu.rt_*) is not supported on cgroup v2");
    }
    if (c.idle !== undefined && c.idle !== null) w.write("cpu.idle", String(big(c.idle)));
    const weight = cpuSharesToWeight(big(c.shares));
    if (weight !== 0n) w.write("cpu.weight", String(weight));
    const max = cpuMax(big(c.quota), big(c.period));
    if (max !== undefined) w.write("cpu.max", max);
  },
  stats(dir, s) {
    const st = readKeyed(dir, "cpu.stat");
    s.cpu.usage.total = (st["usage_usec"] ?? 0) * 1000;
    s.cpu.usage.user = (st["user_usec"] ?? 0) * 1000;
    s.cpu.usage.kernel = (st["system_usec"] ?? 0) * 1000;
    s.cpu.throttling.periods = st["nr_periods"] ?? 0;
    s.cpu.throttling.throttledPeriods = st["nr_throttled"] ?? 0;
    s.cpu.throttling.throttledTime = (st["throttled_usec"] ?? 0) * 1000;
  },
};
