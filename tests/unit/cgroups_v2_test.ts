import { assertEquals, assertThrows } from "./_assert.ts";
import { fakeV2, read } from "./_cgroup_fixture.ts";
import { newFsManager } from "../../core/cgroups/manager.ts";
import { detectMode } from "../../core/cgroups/mode.ts";
import type { CgroupSys } from "../../core/os/sys.ts";
import { containerResources } from "../../core/cgroups/container.ts";

const own = new Map([["", "/user.slice/session-1.scope"]]);

/** A recording fake of the bpf(2) calls; writeEach writes as the helper does. */
function fakeSys(): CgroupSys & { programs: [string, Uint8Array][] } {
  const programs: [string, Uint8Array][] = [];
  return {
    programs,
    bpfDeviceFilter: (dir, insns) => void programs.push([dir, insns]),
    bpfDevicePrograms: () => [],
    oomEventFd: () => -1,
    eventfdWait: () => Promise.resolve(false),
    writeEach: (paths, value) =>
      Promise.resolve(paths.map((p) => {
        try {
          Deno.writeTextFileSync(p, value, { create: false });
          return 0;
        } catch {
          return 2;
        }
      })),
  };
}

Deno.test("v2: mode, path under the parent of the caller's cgroup, controllers enabled", async () => {
  const f = fakeV2();
  try {
    assertEquals(detectMode(f.root), "unified");
    const m = newFsManager({ id: "c1", root: f.root, own });
    await m.apply(99);
    const dir = `${f.root}/user.slice/c1`;
    assertEquals(m.paths(), { "": dir });
    assertEquals(read(`${dir}/cgroup.procs`), "99");
    assertEquals(
      read(`${f.root}/cgroup.subtree_control`),
      "+cpuset +cpu +io +memory +hugetlb +pids +rdma",
    );
    const abs = newFsManager({ id: "c1", cgroupsPath: "/machine/x", root: f.root, own });
    assertEquals(abs.paths(), { "": `${f.root}/machine/x` });
  } finally {
    f.dispose();
  }
});

Deno.test("v2: set converts the spec's v1 values as runc does", () => {
  const f = fakeV2();
  try {
    const sys = fakeSys();
    const m = newFsManager({ id: "c1", root: f.root, own, sys });
    m.create();
    m.set({
      memory: { limit: 1000, swap: 3000, reservation: 500 },
      cpu: { shares: 1024, quota: 50000, period: 100000, cpus: "0-1", mems: "0", idle: 1 },
      pids: { limit: -1 },
      blockIO: {
        weight: 500,
        throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }],
        throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 7 }],
      },
      hugepageLimits: [{ pageSize: "1GB", limit: 1073741824 }],
      rdma: { mlx4_0: { hcaHandles: 2 } },
      unified: { "memory.high": "900", "pids.max": "42" },
    });
    const d = m.path("")!;
    const want: [string, string][] = [
      ["memory.max", "1000"],
      ["memory.swap.max", "2000"],
      ["memory.low", "500"],
      ["cpu.weight", "39"],
      ["cpu.max", "50000 100000"],
      ["cpu.idle", "1"],
      ["cpuset.cpus", "0-1"],
      ["cpuset.mems", "0"],
      ["pids.max", "42"], // unified is written last and wins
      ["io.weight", "4950"],
      ["io.max", "8:0 wiops=7"], // the last line written
      ["hugetlb.1GB.max", "1073741824"],
      ["rdma.max", "mlx4_0 hca_handle=2"],
      ["memory.high", "900"],
    ];
    for (const [file, value] of want) assertEquals(read(`${d}/${file}`), value, file);
  } finally {
    f.dispose();
  }
});

Deno.test("v2: memory and swap edge cases", () => {
  const f = fakeV2();
  try {
    const m = newFsManager({ id: "c1", root: f.root, own });
    m.create();
    const d = m.path("")!;
    m.set({ memory: { limit: 2000, swap: 2000 } }); // equal: no swap
    assertEquals(read(`${d}/memory.swap.max`), "0");
    m.set({ memory: { limit: -1 } });
    assertEquals(read(`${d}/memory.max`), "max");
    assertEquals(read(`${d}/memory.swap.max`), "max");
    assertThrows(
      () => m.set({ memory: { swap: 10 } }),
      "unable to set swap limit without memory limit",
    );
    assertThrows(
      () => m.set({ memory: { limit: 10, swap: 5 } }),
      "memory+swap limit should be >= memory limit",
    );
    m.set({ cpu: { quota: -1 } });
    assertEquals(read(`${d}/cpu.max`), "max");
    assertThrows(() => m.set({ cpu: { realtimeRuntime: 5 } }), "not supported on cgroup v2");
  } finally {
    f.dispose();
  }
});

Deno.test("v2: io uses BFQ's files when present", () => {
  const f = fakeV2();
  try {
    const m = newFsManager({ id: "c1", root: f.root, own });
    m.create();
    const d = m.path("")!;
    Deno.writeTextFileSync(`${d}/io.bfq.weight`, "default 100\n");
    m.set({ blockIO: { weight: 300, weightDevice: [{ major: 8, minor: 0, weight: 50 }] } });
    assertEquals(read(`${d}/io.bfq.weight`), "8:0 50");
  } finally {
    f.dispose();
  }
});

Deno.test("v2: unified keys are checked as runc checks them", () => {
  const f = fakeV2("memory pids");
  try {
    const m = newFsManager({ id: "c1", root: f.root, own });
    m.create();
    Deno.writeTextFileSync(`${m.path("")}/cgroup.controllers`, "memory pids\n");
    assertThrows(() => m.set({ unified: { "../x": "1" } }), "must be a file name (no slashes)");
    // A read-only file stands in for one the kernel refuses.
    Deno.mkdirSync(`${m.path("")}/cpu.weight`);
    assertThrows(
      () => m.set({ unified: { "cpu.weight": "10" } }),
      `failed to write "10"`,
    );
  } finally {
    f.dispose();
  }
});

Deno.test("v2: device rules go to bpf(2) as one program", () => {
  const f = fakeV2();
  try {
    const sys = fakeSys();
    const m = newFsManager({ id: "c1", root: f.root, own, sys });
    m.create();
    m.set(
      containerResources({
        ociVersion: "1.0.2",
        linux: { resources: { devices: [{ allow: false, access: "rwm" }] } },
      }),
    );
    assertEquals(sys.programs.length, 1);
    assertEquals(sys.programs[0]![0], m.path(""));
    assertEquals(sys.programs[0]![1].length % 8, 0);
  } finally {
    f.dispose();
  }
});

Deno.test("v2: a rootless caller's device rules that bpf(2) refuses are let go, as runc's fs2; other limits are set", () => {
  const f = fakeV2();
  try {
    const refuse: CgroupSys = {
      ...fakeSys(),
      bpfDeviceFilter: () => {
        throw new Error("bpf device filter: operation not permitted");
      },
    };
    const res = containerResources({
      ociVersion: "1.0.2",
      linux: { resources: { devices: [{ allow: false, access: "rwm" }], pids: { limit: 7 } } },
    });
    const m = newFsManager({ id: "c1", root: f.root, own, sys: refuse, rootless: true });
    m.create();
    m.set(res);
    assertEquals(read(`${m.path("")}/pids.max`), "7");
    const root = newFsManager({ id: "c2", root: f.root, own, sys: refuse });
    root.create();
    assertThrows(() => root.set(res), "operation not permitted");
  } finally {
    f.dispose();
  }
});

Deno.test("v2: freeze, thaw and destroy", async () => {
  const f = fakeV2();
  try {
    const m = newFsManager({ id: "c1", cgroupsPath: "/a/b", root: f.root, own });
    await m.apply(5);
    const d = m.path("")!;
    Deno.writeTextFileSync(`${d}/cgroup.events`, "populated 1\nfrozen 1\n");
    await m.freeze();
    assertEquals(read(`${d}/cgroup.freeze`), "1");
    assertEquals(m.freezerState(), "FROZEN");
    Deno.writeTextFileSync(`${d}/cgroup.events`, "populated 1\nfrozen 0\n");
    await m.thaw();
    assertEquals(m.freezerState(), "THAWED");
    Deno.mkdirSync(`${d}/inner`);
    for (const e of Deno.readDirSync(d)) if (e.isFile) Deno.removeSync(`${d}/${e.name}`);
    await m.destroy();
    assertThrows(() => Deno.statSync(`${f.root}/a`));
  } finally {
    f.dispose();
  }
});
