/**
 * The v1 blkio controller: weights (CFQ's files or BFQ's), per-device
 * weights, and read/write throttles in bytes and operations per second.
 *
 * @module
 */
import { exists, readOptional } from "../file.ts";
import type { BlkioEntry, Stats } from "../stats.ts";
import type { V1Controller } from "./controller.ts";

/** Reads a blkio statistics file: `8:0 Read 4096` (or `8:0 4096`) per line. */
export function parseBlkio(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    const dev = /^(\d+):(\d+)$/.exec(f[0] ?? "");
    if (!dev) continue;
    const op = f.length === 3 ? f[1]! : "";
    const value = Number(f[f.length - 1]);
    out.push({ major: Number(dev[1]), minor: Number(dev[2]), op, value });
  }
  return out;
}

const STATS: [keyof Stats["blkio"], string][] = [
  ["ioServiceBytesRecursive", "io_service_bytes_recursive"],
  ["ioServicedRecursive", "io_serviced_recursive"],
  ["ioQueueRecursive", "io_queued_recursive"],
  ["ioServiceTimeRecursive", "io_service_time_recursive"],
  ["ioWaitTimeRecursive", "io_wait_time_recursive"],
  ["ioMergedRecursive", "io_merged_recursive"],
  ["ioTimeRecursive", "time_recursive"],
  ["sectorsRecursive", "sectors_recursive"],
];

/** The v1 blkio controller. */
export const blkio: V1Controller = {
  name: "blkio",
  set(w, r) {
    const b = r.blockIO;
    if (!b) return;
    // With BFQ the weights live in blkio.bfq.*.
    const bfq = w.has("blkio.bfq.weight");
    const weightFile = bfq ? "blkio.bfq.weight" : "blkio.weight";
    const deviceFile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
    if (b.weight) w.write(weightFile, b.weight);
    if (b.leafWeight) w.write("blkio.leaf_weight", b.leafWeight);
    for (const d of b.weightDevice ?? []) {
      if (d.weight) w.write(deviceFile, `${d.major}:${d.minor} ${d.weight}`);
      if (d.leafWeight) {
        w.write("blkio.leaf_weight_device", `${d.major}:${d.minor} ${d.leafWeight}`);
      }
    }
    const throttles = [
      ["blkio.throttle.read_bps_device", b.throttleReadBpsDevice],
      ["blkio.throttle.write_bps_device", b.throttleWriteBpsDevice],
      ["blkio.throttle.read_iops_device", b.throttleReadIOPSDevice],
      ["blkio.throttle.write_iops_device", b.throttleWriteIOPSDevice],
    ] as const;
    for (const [file, list] of throttles) {
      for (const t of list ?? []) w.write(file, `${t.major}:${t.minor} ${t.rate}`);
    }
  },
  stats(dir, s) {
    // CFQ's files when present, else the throttle layer's (what runc falls back to).
    if (exists(`${dir}/blkio.io_service_bytes_recursive`)) {
      for (const [k, file] of STATS) {
        s.blkio[k] = parseBlkio(readOptional(dir, `blkio.${file}`) ?? "");
      }
      return;
    }
    const t = (f: string) => parseBlkio(readOptional(dir, `blkio.throttle.${f}`) ?? "");
    s.blkio.ioServiceBytesRecursive = t("io_service_bytes_recursive");
    s.blkio.ioServicedRecursive = t("io_serviced_recursive");
  },
};
