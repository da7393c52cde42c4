/**
 * Small helpers that reproduce how runc's Go code prints values and paths, so
 * that error messages match runc's text: `%q` and `%+v` of a spec mount. Paths
 * and errno texts are core/os's.
 *
 * @module
 */

import type { LinuxIDMapping, Mount } from "./types.ts";

/** Go's `%q` of a string (strconv.Quote): the one the log uses. */
export { goQuote } from "../log.ts";

function goIdMaps(maps: LinuxIDMapping[] | undefined): string {
  return `[${
    (maps ?? []).map((m) => `{ContainerID:${m.containerID} HostID:${m.hostID} Size:${m.size}}`)
      .join(" ")
  }]`;
}

/** Go's `%+v` of a runtime-spec `Mount` (as runc 1.1.5 prints it in errors). */
export function goMount(m: Mount): string {
  return `{Destination:${m.destination} Type:${m.type ?? ""} Source:${m.source ?? ""} ` +
    `Options:[${(m.options ?? []).join(" ")}] UIDMappings:${goIdMaps(m.uidMappings)} ` +
    `GIDMappings:${goIdMaps(m.gidMappings)}}`;
}
