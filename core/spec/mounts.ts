/**
 * The spec's mounts as the runtime reads them: whether one is a bind mount,
 * and where its destination is inside the rootfs.
 *
 * @module
 */
import type { Mount } from "./types.ts";
import { cleanPath } from "../os/path.ts";

/** Whether a mount of the spec is a bind mount. */
export function isBind(m: Mount): boolean {
  return m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind");
}

/**
 * A destination as a clean absolute path inside the rootfs. Relative ones are
 * taken from the root, as runc 1.1 does (mountsCheck warns about them).
 *
 * @param dest the spec's destination
 * @returns the path from the container's root; `..` never climbs above it
 */
export function mountDestination(dest: string): string {
  return cleanPath(`/${dest}`);
}
