/**
 * Checks of the mounts' destinations that runc makes when it mounts them
 * (rootfs_linux.go's checkProcMount and friends), made before anything is
 * created: a destination that climbs above the root or covers it, anything
 * but a procfs on /proc or inside it, anything but sysfs (or the host's /sys)
 * on /sys.
 *
 * @module
 */

import { type Check, fail, host } from "./_check.ts";
import { joinPath } from "../os/path.ts";
import { isBind, mountDestination } from "./mounts.ts";

/** The files under /proc that lxcfs-style mounts may cover (runc's list). */
const PROC_MOUNTS_ALLOWED = new Set([
  "/proc/cpuinfo",
  "/proc/diskstats",
  "/proc/meminfo",
  "/proc/stat",
  "/proc/swaps",
  "/proc/uptime",
  "/proc/loadavg",
  "/proc/slabinfo",
  "/proc/net/dev",
]);

/** Whether dest climbs above the root on the way (`/a/../../etc`). */
function climbsAbove(dest: string): boolean {
  let depth = 0;
  for (const part of dest.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (--depth < 0) return true;
    } else depth++;
  }
  return false;
}

export const mountDestinationsCheck: Check = {
  name: "mountDestinations",
  stage: "start",
  run(spec, ctx) {
    for (const [i, m] of (spec.mounts ?? []).entries()) {
      const field = `mounts[${i}].destination`;
      if (climbsAbove(m.destination)) {
        fail(
          "mountDestinations",
          `mount destination ${m.destination} escapes the container's root`,
          field,
        );
      }
      const dest = mountDestination(m.destination);
      if (dest === "/") {
        fail(
          "mountDestinations",
          `mount destination ${m.destination} is the container's root: mount over the rootfs ` +
            "with root.path instead",
          field,
        );
      }
      if (dest === "/proc") {
        // runc's checkProcMount: a procfs, or a source that is one (the host's /proc bound).
        const source = m.source ?? "";
        const abs = source.startsWith("/") ? source : joinPath(ctx.bundleDir, source);
        if (m.type !== "proc" && !(source !== "" && host(ctx, "fsType")(abs) === "proc")) {
          fail(
            "mountDestinations",
            `"${dest}" cannot be mounted because it is not of type proc`,
            field,
          );
        }
      } else if (dest.startsWith("/proc/") && !PROC_MOUNTS_ALLOWED.has(dest)) {
        fail("mountDestinations", `"${dest}" cannot be mounted because it is inside /proc`, field);
      }
      if (dest === "/sys" && m.type !== "sysfs" && !(isBind(m) && m.source === "/sys")) {
        fail(
          "mountDestinations",
          `"${dest}" cannot be mounted because it is not of type sysfs`,
          field,
        );
      }
    }
    return [];
  },
};
