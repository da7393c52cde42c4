/**
 * The v2 io controller: the weight (io.bfq.weight with BFQ, else io.weight
 * converted from the blkio range), per-device weights (BFQ only), and
 * io.max throttles.
 *
 * @module
 */
import { readOptional } from "../file.ts";
import type { BlkioEntry } from "../stats.ts";
import type { V2Controller } from "./controller.ts";
import { blkioWeightToIoWeight } from "./convert.ts";

/** Reads io.stat into the blkio figures runc reports (bytes and operations). */
export function parseIoStat(text: string): { bytes: BlkioEntry[]; ios: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of text.split("\n")) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? "");
    if (!m) continue;
    const major = Number(m[1]), minor = Number(m[2]);
    for (const pair of kv) {
      const [k, v] = pair.split("=");
      const value = Number(v);
      if (k === "rbytes") bytes.push({ major, minor, op: "Read", value });
      if (k === "wbytes") bytes.push({ major, minor, op: "Write", value });
      if (k === "rios") ios.push({ major, minor, op: "Read", value });
      if (k === "wios") ios.push({ major, minor, op: "Write", value });
    }
  }
  return { bytes, ios };
}

/** The v2 io controller. */
export const io: V2Controller = {
  name: "io",
  set(w, r) {
    const b = r.blockIO;
    if (!b) return;
    const bfq = w.has("io.bfq.weight");
    if (b.weight) {
      if (bfq) w.write("io.bfq.weight", b.weight);
      else w.write("io.weight", blkioWeightToIoWeight(b.weight));
    }
    if (bfq) {
      for (const d of b.weightDevice ?? []) {
        if (d.weight) w.write("io.bfq.weight", `${d.major}:${d.minor} ${d.weight}`);
      }
    }
    const throttles = [
      ["rbps", b.throttleReadBpsDevice],
      ["wbps", b.throttleWriteBpsDevice],
      ["riops", b.throttleReadIOPSDevice],
      ["wiops", b.throttleWriteIOPSDevice],
    ] as const;
    for (const [key, list] of throttles) {
      for (const t of list ?? []) w.write("io.max", `${t.major}:${t.minor} ${key}=${t.rate}`);
    }
  },
  stats(dir, s) {
    const { bytes, ios } = parseIoStat(readOptional(dir, "io.stat") ?? "");
    s.blkio.ioServiceBytesRecursive = bytes;
    s.blkio.ioServicedRecursive = ios;
  },
};
