/**
 * Whether a container's cgroup is frozen, read straight from its saved paths
 * (the v1 freezer, else cgroup.freeze of the unified directory); small enough
 * for state.ts to derive `paused` without loading the managers.
 *
 * @module
 */
import type { CgroupPaths } from "./cgroups.ts";
import { freezerStateV1 } from "./v1/freezer.ts";
import { freezerStateV2 } from "./v2/freezer.ts";

/**
 * @param paths the container's saved cgroup paths
 * @returns true when the container's processes are frozen
 */
export function cgroupFrozen(paths: CgroupPaths | undefined): boolean {
  if (!paths) return false;
  if (paths["freezer"]) return freezerStateV1(paths["freezer"]) === "FROZEN";
  // In hybrid mode the unified directory is joined but not used to freeze.
  if (paths[""] && Object.keys(paths).length === 1) return freezerStateV2(paths[""]) === "FROZEN";
  return false;
}
