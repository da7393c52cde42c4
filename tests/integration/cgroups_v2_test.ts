/**
 * cgroup v2. The first tests run the v2 manager on any host with a cgroup2
 * hierarchy (on a hybrid host, /sys/fs/cgroup/unified, which has no
 * controllers but does freeze and run device filters). The container tests
 * need a pure cgroup v2 host (/sys/fs/cgroup is cgroup2) and are skipped
 * elsewhere with the reason; the VM lane runs them.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { alive, needsRoot, type Sandbox } from "./_util.ts";
import { cgRead, hostMode, ownCgroup, uniqueId, until, withCgroupSandbox } from "./_cgroup_util.ts";
import { V2Manager } from "../../core/cgroups/v2/manager.ts";
import { containerResources } from "../../core/cgroups/container.ts";
import { ffiSys } from "../../ffi/helper.ts";
import type { Spec } from "../../core/spec/types.ts";

const mode = hostMode();
const cgroup2 = mode === "unified"
  ? "/sys/fs/cgroup"
  : mode === "hybrid"
  ? "/sys/fs/cgroup/unified"
  : "";
const skipManager = needsRoot() ??
  (cgroup2 ? undefined : "needs a cgroup2 hierarchy (unified or hybrid host)");
const skipPure = needsRoot() ??
  (mode === "unified" ? undefined : `needs a pure cgroup v2 host; /sys/fs/cgroup here is ${mode}`);
const named = (n: string, skip: string | undefined) => skip ? `${n} (skipped: ${skip})` : n;
const sleeper = (s: Spec) => (s.process!.args = ["sleep", "100"]);

Deno.test({
  name: named("v2 manager on the real cgroup2: join, freeze, device filter, destroy", skipManager),
  ignore: !!skipManager,
  fn: async () => {
    const dir = `${cgroup2}/cgit-v2-${Deno.pid}/inner`;
    const m = new V2Manager(cgroup2, dir, { sys: ffiSys });
    const child = new Deno.Command("/bin/sh", {
      args: [
        "-c",
        "read x; (: </dev/fuse) 2>&1 && echo fuse ok; echo x >/dev/null && echo null ok",
      ],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    try {
      await m.apply(child.pid);
      assertEquals(m.pids(), [child.pid]);
      // Defaults only: /dev/null allowed, /dev/fuse (10:229) denied.
      m.set(
        containerResources({
          ociVersion: "1.0.2",
          linux: { resources: { devices: [{ allow: false, access: "rwm" }] } },
        }),
      );
      assertEquals(ffiSys.bpfDevicePrograms(dir).length, 1);
      // Updating replaces the program rather than stacking another.
      m.set(
        containerResources({
          ociVersion: "1.0.2",
          linux: { resources: { devices: [{ allow: false, access: "rwm" }] } },
        }),
      );
      assertEquals(ffiSys.bpfDevicePrograms(dir).length, 1);
      await m.freeze();
      assertEquals(m.freezerState(), "FROZEN");
      assertStringIncludes(cgRead(`${dir}/cgroup.events`), "frozen 1");
      await m.thaw();
      assertEquals(m.freezerState(), "THAWED");
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode("go\n"));
      await w.close();
      const out = new TextDecoder().decode((await child.output()).stdout);
      assertStringIncludes(out, "Operation not permitted");
      assertStringIncludes(out, "null ok");
      assert(!out.includes("fuse ok"), out);
      await until(() => m.pids().length === 0);
      await m.destroy();
      assert(!exists(dir));
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await child.status;
      for (const d of [dir, `${cgroup2}/cgit-v2-${Deno.pid}`]) {
        try {
          Deno.removeSync(d);
        } catch { /* gone */ }
      }
    }
  },
});

/** The container's directory on a v2 host: relative paths go under the parent of ours. */
function v2Dir(id: string): string {
  const mine = ownCgroup("");
  return `/sys/fs/cgroup${mine.slice(0, mine.lastIndexOf("/"))}/${id}`;
}

function v2Test(
  n: string,
  edit: (s: Spec) => void,
  fn: (sb: Sandbox, id: string) => Promise<void>,
) {
  Deno.test({
    name: named(n, skipPure),
    ignore: !!skipPure,
    fn: async () => {
      const id = uniqueId();
      await withCgroupSandbox(id, (sb) => fn(sb, id), edit, () => [v2Dir(id)]);
    },
  });
}

v2Test("v2: limits land in the v2 files, converted as runc converts them", (s) => {
  sleeper(s);
  s.linux!.resources = {
    ...s.linux!.resources,
    memory: { limit: 64 << 20, swap: 96 << 20, reservation: 32 << 20 },
    cpu: { shares: 1024, quota: 50000, period: 100000 },
    pids: { limit: 50 },
    unified: { "memory.high": "62914560" },
  };
}, async (sb, id) => {
  await sb.ok(["run", "-d", id]);
  const d = v2Dir(id);
  const pid = JSON.parse(await sb.ok(["state", id])).pid;
  assertStringIncludes(
    Deno.readTextFileSync(`/proc/${pid}/cgroup`),
    `0::${d.slice("/sys/fs/cgroup".length)}\n`,
  );
  assertEquals(cgRead(`${d}/memory.max`), String(64 << 20));
  if (exists(`${d}/memory.swap.max`)) {
    assertEquals(cgRead(`${d}/memory.swap.max`), String(32 << 20));
  }
  assertEquals(cgRead(`${d}/memory.low`), String(32 << 20));
  assertEquals(cgRead(`${d}/memory.high`), "62914560"); // 60 MiB, a whole number of pages
  assertEquals(cgRead(`${d}/cpu.weight`), "39");
  assertEquals(cgRead(`${d}/cpu.max`), "50000 100000");
  assertEquals(cgRead(`${d}/pids.max`), "50");
  await sb.ok(["update", "--pids-limit", "20", "--memory", "128m", "--memory-swap", "256m", id]);
  assertEquals(cgRead(`${d}/pids.max`), "20");
  assertEquals(cgRead(`${d}/memory.max`), String(128 << 20));
  const ev = JSON.parse(await sb.ok(["events", "--stats", id]));
  assertEquals(ev.data.pids.current, 1);
  assertEquals(ev.data.memory.usage.limit, 128 << 20);
  await sb.ok(["delete", "--force", id]);
  assert(!exists(d));
});

v2Test("v2: a pids limit stops forks and the device filter denies a device", (s) => {
  s.process!.args = [
    "sh",
    "-c",
    "(: </dev/fuse) 2>&1; for i in 1 2 3 4 5 6; do sleep 2 & done; wait",
  ];
  s.linux!.devices = [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666 }];
  s.linux!.resources = { ...s.linux!.resources, pids: { limit: 3 } };
}, async (sb, id) => {
  const r = await sb.run(["run", id]);
  assertStringIncludes(r.stdout + r.stderr, "Operation not permitted");
  assertStringIncludes(r.stdout + r.stderr, "can't fork");
});

v2Test(
  "v2: pause freezes through cgroup.freeze; delete --force works while paused",
  sleeper,
  async (sb, id) => {
    await sb.ok(["run", "-d", id]);
    const pid = JSON.parse(await sb.ok(["state", id])).pid;
    await sb.ok(["pause", id]);
    assertEquals(cgRead(`${v2Dir(id)}/cgroup.freeze`), "1");
    assertEquals(JSON.parse(await sb.ok(["state", id])).status, "paused");
    await sb.ok(["resume", id]);
    assertEquals(JSON.parse(await sb.ok(["state", id])).status, "running");
    await sb.ok(["pause", id]);
    await sb.ok(["delete", "--force", id]);
    assert(await until(() => !alive(pid)));
    assert(!exists(v2Dir(id)));
  },
);

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}
