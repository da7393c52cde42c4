/**
 * The v1 cpuacct controller: CPU usage statistics only.
 *
 * @module
 */
import { readKeyed, readOptional, readUint } from "../file.ts";
import type { V1Controller } from "./controller.ts";

/** Nanoseconds per USER_HZ tick (100 on Linux), for cpuacct.stat. */
const NS_PER_TICK = 10_000_000;

/** The v1 cpuacct controller. */
export const cpuacct: V1Controller = {
  name: "cpuacct",
  stats(dir, s) {
    const u = s.cpu.usage;
    u.total = readUint(dir, "cpuacct.usage") ?? 0;
    u.percpu = (readOptional(dir, "cpuacct.usage_percpu") ?? "").trim().split(/\s+/)
      .filter((x) => x !== "").map(Number);
    // cpuacct.usage_all: `cpu user system` per line, in nanoseconds.
    const lines = (readOptional(dir, "cpuacct.usage_all") ?? "").trim().split("\n").slice(1);
    u.percpu_user = [];
    u.percpu_kernel = [];
    for (const line of lines) {
      const [, user, sys] = line.trim().split(/\s+/);
      if (user === undefined || sys === undefined) continue;
      u.percpu_user.push(Number(user));
      u.percpu_kernel.push(Number(sys));
    }
    const st = readKeyed(dir, "cpuacct.stat");
    u.user = (st["user"] ?? 0) * NS_PER_TICK;
    u.kernel = (st["system"] ?? 0) * NS_PER_TICK;
  },
};
