/**
 * The v1 net_cls controller: the class id of the container's packets.
 *
 * @module
 */
import type { V1Controller } from "./controller.ts";

/** The v1 net_cls controller. */
export const netCls: V1Controller = {
  name: "net_cls",
  set(w, r) {
    if (r.network?.classID) w.write("net_cls.classid", r.network.classID);
  },
};
