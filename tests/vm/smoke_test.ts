/**
 * The VM lane's own check (tests/vm/run.sh): the guest is a pure cgroup v2
 * machine set up as a systemd host would be, and build/runc runs a real
 * container there. Skipped outside the VM, where the host's cgroups are not
 * ours to judge.
 *
 * @module
 */

import { assert, assertEquals } from "../unit/_assert.ts";
import { needsRoot, withSandbox } from "../integration/_util.ts";

const inVm = Deno.env.get("RUNC_VM_STAGE") === "2";
const skip = inVm ? needsRoot() : "runs inside the VM lane only (make test-vm)";
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;

/** The mounts of this mount namespace: [mount point, fs type] pairs. */
function mounts(): [string, string][] {
  return Deno.readTextFileSync("/proc/self/mountinfo").trim().split("\n").map((l) => {
    const f = l.split(" ");
    const sep = f.indexOf("-");
    return [f[4] ?? "", f[sep + 1] ?? ""];
  });
}

Deno.test({
  name: name("vm: cgroup2 is the only cgroup mount, at /sys/fs/cgroup, with the controllers on"),
  ignore: !!skip,
  fn: () => {
    const cg = mounts().filter(([, type]) => type === "cgroup" || type === "cgroup2");
    assertEquals(cg, [["/sys/fs/cgroup", "cgroup2"]]);
    assertEquals(Deno.readTextFileSync("/proc/self/cgroup"), "0::/init.scope\n");
    const enabled = Deno.readTextFileSync("/sys/fs/cgroup/cgroup.subtree_control").trim().split(
      " ",
    );
    for (const c of ["cpuset", "cpu", "io", "memory", "pids"]) {
      assert(enabled.includes(c), `${c} not enabled in the root's subtree_control: ${enabled}`);
    }
  },
});

Deno.test({
  name: name("vm: build/runc runs a busybox container"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const r = await sb.run(["run", "vm-smoke"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "hello from runc-vm-smoke\n");
      assertEquals(await sb.ids(), []);
    }, (s) => {
      s.hostname = "runc-vm-smoke";
      s.process!.args = ["sh", "-c", "echo hello from $(hostname)"];
    }),
});
