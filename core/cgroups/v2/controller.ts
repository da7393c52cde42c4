/**
 * What each v2 controller file implements. All write into the container's
 * one directory; the name is the controller's in cgroup.controllers.
 *
 * @module
 */
import type { LinuxResources } from "../../spec/types.ts";
import type { CgroupSys } from "../../os/sys.ts";
import type { Writer } from "../file.ts";
import type { Stats } from "../stats.ts";

/** One v2 controller. */
export interface V2Controller {
  readonly name: string;
  /** Writes the fields of resources this controller owns; absent ones are left alone. */
  set?(w: Writer, r: LinuxResources, sys: CgroupSys | undefined): void;
  /** Fills in this controller's statistics. */
  stats?(dir: string, s: Stats): void;
}
