/**
 * The hybrid manager: the v1 manager over every v1 controller, plus the
 * cgroup2 hierarchy at ROOT/unified, which the container joins (key `""` of
 * its paths) as runc 1.1 does. Limits go to v1 only: the unified hierarchy
 * of a hybrid host holds no controllers.
 *
 * @module
 */
import type { CgroupPaths } from "./cgroups.ts";
import { V1Manager, type V1Options } from "./v1/manager.ts";

/** A v1 manager whose paths include the unified directory. */
export class HybridManager extends V1Manager {
  /**
   * @param v1 the v1 directories by controller
   * @param unified the container's directory under ROOT/unified
   * @param opts mounts and rootless
   */
  constructor(v1: CgroupPaths, unified: string, opts: V1Options = {}) {
    super({ ...v1, "": unified }, opts);
  }
}
