/**
 * The rdma controller (Linux 4.11+), the same file on v1 and v2: rdma.max,
 * one line per device, `mlx4_0 hca_handle=2 hca_object=2000`.
 *
 * @module
 */
import type { LinuxResources } from "../spec/types.ts";
import type { Writer } from "./file.ts";

/** The rdma.max lines for the spec's rdma map, devices sorted. */
export function rdmaLines(rdma: LinuxResources["rdma"]): string[] {
  const out: string[] = [];
  for (const dev of Object.keys(rdma ?? {}).sort()) {
    const l = rdma![dev]!;
    if (l.hcaHandles === undefined && l.hcaObjects === undefined) continue;
    let line = dev;
    if (l.hcaHandles !== undefined) line += ` hca_handle=${l.hcaHandles}`;
    if (l.hcaObjects !== undefined) line += ` hca_object=${l.hcaObjects}`;
    out.push(line);
  }
  return out;
}

/** Writes the rdma limits. */
export function setRdma(w: Writer, r: LinuxResources): void {
  for (const line of rdmaLines(r.rdma)) w.write("rdma.max", line);
}
