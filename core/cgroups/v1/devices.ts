/**
 * The v1 devices controller: the container's device rules, written as the
 * fewest devices.allow / devices.deny lines that turn what devices.list
 * shows now into what the rules ask for (runc's emulator transition).
 *
 * @module
 */
import { CgroupError, readFile } from "../file.ts";
import { DeviceEmulator, fromSpec, ruleString } from "../devices.ts";
import type { V1Controller } from "./controller.ts";

/** The v1 devices controller. */
export const devices: V1Controller = {
  name: "devices",
  set(w, r) {
    if (!r.devices) return;
    const target = DeviceEmulator.of(r.devices.map(fromSpec));
    if (w.dir === undefined) w.write("devices.allow", ""); // runc's "could not join" error
    const current = DeviceEmulator.fromList(readFile(w.dir!, "devices.list"));
    for (const rule of current.transition(target)) {
      w.write(rule.allow ? "devices.allow" : "devices.deny", ruleString(rule));
    }
    // The kernel lists an allow-all cgroup as `a *:* rwm`: check the mode took.
    const after = DeviceEmulator.fromList(readFile(w.dir!, "devices.list"));
    if (after.defaultAllow !== target.defaultAllow) {
      throw new CgroupError(
        `resulting devices cgroup doesn't match target mode in ${w.dir}/devices.list`,
      );
    }
  },
};
