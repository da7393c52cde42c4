/**
 * Cgroups on this host (v1 or hybrid): where the container is placed, the
 * limits read back from the cgroup files and felt inside the container, and
 * ps, pause, resume, update, events. Each test uses its own container id and
 * removes its cgroups even when it fails. cgroups_v2_test.ts covers pure v2.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { alive, hasReference, needsRoot, RUNC, type Sandbox } from "./_util.ts";
import {
  cgRead,
  hostMode,
  leftovers,
  ownCgroup,
  uniqueId,
  until,
  v1Dir,
  withCgroupSandbox,
} from "./_cgroup_util.ts";
import type { Spec } from "../../core/spec/types.ts";

// Every test makes cgroups (or reads or freezes them) in the host's v1
// hierarchies, which are root's here: a rootless container gets none.
const skip = needsRoot("makes cgroups in the host's v1 hierarchies, which only root may write") ??
  (hostMode() === "unified" ? "cgroup v1 or hybrid host (see cgroups_v2_test.ts)" : undefined);
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;
const sleeper = (s: Spec) => (s.process!.args = ["sleep", "100"]);
const shell = (script: string) => (s: Spec) => (s.process!.args = ["sh", "-c", script]);

async function pidOf(sb: Sandbox, id: string): Promise<number> {
  return JSON.parse(await sb.ok(["state", id])).pid;
}

Deno.test({
  name: name("the container is placed in its cgroups, as runc places it, and delete removes them"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      await sb.ok(["run", "-d", id]);
      const pid = await pidOf(sb, id);
      const cg = Deno.readTextFileSync(`/proc/${pid}/cgroup`);
      for (const c of ["memory", "pids", "devices", "freezer", "cpu", "name=systemd"]) {
        assertStringIncludes(cg, `:${c}:${ownCgroup(c)}/${id}\n`);
      }
      if (hostMode() === "hybrid") assertStringIncludes(cg, `0::${ownCgroup("")}/${id}\n`);
      const state = JSON.parse(await Deno.readTextFile(`${sb.root}/${id}/state.json`));
      assertEquals(state.cgroupPaths["memory"], v1Dir("memory", id));
      assertEquals(cgRead(`${v1Dir("pids", id)}/cgroup.procs`), String(pid));
      await sb.ok(["delete", "--force", id]);
      assertEquals(leftovers(id), []);
    }, sleeper);
  },
});

Deno.test({
  name: name("limits are written to the cgroup files"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      await sb.ok(["run", "-d", id]);
      const want: [string, string, string][] = [
        ["memory", "memory.limit_in_bytes", "67108864"],
        ["memory", "memory.soft_limit_in_bytes", "33554432"],
        ["memory", "memory.swappiness", "0"],
        ["cpu", "cpu.shares", "512"],
        ["cpu", "cpu.cfs_quota_us", "50000"],
        ["cpu", "cpu.cfs_period_us", "100000"],
        ["cpuset", "cpuset.cpus", "0"],
        ["pids", "pids.max", "100"],
        ["blkio", "blkio.weight", "300"],
      ];
      for (const [c, file, value] of want) {
        if (c === "blkio" && !exists(`${v1Dir(c, id)}/${file}`)) continue; // no CFQ/BFQ here
        assertEquals(cgRead(`${v1Dir(c, id)}/${file}`), value, file);
      }
    }, (s) => {
      sleeper(s);
      s.linux!.resources = {
        ...s.linux!.resources,
        memory: { limit: 67108864, reservation: 33554432, swappiness: 0 },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0" },
        pids: { limit: 100 },
        ...(exists("/sys/fs/cgroup/blkio/blkio.weight") ? { blockIO: { weight: 300 } } : {}),
      };
    });
  },
});

Deno.test({
  name: name("a pids limit really stops forks"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const r = await sb.run(["run", id]);
      assertStringIncludes(r.stdout + r.stderr, "can't fork");
    }, (s) => {
      shell("for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait")(s);
      s.linux!.resources = { ...s.linux!.resources, pids: { limit: 4 } };
    });
  },
});

Deno.test({
  name: name("a memory limit really holds"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const r = await sb.run(["run", id]);
      assert(r.code !== 0, `writing 64 MiB into a 16 MiB cgroup succeeded: ${r.stdout}`);
    }, (s) => {
      shell("dd if=/dev/zero of=/dev/shm/fill bs=1M count=64 2>&1")(s);
      s.linux!.resources = {
        ...s.linux!.resources,
        memory: { limit: 16 << 20, swap: 16 << 20 },
      };
    });
  },
});

Deno.test({
  name: name("device rules: a device without a rule is denied, with one it opens"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    // /dev/fuse: opening it needs no capability, so only the device cgroup can refuse it.
    const fuse = { path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o666 };
    await withCgroupSandbox(id, async (sb) => {
      const denied = await sb.run(["run", id]);
      assertStringIncludes(denied.stdout, "Operation not permitted");
      assertStringIncludes(denied.stdout, "null ok");
      await sb.editSpec((s) => {
        s.linux!.resources!.devices!.push({
          allow: true,
          type: "c",
          major: 10,
          minor: 229,
          access: "rw",
        });
      });
      const allowed = await sb.run(["run", id]);
      assertEquals(allowed.stdout, "fuse ok\nnull ok\n", allowed.stderr);
    }, (s) => {
      shell("(: </dev/fuse) 2>&1 && echo fuse ok; echo x >/dev/null && echo null ok")(s);
      s.linux!.devices = [fuse];
    });
  },
});

Deno.test({
  name: name("ps lists the container's processes as a table (ps options passed) and as json"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      await sb.ok(["run", "-d", id]);
      const pid = await pidOf(sb, id);
      await until(() => cgRead(`${v1Dir("pids", id)}/cgroup.procs`).split("\n").length === 2);
      const pids: number[] = JSON.parse(await sb.ok(["ps", "--format", "json", id]));
      assertEquals(pids.length, 2);
      assert(pids.includes(pid));
      const table = (await sb.ok(["ps", id])).split("\n");
      assert(/^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/.test(table[0]!), table[0]);
      assertEquals(table.filter((l) => l.includes("sleep 100")).length, 2, table.join("\n"));
      const custom = await sb.ok(["ps", id, "-o", "pid,comm"]);
      assertEquals(custom.split("\n").filter((l) => l !== "").length, 3, custom);
      const bad = await sb.run(["ps", "--format", "yaml", id]);
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, "invalid format option");
    }, shell("sleep 100 & sleep 100"));
  },
});

Deno.test({
  name: name("pause really stops the container; resume goes on; delete --force works while paused"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      await sb.ok(["run", "-d", id]);
      const counter = `${sb.bundle}/rootfs/tmp/n`;
      const count = () => Number(Deno.readTextFileSync(counter).trim() || 0);
      assert(await until(() => exists(counter) && count() > 2), "the counter never ran");
      await sb.ok(["pause", id]);
      assertEquals(JSON.parse(await sb.ok(["state", id])).status, "paused");
      assertEquals(cgRead(`${v1Dir("freezer", id)}/freezer.state`), "FROZEN");
      assert(new RegExp(`^${id}\\s+\\d+\\s+paused\\s`, "m").test(await sb.ok(["list"])));
      const frozenAt = count();
      await new Promise((r) => setTimeout(r, 300));
      assertEquals(count(), frozenAt, "the counter moved while paused");
      const again = await sb.run(["pause", id]);
      assertEquals(again.code, 1); // runc: a paused container is not running
      assertStringIncludes(again.stderr, "container not running");
      const start = await sb.run(["start", id]);
      assertStringIncludes(start.stderr, "cannot start a container in the paused state");
      const del = await sb.run(["delete", id]);
      assertStringIncludes(del.stderr, `cannot delete container ${id} that is not stopped: paused`);
      await sb.ok(["resume", id]);
      assertEquals(JSON.parse(await sb.ok(["state", id])).status, "running");
      assert(await until(() => count() > frozenAt + 2), "the counter did not go on after resume");
      const notPaused = await sb.run(["resume", id]);
      assertStringIncludes(notPaused.stderr, "container not paused");
      await sb.ok(["pause", id]);
      const pid = await pidOf(sb, id);
      await sb.ok(["delete", "--force", id]);
      assert(await until(() => !alive(pid)), "the paused init survived delete --force");
      assertEquals(leftovers(id), []);
    }, (s) => {
      shell("i=0; while true; do i=$((i+1)); echo $i > /tmp/n; usleep 20000; done")(s);
      s.root!.readonly = false;
    });
  },
});

Deno.test({
  name: name("update changes the limits live, from flags, a file and stdin"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      await sb.ok(["run", "-d", id]);
      await sb.ok([
        "update",
        "--memory",
        "100m",
        "--memory-swap",
        "200m",
        "--pids-limit",
        "50",
        "--cpu-quota",
        "20000",
        "--cpu-period",
        "100000",
        "--cpu-share",
        "256",
        "--cpuset-cpus",
        "0",
        id,
      ]);
      assertEquals(cgRead(`${v1Dir("memory", id)}/memory.limit_in_bytes`), "104857600");
      assertEquals(cgRead(`${v1Dir("memory", id)}/memory.memsw.limit_in_bytes`), "209715200");
      assertEquals(cgRead(`${v1Dir("pids", id)}/pids.max`), "50");
      assertEquals(cgRead(`${v1Dir("cpu", id)}/cpu.cfs_quota_us`), "20000");
      assertEquals(cgRead(`${v1Dir("cpu", id)}/cpu.shares`), "256");
      assertEquals(cgRead(`${v1Dir("cpuset", id)}/cpuset.cpus`), "0");
      await Deno.writeTextFile(`${sb.dir}/r.json`, `{"pids":{"limit":30},"memory":{"limit":0}}`);
      await sb.ok(["update", "-r", `${sb.dir}/r.json`, id]);
      assertEquals(cgRead(`${v1Dir("pids", id)}/pids.max`), "30");
      assertEquals(cgRead(`${v1Dir("memory", id)}/memory.limit_in_bytes`), "104857600");
      const viaStdin = await sb.run(["update", "-r", "-", id], { stdin: `{"pids":{"limit":20}}` });
      assertEquals(viaStdin.code, 0, viaStdin.stderr);
      assertEquals(cgRead(`${v1Dir("pids", id)}/pids.max`), "20");
      const state = JSON.parse(await Deno.readTextFile(`${sb.root}/${id}/state.json`));
      assertEquals(state.config.linux.resources.pids.limit, 20);
      const bad = await sb.run(["update", "--cpu-period", "x", id]);
      assertEquals(bad.code, 1);
      assertStringIncludes(
        bad.stderr,
        `invalid value for cpu-period: strconv.ParseUint: parsing \\"x\\": invalid syntax`,
      );
      await sb.ok(["kill", id, "KILL"]);
      await until(async () => JSON.parse(await sb.ok(["state", id])).status === "stopped");
      const stopped = await sb.run(["update", "--pids-limit", "9", id]);
      assertStringIncludes(stopped.stderr, "container not running");
    }, sleeper);
  },
});

Deno.test({
  name: name("events --stats prints one JSON object with runc's fields; --interval streams"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      await sb.ok(["run", "-d", id]);
      const ev = JSON.parse(await sb.ok(["events", "--stats", id]));
      assertEquals(ev.type, "stats");
      assertEquals(ev.id, id);
      assertEquals(ev.data.pids.current, 1);
      assertEquals(
        ev.data.memory.usage.limit,
        Number(cgRead(`${v1Dir("memory", id)}/memory.limit_in_bytes`)),
      );
      assert(ev.data.cpu.usage.total > 0);
      assertEquals(Object.keys(ev.data), [
        "cpu",
        "cpuset",
        "memory",
        "pids",
        "blkio",
        "hugetlb",
        "intel_rdt",
        "network_interfaces",
      ]);
      if (hasReference) {
        const refId = `${id}-ref`;
        await sb.runReference(["run", "-d", refId]);
        try {
          const ref = JSON.parse((await sb.runReference(["events", "--stats", refId])).stdout);
          // runc leaves out a zero "cache" (omitempty); whether a container has page cache
          // charged to it depends on who read its files first (runc's memfd copy of itself is).
          const memoryKeys = (m: object) => Object.keys(m).filter((k) => k !== "cache");
          assertEquals(memoryKeys(ev.data.memory), memoryKeys(ref.data.memory));
          assertEquals(Object.keys(ev.data.cpu.usage), Object.keys(ref.data.cpu.usage));
          assertEquals(Object.keys(ev.data.cpuset), Object.keys(ref.data.cpuset));
        } finally {
          await sb.runReference(["delete", "--force", refId]);
        }
      }
      const stream = await runFor(sb, ["events", "--interval", "100ms", id], 3000);
      const lines = stream.split("\n").filter((l) => l !== "");
      assert(lines.length >= 3, `events streamed ${lines.length} lines`);
      for (const l of lines) assertEquals(JSON.parse(l).type, "stats");
    }, sleeper);
  },
});

Deno.test({
  name: name("events reports an OOM kill in the container's memory cgroup"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      await sb.ok(["run", "-d", id]);
      const out = await runFor(sb, ["events", "--interval", "10s", id], 5000);
      assertStringIncludes(out, `{"type":"oom","id":"${id}"}`);
    }, (s) => {
      shell("sleep 1; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 100")(s);
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 16 << 20, swap: 16 << 20 } };
    });
  },
});

Deno.test({
  name: name("kill --all signals every process of the cgroup, also without a pid namespace"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      await sb.ok(["run", "-d", id]);
      const procs = `${v1Dir("pids", id)}/cgroup.procs`;
      await until(() => cgRead(procs).split("\n").length === 3);
      const pids = cgRead(procs).split("\n").map(Number);
      await sb.ok(["kill", "--all", id, "KILL"]);
      assert(await until(() => pids.every((p) => !alive(p))), "a process survived kill --all");
    }, (s) => {
      shell("sleep 100 & sleep 100 & wait")(s);
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "pid");
    });
  },
});

Deno.test({
  name: name("a frozen cgroup is refused and a non-empty one warned about, as runc 1.1 does"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    const path = `/${id}-pre`;
    const made = ["freezer", "devices"].map((c) => `/sys/fs/cgroup/${c}${path}`);
    let outsider: Deno.ChildProcess | undefined;
    await withCgroupSandbox(id, async (sb) => {
      Deno.mkdirSync(made[0]!);
      Deno.writeTextFileSync(`${made[0]}/freezer.state`, "FROZEN");
      const frozen = await sb.run(["run", "-d", id]);
      assertEquals(frozen.code, 1);
      assertStringIncludes(
        frozen.stderr,
        "runc run failed: container's cgroup unexpectedly frozen",
      );
      assertEquals(await sb.ids(), []);
      Deno.writeTextFileSync(`${made[0]}/freezer.state`, "THAWED");
      Deno.mkdirSync(made[1]!);
      outsider = new Deno.Command("sleep", { args: ["100"] }).spawn();
      Deno.writeTextFileSync(`${made[1]}/cgroup.procs`, String(outsider.pid));
      const warned = await sb.run(["run", "-d", id]);
      assertEquals(warned.code, 0, warned.stderr);
      assertStringIncludes(warned.stderr, "container's cgroup is not empty: 1 process(es) found");
      assertStringIncludes(warned.stderr, "DEPRECATED: running container in a non-empty cgroup");
    }, (s) => {
      sleeper(s);
      s.linux!.cgroupsPath = path;
    }, () => {
      try {
        outsider?.kill("SIGKILL");
      } catch { /* gone */ }
      return [
        "cpu",
        "cpuacct",
        "cpuset",
        "memory",
        "devices",
        "freezer",
        "pids",
        "blkio",
        "systemd",
        "unified",
      ]
        .map((c) => `/sys/fs/cgroup/${c}${path}`);
    });
    await outsider?.status;
  },
});

Deno.test({
  name: name("a failing limit leaves no cgroup and no container behind"),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      const r = await sb.run(["run", "-d", id]);
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        `unable to start container process: unable to apply cgroup configuration: failed to write \\"99\\": write ${
          v1Dir("cpuset", id)
        }/cpuset.cpus: numerical result out of range`,
      );
      assertEquals(await sb.ids(), []);
      assertEquals(leftovers(id), []);
    }, (s) => {
      sleeper(s);
      s.linux!.resources = { ...s.linux!.resources, cpu: { cpus: "99" } };
    });
  },
});

Deno.test({
  name: name(
    "a create that fails after the stub joined its cgroups leaves no cgroup, state or process",
  ),
  ignore: !!skip,
  fn: async () => {
    const id = uniqueId();
    await withCgroupSandbox(id, async (sb) => {
      // The stub joins the container's cgroups while the init is planned; a
      // missing bind source fails the plan, after the join.
      const r = await sb.run(["--debug", "run", id]);
      assertEquals(r.code, 1, r.stderr);
      assertStringIncludes(r.stderr, "create: cgroups made");
      assertStringIncludes(
        r.stderr,
        `unable to start container process: error during container init: error mounting ` +
          `\\"/nonexistent-${id}\\" to rootfs at \\"/mnt/x\\": stat /nonexistent-${id}: ` +
          `no such file or directory`,
      );
      // The abandoned stub ends without a word of its own.
      assert(!r.stderr.includes("runc init:"), r.stderr);
      assertEquals(await sb.ids(), []);
      // A cgroup still holding a process could not have been removed.
      assertEquals(leftovers(id), []);
    }, (s) => {
      s.mounts!.push({
        destination: "/mnt/x",
        type: "bind",
        source: `/nonexistent-${id}`,
        options: ["bind"],
      });
    });
  },
});

/** Runs build/runc for ms milliseconds, then stops it; its stdout. */
async function runFor(sb: Sandbox, args: string[], ms: number): Promise<string> {
  const child = new Deno.Command(RUNC, {
    args: ["--root", sb.root, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const out = await child.output();
  clearTimeout(timer);
  return new TextDecoder().decode(out.stdout);
}

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}
