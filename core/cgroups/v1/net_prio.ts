/**
 * The v1 net_prio controller: a priority per network interface.
 *
 * @module
 */
import type { V1Controller } from "./controller.ts";

/** The v1 net_prio controller. */
export const netPrio: V1Controller = {
  name: "net_prio",
  set(w, r) {
    for (const p of r.network?.priorities ?? []) {
      w.write("net_prio.ifpriomap", `${p.name} ${p.priority}`);
    }
  },
};
