/**
 * core/intelrdt against a resctrl mount of plain files (_resctrl_fixture.ts)
 * and mount tables given as text: the mount found as runc finds it, the
 * group made and joined, schemata written as runc writes them, the kernel's
 * refusal with last_cmd_status, removal by runc's rules, the stats.
 */
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { LAST_CMD_STATUS, makeFakeResctrl, refusingSchemata } from "./_resctrl_fixture.ts";
import { parseMountInfo, RESCTRL_ROOT_ENV, resctrlMount } from "../../core/os/host.ts";
import {
  checkUpdate,
  destroyGroup,
  features,
  IntelRdtManager,
  joinGroup,
  newManager,
  NOT_MOUNTED,
  resctrlRoot,
  schemataText,
} from "../../core/intelrdt/intelrdt.ts";
import { intelRdtJson, intelRdtStats, readUint } from "../../core/intelrdt/stats.ts";

const MOUNTINFO = [
  "22 1 0:21 / /proc rw,nosuid - proc proc rw",
  "30 22 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
  "41 22 0:40 / /sys/fs/res\\040ctrl rw,relatime shared:7 - resctrl resctrl rw,mba_MBps",
  "42 22 0:41 / /mnt/second rw - resctrl resctrl rw",
].join("\n");

/** Runs fn with a fake resctrl mount named by the test hook, then removes both. */
function withFake(fn: (root: string) => void, f?: Parameters<typeof makeFakeResctrl>[1]): void {
  const root = Deno.makeTempDirSync({ prefix: "resctrl-" });
  const before = Deno.env.get(RESCTRL_ROOT_ENV);
  try {
    makeFakeResctrl(root, f);
    Deno.env.set(RESCTRL_ROOT_ENV, root);
    fn(root);
  } finally {
    if (before === undefined) Deno.env.delete(RESCTRL_ROOT_ENV);
    else Deno.env.set(RESCTRL_ROOT_ENV, before);
    Deno.removeSync(root, { recursive: true });
  }
}

const read = (p: string) => Deno.readTextFileSync(p);
const isThere = (p: string) => {
  try {
    Deno.lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

Deno.test("the resctrl mount is the first of type resctrl in mountinfo, mba_MBps read", () => {
  const env = Deno.env.get(RESCTRL_ROOT_ENV);
  Deno.env.delete(RESCTRL_ROOT_ENV);
  try {
    const mounts = parseMountInfo(MOUNTINFO);
    assertEquals(mounts[2], {
      root: "/",
      point: "/sys/fs/res ctrl",
      fstype: "resctrl",
      superOptions: "rw,mba_MBps",
    });
    assertEquals(resctrlMount(mounts), { point: "/sys/fs/res ctrl", mbaMBps: true });
    assertEquals(resctrlMount(mounts.slice(3)), { point: "/mnt/second", mbaMBps: false });
    assertEquals(resctrlMount(mounts.slice(0, 2)), undefined);
  } finally {
    if (env !== undefined) Deno.env.set(RESCTRL_ROOT_ENV, env);
  }
});

Deno.test("no resctrl mount: runc's words, and no manager", () => {
  const env = Deno.env.get(RESCTRL_ROOT_ENV);
  Deno.env.delete(RESCTRL_ROOT_ENV);
  try {
    // This host's own table (no machine here has resctrl mounted).
    if (resctrlMount() !== undefined) return;
    assertThrows(() => resctrlRoot(), NOT_MOUNTED);
    assertEquals(newManager({ closID: "x" }, "c1"), undefined);
    assertThrows(() => checkUpdate("L3:0=f", ""), "Intel RDT/CAT: l3 cache schema is not enabled");
    assertThrows(
      () => checkUpdate("", "MB:0=50"),
      "Intel RDT/MBA: memory bandwidth schema is not enabled",
    );
  } finally {
    if (env !== undefined) Deno.env.set(RESCTRL_ROOT_ENV, env);
  }
});

Deno.test("features come from info/L3, info/MB and info/L3_MON", () => {
  withFake((root) => {
    assertEquals(features(root), {
      cat: true,
      mba: false,
      mbmTotal: true,
      mbmLocal: false,
      cmt: true,
    });
    // The MBA software controller (mount -o mba_MBps) implies MBA.
    assertEquals(features(root, true).mba, true);
    assertThrows(
      () => checkUpdate("", "MB:0=50"),
      "Intel RDT/MBA: memory bandwidth schema is not enabled",
    );
    checkUpdate("L3:0=f", "");
  }, { l3: true, mon: ["mbm_total_bytes", "llc_occupancy"] });
});

Deno.test("schemata text: the L3 line, the MB line, or both", () => {
  assertEquals(schemataText({ l3CacheSchema: "L3:0=f" }), "L3:0=f");
  assertEquals(schemataText({ memBwSchema: "MB:0=20" }), "MB:0=20");
  assertEquals(
    schemataText({ l3CacheSchema: "L3:0=f", memBwSchema: "MB:0=20" }),
    "L3:0=f\nMB:0=20",
  );
  assertEquals(schemataText({ closID: "x" }), undefined);
});

Deno.test("the container's own group: made, joined, schemata written, removed", () => {
  withFake((root) => {
    const m = newManager({ l3CacheSchema: "L3:0=f0", memBwSchema: "MB:0=20" }, "c1")!;
    assertEquals(m.path, `${root}/c1`);
    assert(m.owned);
    assertEquals(m.apply(4242), true);
    assertEquals(read(`${root}/c1/tasks`), "4242\n");
    m.set({ l3CacheSchema: "L3:0=f0", memBwSchema: "MB:0=20" });
    assertEquals(read(`${root}/c1/schemata`), "L3:0=f0\nMB:0=20\n");
    m.set({ memBwSchema: "MB:0=30" });
    assertEquals(read(`${root}/c1/schemata`), "MB:0=30\n");
    // An exec'd process joins it; the ids add up.
    joinGroup(m.path, 4243);
    assertEquals(read(`${root}/c1/tasks`), "4242\n4243\n");
    // Applied again (a group that is there): joined, not made.
    assertEquals(new IntelRdtManager(root, {}, "c1").apply(4244), false);
    m.destroy();
    assert(!isThere(`${root}/c1`));
    // Removing twice is no error; joining a group that is gone does nothing.
    destroyGroup({}, `${root}/c1`);
    joinGroup(`${root}/c1`, 1);
    assert(!isThere(`${root}/c1`));
  });
});

Deno.test("a closID group: must exist without schemas, is never removed", () => {
  withFake((root) => {
    const bare = newManager({ closID: "gold" }, "c1")!;
    assertEquals(bare.path, `${root}/gold`);
    assertThrows(
      () => bare.apply(1),
      "clos dir not accessible (must be pre-created when l3CacheSchema and memBwSchema are " +
        `empty): stat ${root}/gold: no such file or directory`,
    );
    assert(!isThere(`${root}/gold`));
    Deno.mkdirSync(`${root}/gold`);
    Deno.writeTextFileSync(`${root}/gold/schemata`, "L3:0=3\n");
    assertEquals(bare.apply(7), false);
    bare.set({ closID: "gold" });
    assertEquals(read(`${root}/gold/schemata`), "L3:0=3\n", "no schema: schemata left alone");
    bare.destroy();
    destroyGroup({ closID: "gold" }, `${root}/gold`);
    assertEquals(read(`${root}/gold/tasks`), "7\n");
    // With a schema, a missing closID group is made (and still not removed).
    const silver = newManager({ closID: "silver", l3CacheSchema: "L3:0=1" }, "c2")!;
    assertEquals(silver.apply(8), true);
    silver.destroy();
    assert(isThere(`${root}/silver/tasks`));
  });
});

Deno.test("a schema the kernel refuses: the write's errno and last_cmd_status", () => {
  withFake((root) => {
    refusingSchemata(`${root}/c1`);
    const m = newManager({ l3CacheSchema: "L3:0=xyz" }, "c1")!;
    assertEquals(m.apply(9), false);
    assertThrows(
      () => m.set({ l3CacheSchema: "L3:0=xyz" }),
      `intelrdt: unable to write L3:0=xyz: write ${root}/c1/schemata: invalid argument, ` +
        `last_cmd_status: ${LAST_CMD_STATUS}`,
    );
    // A group that cannot be made (its name is a file): mkdir's error.
    Deno.writeTextFileSync(`${root}/c2`, "");
    assertThrows(
      () => newManager({ l3CacheSchema: "L3:0=1" }, "c2")!.apply(1),
      `mkdir ${root}/c2: file exists, last_cmd_status: ${LAST_CMD_STATUS}`,
    );
    // tasks that cannot be opened.
    Deno.mkdirSync(`${root}/c3/tasks`, { recursive: true });
    assertThrows(
      () => joinGroup(`${root}/c3`, 5),
      `intelrdt: unable to add pid 5: open ${root}/c3/tasks: is a directory, ` +
        `last_cmd_status: ${LAST_CMD_STATUS}`,
    );
  });
});

Deno.test("stats: the info files, the root's and the group's schema lines, the monitors", () => {
  withFake((root) => {
    const m = newManager({ l3CacheSchema: "L3:0=f0" }, "c1")!;
    m.apply(1);
    m.set({ l3CacheSchema: "L3:0=f0", memBwSchema: "MB:0=20" });
    for (
      const [d, total, local, llc] of [["mon_L3_01", "5", "6", "7"], [
        "mon_L3_00",
        "18446744073709551615",
        "2",
        "3",
      ]] as const
    ) {
      Deno.mkdirSync(`${root}/c1/mon_data/${d}`, { recursive: true });
      Deno.writeTextFileSync(`${root}/c1/mon_data/${d}/mbm_total_bytes`, `${total}\n`);
      Deno.writeTextFileSync(`${root}/c1/mon_data/${d}/mbm_local_bytes`, `${local}\n`);
      Deno.writeTextFileSync(`${root}/c1/mon_data/${d}/llc_occupancy`, `${llc}\n`);
    }
    assertEquals(
      intelRdtJson(intelRdtStats(m)),
      '{"l3_cache_info":{"cbm_mask":"fffff","min_cbm_bits":1,"num_closids":16},' +
        '"l3_cache_schema_root":"L3:0=fffff;1=fffff","l3_cache_schema":"L3:0=f0",' +
        '"mem_bw_info":{"bandwidth_gran":10,"delay_linear":1,"min_bandwidth":10,"num_closids":8},' +
        '"mem_bw_schema_root":"MB:0=100;1=100","mem_bw_schema":"MB:0=20",' +
        '"mbm_stats":[{"mbm_total_bytes":18446744073709551615,"mbm_local_bytes":2},' +
        '{"mbm_total_bytes":5,"mbm_local_bytes":6}],' +
        '"cmt_stats":[{"llc_occupancy":3},{"llc_occupancy":7}]}',
    );
    // The kernel's "Unavailable" counter fails the stats, as in runc.
    Deno.writeTextFileSync(`${root}/c1/mon_data/mon_L3_00/llc_occupancy`, "Unavailable\n");
    assertThrows(
      () => intelRdtStats(m),
      `unable to parse "Unavailable\\n" as a uint from file ` +
        `"${root}/c1/mon_data/mon_L3_00/llc_occupancy"`,
    );
  }, { l3: true, mb: true, mon: ["mbm_total_bytes", "mbm_local_bytes", "llc_occupancy"] });
});

Deno.test("stats without MB or monitoring: only the L3 part; a group without schemata fails", () => {
  withFake((root) => {
    const m = newManager({ l3CacheSchema: "L3:0=f0" }, "c1")!;
    m.apply(1);
    assertThrows(
      () => intelRdtStats(m),
      `open ${root}/c1/schemata: no such file or directory`,
    );
    m.set({ l3CacheSchema: "L3:0=f0" });
    assertEquals(
      intelRdtJson(intelRdtStats(m)),
      '{"l3_cache_info":{"cbm_mask":"fffff","min_cbm_bits":1,"num_closids":16},' +
        '"l3_cache_schema_root":"L3:0=fffff;1=fffff","l3_cache_schema":"L3:0=f0"}',
    );
  }, { l3: true });
});

Deno.test("uints as runc's fscommon.ParseUint reads them", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/a`, "-5\n");
    assertEquals(readUint(dir, "a"), 0n);
    Deno.writeTextFileSync(`${dir}/a`, "12\n");
    assertEquals(readUint(dir, "a"), 12n);
    Deno.writeTextFileSync(`${dir}/a`, "18446744073709551616");
    assertThrows(() => readUint(dir, "a"), "unable to parse");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
