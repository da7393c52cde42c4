/**
 * The v1 hugetlb controller: a limit per page size (and its reservation
 * limit where the kernel has one).
 *
 * @module
 */
import { readOptional, readUint } from "../file.ts";
import type { V1Controller } from "./controller.ts";

/** The page sizes the kernel offers, as the cgroup files name them (`2MB`, `1GB`). */
export function hugePageSizes(sysDir = "/sys/kernel/mm/hugepages"): string[] {
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(sysDir)) {
      const m = /^hugepages-(\d+)kB$/.exec(e.name);
      if (!m) continue;
      let kb = Number(m[1]);
      let unit = 0;
      const units = ["KB", "MB", "GB", "TB"];
      while (kb >= 1024 && kb % 1024 === 0 && unit < units.length - 1) {
        kb /= 1024;
        unit++;
      }
      out.push(`${kb}${units[unit]}`);
    }
  } catch { /* no huge pages */ }
  return out.sort();
}

/** The v1 hugetlb controller. */
export const hugetlb: V1Controller = {
  name: "hugetlb",
  set(w, r) {
    for (const l of r.hugepageLimits ?? []) {
      w.write(`hugetlb.${l.pageSize}.limit_in_bytes`, String(l.limit));
      const rsvd = `hugetlb.${l.pageSize}.rsvd.limit_in_bytes`;
      if (w.has(rsvd)) w.write(rsvd, String(l.limit));
    }
  },
  stats(dir, s) {
    for (const size of hugePageSizes()) {
      if (readOptional(dir, `hugetlb.${size}.usage_in_bytes`) === undefined) continue;
      s.hugetlb[size] = {
        usage: readUint(dir, `hugetlb.${size}.usage_in_bytes`) ?? 0,
        max: readUint(dir, `hugetlb.${size}.max_usage_in_bytes`) ?? 0,
        failcnt: readUint(dir, `hugetlb.${size}.failcnt`) ?? 0,
      };
    }
  },
};
