/**
 * The v2 devices "controller": no file, a BPF_PROG_TYPE_CGROUP_DEVICE
 * program attached to the directory (replacing the one attached before).
 *
 * @module
 */
import { CgroupError } from "../file.ts";
import { fromSpec } from "../devices.ts";
import { deviceFilter, encodeProgram } from "./bpf.ts";
import type { V2Controller } from "./controller.ts";

/** The v2 devices controller. */
export const devices: V2Controller = {
  name: "devices",
  set(w, r, sys) {
    if (!r.devices) return;
    const program = encodeProgram(deviceFilter(r.devices.map(fromSpec)));
    if (w.dir === undefined) w.write("", ""); // runc's "could not join" error
    if (!sys) throw new CgroupError("cannot set device rules: bpf(2) is not available");
    sys.bpfDeviceFilter(w.dir!, program);
  },
};
