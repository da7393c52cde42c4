import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { fakeV1, read } from "./_cgroup_fixture.ts";
import { newFsManager } from "../../core/cgroups/manager.ts";
import { detectMode, v1Mounts } from "../../core/cgroups/mode.ts";
import { observeWrites } from "../../core/cgroups/file.ts";
import { V1Manager } from "../../core/cgroups/v1/manager.ts";
import {
  containerResources,
  execCgroupPaths,
  joinCgroups,
  parseSubCgroups,
} from "../../core/cgroups/container.ts";
import type { LinuxResources } from "../../core/spec/types.ts";
import type { CgroupSys } from "../../core/os/sys.ts";

const own = new Map([["memory", "/sup/x"], ["", "/"]]);

function manager(root: string, opts: { path?: string; rootless?: boolean } = {}) {
  return newFsManager({
    id: "c1",
    cgroupsPath: opts.path,
    root,
    own,
    rootless: opts.rootless ?? false,
  });
}

Deno.test("v1: hierarchy mode and mounts from the directory layout", () => {
  const legacy = fakeV1(), hybrid = fakeV1(true);
  try {
    assertEquals(detectMode(legacy.root), "legacy");
    assertEquals(detectMode(hybrid.root), "hybrid");
    const m = v1Mounts(legacy.root);
    assertEquals(m.get("name=systemd"), `${legacy.root}/systemd`);
    assertEquals(m.get("memory"), `${legacy.root}/memory`);
  } finally {
    legacy.dispose();
    hybrid.dispose();
  }
});

Deno.test("v1: default path is the id relative to the caller's cgroups; hybrid joins unified", async () => {
  const f = fakeV1(true);
  try {
    const m = manager(f.root);
    await m.apply(4242);
    const p = m.paths();
    assertEquals(p["memory"], `${f.root}/memory/sup/x/c1`);
    assertEquals(p["pids"], `${f.root}/pids/c1`);
    assertEquals(p[""], `${f.root}/unified/c1`);
    for (const dir of Object.values(p)) assertEquals(read(`${dir}/cgroup.procs`), "4242");
    // cpuset got its parent's cpus and mems before the pid joined
    assertEquals(read(`${p["cpuset"]}/cpuset.cpus`), "0-3");
    assertEquals(read(`${p["cpuset"]}/cpuset.mems`), "0");
  } finally {
    f.dispose();
  }
});

Deno.test("v1: apply writes every cgroup.procs in one writeEach; refused ones are left out rootless", async () => {
  const f = fakeV1(true);
  try {
    const calls: string[][] = [];
    // The helper's writeEach, with the pids hierarchy refusing the write.
    const sys: CgroupSys = {
      bpfDeviceFilter: () => {},
      bpfDevicePrograms: () => [],
      oomEventFd: () => -1,
      eventfdWait: () => Promise.resolve(false),
      writeEach: (paths: readonly string[], value: string) => {
        calls.push([...paths]);
        return Promise.resolve(paths.map((p) => {
          if (p.includes("/pids/")) return 13;
          Deno.writeTextFileSync(p, value);
          return 0;
        }));
      },
    };
    const mk = (rootless: boolean) => newFsManager({ id: "c1", root: f.root, own, rootless, sys });
    const root = mk(false);
    root.create();
    const err = await root.apply(77).then(() => undefined, (e: Error) => e);
    assertEquals(calls.length, 1);
    assertEquals(calls[0]!.length, Object.keys(root.paths()).length);
    assertEquals(
      err?.message,
      `failed to write "77": write ${f.root}/pids/c1/cgroup.procs: permission denied`,
    );
    const rootless = mk(true);
    await rootless.apply(78);
    assertEquals(rootless.paths()["pids"], undefined);
    assertEquals(read(`${rootless.paths()["memory"]}/cgroup.procs`), "78");
  } finally {
    f.dispose();
  }
});

Deno.test("v1: absolute and relative cgroupsPath", () => {
  const f = fakeV1();
  try {
    assertEquals(manager(f.root, { path: "/a/b" }).path("memory"), `${f.root}/memory/a/b`);
    assertEquals(manager(f.root, { path: "rel/../x" }).path("memory"), `${f.root}/memory/sup/x/x`);
    assertEquals(manager(f.root, { path: "../../esc" }).path("cpu"), `${f.root}/cpu/esc`);
  } finally {
    f.dispose();
  }
});

Deno.test("v1: set writes every controller's files", () => {
  const f = fakeV1();
  try {
    const m = manager(f.root);
    m.create();
    const r: LinuxResources = {
      memory: { limit: 1 << 20, reservation: 1 << 19, swappiness: 10, disableOOMKiller: true },
      cpu: {
        shares: 512,
        quota: 20000,
        period: 100000,
        realtimeRuntime: 10,
        realtimePeriod: 1000,
        cpus: "1",
        mems: "0",
      },
      pids: { limit: 10 },
      blockIO: {
        weight: 300,
        leafWeight: 200,
        weightDevice: [{ major: 8, minor: 0, weight: 100, leafWeight: 50 }],
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 20 }],
      },
      hugepageLimits: [{ pageSize: "2MB", limit: 4194304 }],
      network: { classID: 0x100001, priorities: [{ name: "eth0", priority: 5 }] },
      rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 100 } },
    };
    m.set(r);
    const p = m.paths();
    const want: [string, string, string][] = [
      ["memory", "memory.limit_in_bytes", "1048576"],
      ["memory", "memory.soft_limit_in_bytes", "524288"],
      ["memory", "memory.swappiness", "10"],
      ["memory", "memory.oom_control", "1"],
      ["cpu", "cpu.shares", "512"],
      ["cpu", "cpu.cfs_quota_us", "20000"],
      ["cpu", "cpu.cfs_period_us", "100000"],
      ["cpu", "cpu.rt_runtime_us", "10"],
      ["cpu", "cpu.rt_period_us", "1000"],
      ["cpuset", "cpuset.cpus", "1"],
      ["pids", "pids.max", "10"],
      ["blkio", "blkio.weight", "300"],
      ["blkio", "blkio.leaf_weight", "200"],
      ["blkio", "blkio.weight_device", "8:0 100"],
      ["blkio", "blkio.leaf_weight_device", "8:0 50"],
      ["blkio", "blkio.throttle.read_bps_device", "8:0 1000"],
      ["blkio", "blkio.throttle.write_iops_device", "8:16 20"],
      ["hugetlb", "hugetlb.2MB.limit_in_bytes", "4194304"],
      ["net_cls", "net_cls.classid", "1048577"],
      ["net_prio", "net_prio.ifpriomap", "eth0 5"],
      ["rdma", "rdma.max", "mlx5_1 hca_handle=3 hca_object=100"],
    ];
    for (const [c, file, value] of want) assertEquals(read(`${p[c]}/${file}`), value, file);
  } finally {
    f.dispose();
  }
});

Deno.test("v1: memory and swap are written in the order the kernel accepts", () => {
  const f = fakeV1();
  try {
    const m = manager(f.root);
    m.create();
    const dir = m.path("memory")!;
    Deno.writeTextFileSync(`${dir}/memory.limit_in_bytes`, "1000");
    Deno.writeTextFileSync(`${dir}/memory.memsw.limit_in_bytes`, "1000");
    const writes: string[] = [];
    const stop = observeWrites((path, v) => writes.push(`${path.slice(dir.length + 1)}=${v}`));
    m.set({ memory: { limit: 2000, swap: 4000 } }); // raising: swap first
    m.set({ memory: { limit: 500, swap: 1000 } }); // lowering: memory first
    m.set({ memory: { limit: -1 } }); // unlimited memory: unlimited swap too
    stop();
    assertEquals(writes, [
      "memory.memsw.limit_in_bytes=4000",
      "memory.limit_in_bytes=2000",
      "memory.limit_in_bytes=500",
      "memory.memsw.limit_in_bytes=1000",
      "memory.memsw.limit_in_bytes=-1",
      "memory.limit_in_bytes=-1",
    ]);
    assertThrows(
      () => m.set({ memory: { swappiness: 101 } }),
      "invalid memory swappiness value: 101",
    );
  } finally {
    f.dispose();
  }
});

Deno.test("v1: device rules become the fewest allow/deny writes", () => {
  const f = fakeV1();
  try {
    const m = manager(f.root);
    m.create();
    const dir = m.path("devices")!;
    Deno.writeTextFileSync(`${dir}/devices.list`, "a *:* rwm\n");
    const writes: string[] = [];
    const stop = observeWrites((path, v) => {
      writes.push(`${path.slice(dir.length + 1)}: ${v}`);
      // What the kernel would then list: deny-all, then the allowed ones.
      if (path.endsWith("devices.deny") && v.startsWith("a ")) {
        Deno.writeTextFileSync(`${dir}/devices.list`, "");
      }
    });
    const spec = {
      ociVersion: "1.0.2",
      linux: {
        resources: {
          devices: [{ allow: false, access: "rwm" }, {
            allow: true,
            type: "c",
            major: 4,
            minor: 7,
            access: "rw",
          }],
        },
      },
    };
    m.set(containerResources(spec));
    stop();
    assertEquals(writes[0], "devices.deny: a *:* rwm");
    assert(writes.includes("devices.allow: c 1:3 rwm"), writes.join("\n"));
    assert(writes.includes("devices.allow: c 4:7 rw"), writes.join("\n"));
    assert(writes.includes("devices.allow: c *:* m"), writes.join("\n"));
    assertEquals(writes.length, 1 + 12);
  } finally {
    f.dispose();
  }
});

Deno.test("v1: freezer, pids of sub-cgroups, destroy removes everything it made", async () => {
  const f = fakeV1();
  try {
    const m = manager(f.root, { path: "/deep/er/c1" });
    await m.apply(7);
    const fr = m.path("freezer")!;
    Deno.writeTextFileSync(`${fr}/freezer.state`, "THAWED\n");
    assertEquals(m.freezerState(), "THAWED");
    await m.freeze(); // the file now reads FROZEN: the wait ends at once
    assertEquals(m.freezerState(), "FROZEN");
    await m.thaw();
    assertEquals(m.freezerState(), "THAWED");
    const dev = m.path("devices")!;
    Deno.mkdirSync(`${dev}/sub/subsub`, { recursive: true });
    Deno.writeTextFileSync(`${dev}/sub/subsub/cgroup.procs`, "8\n9\n");
    assertEquals(m.pids().sort(), [7, 8, 9]);
    // A fake cgroup dir holds files: empty them so rmdir works as on cgroupfs.
    for (const dir of Object.values(m.paths())) emptyFiles(dir);
    await m.destroy();
    for (const c of ["memory", "devices", "cpu"]) {
      assert(!exists(`${f.root}/${c}/deep`), `${c}/deep left behind`);
    }
  } finally {
    f.dispose();
  }
});

Deno.test("v1: a saved paths record reopens the same cgroups", async () => {
  const f = fakeV1();
  try {
    const m = manager(f.root);
    await m.apply(1);
    const again = new V1Manager(JSON.parse(JSON.stringify(m.paths())));
    assertEquals(again.pids(), [1]);
    assertEquals(again.paths(), m.paths());
  } finally {
    f.dispose();
  }
});

Deno.test("v1: rootless without a writable cgroup: limits are an informative error", () => {
  const f = fakeV1();
  try {
    const m = new V1Manager({ pids: "/sys/runc-test-no-such-cgroup" }, { rootless: true });
    m.create(); // not writable: left out
    assertEquals(m.paths(), {});
    m.set({}); // nothing asked: fine
    assertThrows(
      () => m.set({ pids: { limit: 5 } }),
      "cannot set pids limit: container could not join or create cgroup",
    );
  } finally {
    f.dispose();
  }
});

Deno.test("v1: a failed write names the path and the value", () => {
  const f = fakeV1();
  try {
    const m = manager(f.root);
    m.create();
    Deno.mkdirSync(`${m.path("pids")}/pids.max`); // writing to a directory fails
    assertThrows(
      () => m.set({ pids: { limit: 3 } }),
      `failed to write "3": write ${m.path("pids")}/pids.max: is a directory`,
    );
  } finally {
    f.dispose();
  }
});

function exists(p: string): boolean {
  try {
    Deno.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function emptyFiles(dir: string): void {
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile) Deno.removeSync(`${dir}/${e.name}`);
    else if (e.isDirectory) emptyFiles(`${dir}/${e.name}`);
  }
}

Deno.test("exec --cgroup: a process joins the container's cgroups or sub-cgroups of them", async () => {
  const f = fakeV1();
  try {
    const m = manager(f.root);
    await m.apply(1);
    const p = m.paths();
    const join = (pid: number, args: string[]) =>
      joinCgroups(undefined, execCgroupPaths(p, parseSubCgroups(args)), pid);
    await join(2, []);
    assertEquals(read(`${p["pids"]}/cgroup.procs`), "2");
    Deno.mkdirSync(`${p["memory"]}/sub`);
    Deno.mkdirSync(`${p["pids"]}/other`);
    await join(3, ["memory:sub", "pids:other"]);
    assertEquals(read(`${p["memory"]}/sub/cgroup.procs`), "3");
    assertEquals(read(`${p["pids"]}/other/cgroup.procs`), "3");
    assertEquals(read(`${p["cpu"]}/cgroup.procs`), "3");
    // runc's words, which engines and runc's own tests match.
    const failure = (args: string[]) => join(4, args).then(() => "", (e: Error) => e.message);
    assertEquals(
      await failure(["nope"]),
      `error adding pid 4 to cgroups: failed to write 4 to cgroup.procs: open ${
        p["blkio"]
      }/nope/cgroup.procs: no such file or directory`,
    );
    assertThrows(() => join(4, ["cpu:x:y"]), "invalid --cgroup argument: cpu:x:y");
    assertThrows(
      () => join(4, ["a", "b"]),
      "invalid --cgroup argument: a (missing <controller>: prefix)",
    );
    assertThrows(() => join(4, [",cpu:x"]), "(empty <controller> prefix)");
    assertThrows(() => join(4, ["cpu:x", "cpu:y"]), "controller cpu specified multiple times");
    assertThrows(() => join(4, ["../x"]), "../x is not a sub cgroup path");
    assertThrows(() => join(4, ["nosuch:x"]), "unknown controller nosuch in SubCgroupPaths");
  } finally {
    f.dispose();
  }
});
