/**
 * The v2 hugetlb controller: hugetlb.SIZE.max (and .rsvd.max where present).
 *
 * @module
 */
import { readKeyed, readOptional, readUint } from "../file.ts";
import { hugePageSizes } from "../v1/hugetlb.ts";
import type { V2Controller } from "./controller.ts";

/** The v2 hugetlb controller. */
export const hugetlb: V2Controller = {
  name: "hugetlb",
  set(w, r) {
    for (const l of r.hugepageLimits ?? []) {
      w.write(`hugetlb.${l.pageSize}.max`, String(l.limit));
      const rsvd = `hugetlb.${l.pageSize}.rsvd.max`;
      if (w.has(rsvd)) w.write(rsvd, String(l.limit));
    }
  },
  stats(dir, s) {
    for (const size of hugePageSizes()) {
      if (readOptional(dir, `hugetlb.${size}.current`) === undefined) continue;
      s.hugetlb[size] = {
        usage: readUint(dir, `hugetlb.${size}.current`) ?? 0,
        max: 0,
        failcnt: readKeyed(dir, `hugetlb.${size}.events`)["max"] ?? 0,
      };
    }
  },
};
