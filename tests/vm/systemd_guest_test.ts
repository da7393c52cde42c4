/**
 * The systemd guest's own check (tests/vm/run.sh with VM_GUEST=systemd): the
 * machine is what the systemd driver and LSM tests need it to be (Debian's
 * systemd as PID 1 with its D-Bus system bus, pure cgroup v2, the LSM the lane
 * asked for), and build/runc runs a container on it. Skipped elsewhere.
 *
 * @module
 */

import { assert, assertEquals } from "../unit/_assert.ts";
import { needsRoot, withSandbox } from "../integration/_util.ts";

const inGuest = Deno.env.get("RUNC_VM_GUEST") === "systemd";
const skip = inGuest ? needsRoot() : "runs inside the systemd VM guest only (make test-vm-systemd)";
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;
const lsm = Deno.env.get("RUNC_VM_LSM") ?? "";

function read(path: string): string {
  return Deno.readTextFileSync(path).trim();
}

Deno.test({
  name: name("systemd guest: systemd is PID 1, its bus answers, cgroup2 is the only hierarchy"),
  ignore: !!skip,
  fn: async () => {
    assertEquals(read("/proc/1/comm"), "systemd");
    assert(Deno.statSync("/run/systemd/system").isDirectory);
    assert(Deno.statSync("/run/dbus/system_bus_socket").isSocket);
    const out = await new Deno.Command("busctl", {
      args: [
        "--system",
        "get-property",
        "org.freedesktop.systemd1",
        "/org/freedesktop/systemd1",
        "org.freedesktop.systemd1.Manager",
        "Version",
      ],
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    assert(new TextDecoder().decode(out.stdout).startsWith('s "252'));
    const types = read("/proc/self/mountinfo").split("\n").map((l) =>
      l.split(" - ")[1]?.split(" ")[0]
    );
    assert(types.includes("cgroup2"));
    assert(!types.includes("cgroup"), "a v1 hierarchy is mounted");
  },
});

Deno.test({
  name: name(`systemd guest: the LSM of this boot (${lsm || "none named"}) is on`),
  ignore: !!skip,
  fn: () => {
    const lsms = read("/sys/kernel/security/lsm").split(",");
    if (lsm === "apparmor") {
      assert(lsms.includes("apparmor"), `LSMs: ${lsms}`);
      assertEquals(read("/sys/module/apparmor/parameters/enabled"), "Y");
    } else if (lsm === "selinux") {
      assert(lsms.includes("selinux"), `LSMs: ${lsms}`);
      assertEquals(read("/sys/fs/selinux/enforce"), "0");
      assert(
        read("/proc/self/attr/current").startsWith("system_u:"),
        "no SELinux label on this process",
      );
    } else {
      throw new Error(`RUNC_VM_LSM is "${lsm}": the lane must name apparmor or selinux`);
    }
  },
});

Deno.test({
  name: name("systemd guest: build/runc runs a container with the cgroupfs driver"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const r = await sb.run(["run", "sd-guest-smoke"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "0::/runc-vm-guest/sd-guest-smoke\n50000 100000\n");
      assertEquals(await sb.ids(), []);
    }, (s) => {
      s.process!.args = [
        "sh",
        "-c",
        "cat /proc/self/cgroup; cat /sys/fs/cgroup/runc-vm-guest/sd-guest-smoke/cpu.max",
      ];
      s.linux!.resources = { ...s.linux!.resources, cpu: { quota: 50000, period: 100000 } };
      s.linux!.cgroupsPath = "/runc-vm-guest/sd-guest-smoke";
      s.linux!.namespaces = (s.linux!.namespaces ?? []).filter((n) => n.type !== "cgroup");
      s.mounts = [...(s.mounts ?? []), {
        destination: "/sys/fs/cgroup",
        type: "bind",
        source: "/sys/fs/cgroup",
        options: ["rbind", "ro"],
      }];
    }),
});
