/**
 * The v2 freezer: cgroup.freeze, then cgroup.events' `frozen 1` once every
 * task has stopped.
 *
 * @module
 */
import type { FreezerState } from "../cgroups.ts";
import { CgroupError, readKeyed, readOptional, writeFile } from "../file.ts";

/**
 * Freezes (or thaws) the cgroup at dir and waits for the kernel to agree.
 *
 * @param dir the cgroup directory
 * @param frozen true to freeze, false to thaw
 */
export async function setFrozenV2(dir: string, frozen: boolean): Promise<void> {
  writeFile(dir, "cgroup.freeze", frozen ? "1" : "0");
  const want = frozen ? 1 : 0;
  for (let i = 0; i < 1000; i++) {
    const events = readKeyed(dir, "cgroup.events");
    if (events["frozen"] === undefined || events["frozen"] === want) return;
    await new Promise((r) => setTimeout(r, i < 10 ? 1 : 10));
  }
  throw new CgroupError(`timeout waiting for ${dir} to be ${frozen ? "frozen" : "thawed"}`);
}

/** FROZEN when cgroup.freeze is 1; THAWED when 0 or absent (the root, old kernels). */
export function freezerStateV2(dir: string): FreezerState {
  return readOptional(dir, "cgroup.freeze")?.trim() === "1" ? "FROZEN" : "THAWED";
}
