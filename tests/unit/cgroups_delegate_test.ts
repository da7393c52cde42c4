import { containerRoot, delegate, mayManageCgroup } from "../../core/cgroups/delegate.ts";
import { assertEquals } from "./_assert.ts";

Deno.test("the container's root on the host comes from the id maps; none without a user namespace", () => {
  const spec = {
    ociVersion: "1.0.2",
    linux: {
      namespaces: [{ type: "user" as const }],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
    },
  };
  assertEquals(containerRoot(spec), { uid: 100000, gid: 200000 });
  assertEquals(containerRoot({ ociVersion: "1.0.2", linux: { namespaces: [] } }), undefined);
});

Deno.test("a container may manage its cgroup with a cgroup namespace or a writable cgroup mount", () => {
  assertEquals(
    mayManageCgroup({ ociVersion: "1", linux: { namespaces: [{ type: "cgroup" }] } }),
    true,
  );
  const mount = (options: string[]) => ({
    ociVersion: "1",
    mounts: [{ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options }],
  });
  assertEquals(mayManageCgroup(mount(["nosuid", "ro"])), false);
  assertEquals(mayManageCgroup(mount(["nosuid", "rw"])), true);
});

Deno.test({
  name: "delegation gives the directory and the kernel's delegatable files to the container's root",
  ignore: Deno.uid() !== 0,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      for (const f of ["cgroup.procs", "cgroup.threads", "memory.max"]) {
        await Deno.writeTextFile(`${dir}/${f}`, "");
      }
      delegate(dir, { uid: 4242, gid: 4343 }, "cgroup.procs\ncgroup.threads\nmemory.oom.group\n");
      assertEquals([(await Deno.stat(dir)).uid, (await Deno.stat(dir)).gid], [4242, 4343]);
      assertEquals((await Deno.stat(`${dir}/cgroup.procs`)).uid, 4242);
      assertEquals((await Deno.stat(`${dir}/cgroup.threads`)).uid, 4242);
      assertEquals((await Deno.stat(`${dir}/memory.max`)).uid, 0, "not in the delegate list");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
