/**
 * The v1 cpu controller: shares, CFS quota and period, realtime runtime and
 * period, and the throttling statistics.
 *
 * @module
 */
import { big, CgroupError, readKeyed, readUint } from "../file.ts";
import { osErrno } from "../../os/errno.ts";
import type { V1Controller } from "./controller.ts";

const EINVAL = 22;

/** The v1 cpu controller. */
export const cpu: V1Controller = {
  name: "cpu",
  set(w, r) {
    const c = r.cpu;
    if (!c) return;
    const shares = big(c.shares);
    if (shares !== 0n) {
      w.write("cpu.shares", String(shares));
      // The kernel clamps shares silently: report it as runc does.
      const read = BigInt(readUint(w.dir!, "cpu.shares") ?? Number(shares));
      if (shares > read) throw new CgroupError(`the maximum allowed cpu-shares is ${read}`);
      if (shares < read) throw new CgroupError(`the minimum allowed cpu-shares is ${read}`);
    }
    const quota = big(c.quota);
    let period = big(c.period) !== 0n ? String(big(c.period)) : "";
    if (period) {
      try {
        w.write("cpu.cfs_period_us", period);
        period = "";
      } catch (e) {
        // A smaller period can be refused until the quota is set: retry after it.
        if (osErrno((e as Error).cause) !== EINVAL || quota === 0n) throw e;
      }
    }
    if (quota !== 0n) {
      w.write("cpu.cfs_quota_us", String(quota));
      if (period) w.write("cpu.cfs_period_us", period);
    }
    if (big(c.realtimePeriod) !== 0n) w.write("cpu.rt_period_us", String(big(c.realtimePeriod)));
    if (big(c.realtimeRuntime) !== 0n) {
      w.write("cpu.rt_runtime_us", String(big(c.realtimeRuntime)));
    }
  },
  stats(dir, s) {
    const st = readKeyed(dir, "cpu.stat");
    s.cpu.throttling.periods = st["nr_periods"] ?? 0;
    s.cpu.throttling.throttledPeriods = st["nr_throttled"] ?? 0;
    s.cpu.throttling.throttledTime = st["throttled_time"] ?? 0;
  },
};
