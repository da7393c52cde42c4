/**
 * linux.resources.unified: cgroup v2 files written as given, after every
 * other controller (so they can override the converted values).
 *
 * @module
 */
import { CgroupError, readOptional } from "../file.ts";
import { osErrno } from "../../os/errno.ts";
import type { V2Controller } from "./controller.ts";

const EPERM = 1, ENOENT = 2, EACCES = 13;

/** The unified map. */
export const unified: V2Controller = {
  name: "unified",
  set(w, r) {
    for (const [key, value] of Object.entries(r.unified ?? {})) {
      if (key.includes("/")) {
        throw new CgroupError(
          `unified resource ${JSON.stringify(key)} must be a file name (no slashes)`,
        );
      }
      try {
        w.write(key, value);
      } catch (e) {
        const errno = osErrno((e as Error).cause);
        if (w.dir === undefined || ![EPERM, ENOENT, EACCES].includes(errno)) throw e;
        const dot = key.indexOf(".");
        if (dot <= 0) {
          throw new CgroupError(
            `unified resource ${JSON.stringify(key)} must be in the form CONTROLLER.PARAMETER`,
          );
        }
        const controller = key.slice(0, dot);
        const available = (readOptional(w.dir, "cgroup.controllers") ?? "").trim().split(/\s+/);
        if (controller !== "cgroup" && !available.includes(controller)) {
          throw new CgroupError(
            `unified resource ${JSON.stringify(key)} can't be set: controller ${
              JSON.stringify(controller)
            } not available`,
          );
        }
        throw e;
      }
    }
  },
};
