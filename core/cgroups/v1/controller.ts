/**
 * What each v1 controller file implements: its name, how it writes
 * resources, and what it adds to the statistics.
 *
 * @module
 */
import type { LinuxResources } from "../../spec/types.ts";
import type { Writer } from "../file.ts";
import type { Stats } from "../stats.ts";

/** One v1 controller (one hierarchy). */
export interface V1Controller {
  /** The v1 name, e.g. `memory`, `name=systemd`. */
  readonly name: string;
  /** Writes the fields of resources this controller owns; absent ones are left alone. */
  set?(w: Writer, r: LinuxResources): void;
  /** Fills in this controller's statistics from its directory. */
  stats?(dir: string, s: Stats): void;
  /** Prepares a new directory before set runs (cpuset copies its parent's cpus and mems). */
  init?(dir: string, mount: string): void;
}
