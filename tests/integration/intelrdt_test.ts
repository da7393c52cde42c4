/**
 * Intel RDT (`linux.intelRdt`) with real containers. No machine here has RDT
 * hardware, so the resctrl mount is a directory of plain files
 * (tests/unit/_resctrl_fixture.ts) that runc is pointed at with
 * RUNC_TEST_RESCTRL_ROOT; the code past finding the mount is the one a real
 * /sys/fs/resctrl gets. The tests without that variable use this host's own
 * mount table, which has no resctrl.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { LAST_CMD_STATUS, makeFakeResctrl, refusingSchemata } from "../unit/_resctrl_fixture.ts";
import { alive, hasReference, needsRoot, type Sandbox, shareOut } from "./_util.ts";
import { leftovers, uniqueId, withCgroupSandbox } from "./_cgroup_util.ts";
import { RESCTRL_ROOT_ENV, resctrlMount } from "../../core/os/host.ts";
import { KILL_AT_ENV } from "../../core/init/kill_points.ts";
import type { LinuxIntelRdt, Spec } from "../../core/spec/types.ts";

const skip = needsRoot("makes the container's cgroups in the host's hierarchies");
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;
// The "not mounted" tests need a host without resctrl (all of ours).
const mounted = resctrlMount() !== undefined;

const sleeper = (rdt: LinuxIntelRdt | undefined) => (s: Spec) => {
  s.process!.args = ["sleep", "100"];
  if (rdt) s.linux!.intelRdt = rdt;
};

/** The fake mount in the sandbox, and runc's environment pointing at it. */
function fake(sb: Sandbox, f?: Parameters<typeof makeFakeResctrl>[1]) {
  const root = `${sb.dir}/resctrl`;
  Deno.mkdirSync(root);
  makeFakeResctrl(root, f);
  return { root, env: { [RESCTRL_ROOT_ENV]: root } };
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
const stateOf = (sb: Sandbox, id: string) =>
  JSON.parse(read(`${sb.root}/${id}/state.json`)) as {
    initPid: number;
    intelRdtPath?: string;
    config: Spec;
  };

Deno.test({
  name: name(
    "the container's group: made, schemata and tasks written, exec joins, stats, update, delete",
  ),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const { root, env } = fake(sb, { l3: true, mb: true });
      const group = `${root}/${id}`;
      const r = await sb.run(["run", "-d", id], { env });
      assertEquals(r.code, 0, r.stderr);
      const st = stateOf(sb, id);
      assertEquals(st.intelRdtPath, group);
      assertEquals(read(`${group}/schemata`), "L3:0=f0\nMB:0=20\n");
      assertEquals(read(`${group}/tasks`), `${st.initPid}\n`);

      // exec'd processes join the group.
      const pidFile = `${sb.dir}/exec.pid`;
      const ex = await sb.run(["exec", "-d", "--pid-file", pidFile, id, "sleep", "100"], { env });
      assertEquals(ex.code, 0, ex.stderr);
      const execPid = Number(read(pidFile));
      assertEquals(read(`${group}/tasks`), `${st.initPid}\n${execPid}\n`);

      // events --stats: the intel_rdt part from the resctrl files.
      const ev = await sb.run(["events", "--stats", id], { env });
      assertEquals(ev.code, 0, ev.stderr);
      assertEquals(JSON.parse(ev.stdout).data.intel_rdt, {
        l3_cache_info: { cbm_mask: "fffff", min_cbm_bits: 1, num_closids: 16 },
        l3_cache_schema_root: "L3:0=fffff;1=fffff",
        l3_cache_schema: "L3:0=f0",
        mem_bw_info: { bandwidth_gran: 10, delay_linear: 1, min_bandwidth: 10, num_closids: 8 },
        mem_bw_schema_root: "MB:0=100;1=100",
        mem_bw_schema: "MB:0=20",
      });

      // update rewrites the schemata; as runc, a schema not given leaves the config.
      const up = await sb.run(["update", "--l3-cache-schema", "L3:0=ff", id], { env });
      assertEquals(up.code, 0, up.stderr);
      assertEquals(read(`${group}/schemata`), "L3:0=ff\n");
      assertEquals(stateOf(sb, id).config.linux!.intelRdt, { l3CacheSchema: "L3:0=ff" });

      const del = await sb.run(["delete", "--force", id]);
      assertEquals(del.code, 0, del.stderr);
      assert(!isThere(group), "delete removes the container's group");
      assert(!alive(execPid));
      assertEquals(leftovers(id), []);
    }, sleeper({ l3CacheSchema: "L3:0=f0", memBwSchema: "MB:0=20" }));
  },
});

Deno.test({
  name: name("a closID group that exists is joined, its schemata left alone, and kept on delete"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const { root, env } = fake(sb);
      Deno.mkdirSync(`${root}/gold`);
      Deno.writeTextFileSync(`${root}/gold/schemata`, "L3:0=3\n");
      const r = await sb.run(["run", "-d", id], { env });
      assertEquals(r.code, 0, r.stderr);
      const st = stateOf(sb, id);
      assertEquals(st.intelRdtPath, `${root}/gold`);
      assertEquals(read(`${root}/gold/tasks`), `${st.initPid}\n`);
      assertEquals(read(`${root}/gold/schemata`), "L3:0=3\n");
      assert(!isThere(`${root}/${id}`));
      await sb.ok(["delete", "--force", id]);
      assert(isThere(`${root}/gold/schemata`), "a closID group is not the container's");
      assert(!alive(st.initPid));
    }, sleeper({ closID: "gold" }));
  },
});

Deno.test({
  name: name("a closID group that is missing (no schemas): runc's error, nothing left"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const { root, env } = fake(sb);
      const r = await sb.run(["run", "-d", id], { env });
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        "unable to start container process: unable to apply Intel RDT configuration: clos dir " +
          "not accessible (must be pre-created when l3CacheSchema and memBwSchema are empty): " +
          `stat ${root}/gold: no such file or directory`,
      );
      assert(!isThere(`${root}/gold`));
      assertEquals(await sb.ids(), []);
      assertEquals(leftovers(id), []);
    }, sleeper({ closID: "gold" }));
  },
});

Deno.test({
  name: name("a schema the kernel refuses: EINVAL and last_cmd_status, nothing left behind"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const { root, env } = fake(sb);
      // The container's own group: the kernel refuses the write to its schemata.
      refusingSchemata(`${root}/${id}`);
      const r = await sb.run(["run", "-d", id], { env });
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        "unable to start container process: error setting Intel RDT config for procHooks " +
          `process: intelrdt: unable to write L3:0=zz: write ${root}/${id}/schemata: invalid ` +
          `argument, last_cmd_status: ${LAST_CMD_STATUS}`,
      );
      assert(!isThere(`${root}/${id}`), "the container's group is removed (runc's Destroy)");
      assertEquals(await sb.ids(), []);
      assertEquals(leftovers(id), []);

      // A closID group keeps the dead init's id (a plain file): it was killed.
      refusingSchemata(`${root}/gold`);
      await sb.editSpec((s) => (s.linux!.intelRdt = { closID: "gold", l3CacheSchema: "L3:0=zz" }));
      const r2 = await sb.run(["run", "-d", id], { env });
      assertEquals(r2.code, 1);
      assertStringIncludes(r2.stderr, `write ${root}/gold/schemata: invalid argument`);
      const pid = Number(read(`${root}/gold/tasks`));
      assert(pid > 0 && !alive(pid), `the init ${pid} is gone`);
      assert(isThere(`${root}/gold`), "a closID group that was there stays");
      assertEquals(await sb.ids(), []);
      assertEquals(leftovers(id), []);
    }, sleeper({ l3CacheSchema: "L3:0=zz" }));
  },
});

Deno.test({
  name: name("update with a refused schema: the error, the schemata and the state set back"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const { root, env } = fake(sb);
      const r = await sb.run(["run", "-d", id], { env });
      assertEquals(r.code, 0, r.stderr);
      const before = stateOf(sb, id);
      // The kernel now refuses anything written to the group's schemata.
      Deno.removeSync(`${root}/${id}/schemata`);
      Deno.symlinkSync("/proc/self/oom_score_adj", `${root}/${id}/schemata`);
      const up = await sb.run(
        ["update", "--memory", "64m", "--l3-cache-schema", "L3:0=bad", id],
        { env },
      );
      assertEquals(up.code, 1);
      assertStringIncludes(
        up.stderr,
        `intelrdt: unable to write L3:0=bad: write ${root}/${id}/schemata: invalid argument, ` +
          `last_cmd_status: ${LAST_CMD_STATUS}`,
      );
      // Setting the old schemata back meets the same refusal: runc's warning.
      assertStringIncludes(up.stderr, "Setting back intelrdt configs failed due to error");
      const after = stateOf(sb, id);
      assertEquals(after.config.linux!.intelRdt, before.config.linux!.intelRdt);
      assertEquals(after.config.linux!.resources, before.config.linux!.resources);
    }, sleeper({ l3CacheSchema: "L3:0=f0" }));
  },
});

Deno.test({
  name: name("update --mem-bw-schema on a container without intelRdt gives it a group"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const { root, env } = fake(sb);
      const r = await sb.run(["run", "-d", id], { env });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(stateOf(sb, id).intelRdtPath, undefined);
      assert(!isThere(`${root}/${id}`));
      // Without the mount: runc's words.
      const no = await sb.run(["update", "--mem-bw-schema", "MB:0=50", id]);
      assertEquals(no.code, 1);
      if (!mounted) {
        assertStringIncludes(no.stderr, "Intel RDT/MBA: memory bandwidth schema is not enabled");
      }
      // The group made for the update goes again when the update fails (here a
      // cgroup limit the kernel refuses): the state would not know it.
      const bad = await sb.run(
        ["update", "--cpuset-cpus", "100000", "--mem-bw-schema", "MB:0=50", id],
        { env },
      );
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, "cpuset.cpus");
      assert(!isThere(`${root}/${id}`), "no group left by a failed update");
      assertEquals(stateOf(sb, id).intelRdtPath, undefined);
      const up = await sb.run(["update", "--mem-bw-schema", "MB:0=50", id], { env });
      assertEquals(up.code, 0, up.stderr);
      const st = stateOf(sb, id);
      assertEquals(st.intelRdtPath, `${root}/${id}`);
      assertEquals(st.config.linux!.intelRdt, { memBwSchema: "MB:0=50" });
      assertEquals(read(`${root}/${id}/tasks`), `${st.initPid}\n`);
      assertEquals(read(`${root}/${id}/schemata`), "MB:0=50\n");
      await sb.ok(["delete", "--force", id]);
      assert(!isThere(`${root}/${id}`));
    }, sleeper(undefined));
  },
});

Deno.test({
  name: name("resctrl not mounted (this host's mountinfo): a clear error, nothing made"),
  ignore: !!skip || mounted,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const r = await sb.run(["run", "-d", id]);
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        "intelRdt is specified in config, but Intel RDT is not enabled",
      );
      assertEquals(await sb.ids(), []);
      assertEquals(leftovers(id), []);
      // A schema: runc 1.1's own words, the same as the reference's.
      await sb.editSpec((s) => (s.linux!.intelRdt = { l3CacheSchema: "L3:0=f" }));
      const l3 = await sb.run(["run", "-d", id]);
      assertEquals(l3.code, 1);
      const want =
        "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled";
      assertStringIncludes(l3.stderr, want);
      if (hasReference) {
        const ref = await sb.runReference(["run", "-d", id]);
        assertEquals(ref.code, 1);
        assertStringIncludes(ref.stderr, want);
      }
      assertEquals(await sb.ids(), []);
      assertEquals(leftovers(id), []);
    }, sleeper({ closID: "gold" }));
  },
});

Deno.test({
  name: name("a create killed once the group is made: delete --force removes the group too"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const { root, env } = fake(sb);
      const r = await sb.run(["create", id], { env: { ...env, [KILL_AT_ENV]: "joined" } });
      assertEquals(r.code, 137, r.stderr);
      const pid = Number(read(`${root}/${id}/tasks`));
      assert(pid > 0, "the init was put in the group before the kill");
      assertEquals(await sb.ids(), [id]);
      const del = await sb.run(["delete", "--force", id]);
      assertEquals(del.code, 0, del.stderr);
      assert(!isThere(`${root}/${id}`));
      assert(!alive(pid));
      assertEquals(await sb.ids(), []);
      assertEquals(leftovers(id), []);
    }, sleeper({ l3CacheSchema: "L3:0=f0" }));
  },
});

Deno.test({
  name: name("run in the foreground: the group is there while the process runs, gone after"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const { root, env } = fake(sb);
      // The process reports whether its group exists, through the shared /out.
      await shareOut(sb, (s) => {
        s.process!.args = ["sh", "-c", `cat /out/resctrl/${id}/schemata > /out/seen`];
      });
      const r = await sb.run(["run", id], { env });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(read(`${sb.dir}/seen`), "MB:0=30\n");
      assert(!isThere(`${root}/${id}`), "the group goes with the container");
      assertEquals(await sb.ids(), []);
    }, sleeper({ memBwSchema: "MB:0=30" }));
  },
});
