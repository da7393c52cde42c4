/**
 * The systemd cgroup driver (`--systemd-cgroup`) against a real systemd.
 * The tests that need systemd as PID 1 skip, with the reason printed, where
 * /run/systemd/system is absent (our hosts); the VM lane that boots Debian's
 * systemd runs them. The refusal where systemd does not run is tested here,
 * on any host without it.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { hasReference, needsRoot, Sandbox, skipName } from "./_util.ts";
import { cgRead, hostMode, until } from "./_cgroup_util.ts";
import type { Spec } from "../../core/spec/types.ts";

function systemdRunning(): boolean {
  try {
    return Deno.lstatSync("/run/systemd/system").isDirectory;
  } catch {
    return false;
  }
}

const running = systemdRunning();
const skipSystemd = needsRoot("starts systemd units") ??
  (running ? undefined : "needs systemd as PID 1 (/run/systemd/system is absent on this host)");
const skipV2 = skipSystemd ??
  (hostMode() === "unified"
    ? undefined
    : `needs pure cgroup v2; /sys/fs/cgroup here is ${hostMode()}`);
const skipNoSystemd = needsRoot("runs a container") ??
  (running ? "systemd runs on this host: the refusal cannot be seen" : undefined);
if (skipSystemd) console.log(`systemd_test: the real-systemd tests are skipped: ${skipSystemd}`);

let n = 0;
const uid = () => `sdit${Deno.pid}x${n++}`;

/** `systemctl show -p ...` of a unit as a record. */
async function show(unit: string, props: string[]): Promise<Record<string, string>> {
  const out = await new Deno.Command("systemctl", {
    args: ["show", ...props.flatMap((p) => ["-p", p]), unit],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const rec: Record<string, string> = {};
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) rec[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return rec;
}

async function systemctl(args: string[]): Promise<void> {
  await new Deno.Command("systemctl", { args, stdout: "null", stderr: "null" }).output();
}

function stateOf(sb: Sandbox, id: string) {
  return JSON.parse(Deno.readTextFileSync(`${sb.root}/${id}/state.json`));
}

const sleeper = (edit: (s: Spec) => void = () => {}) => (s: Spec) => {
  s.process!.args = ["sleep", "1000"];
  edit(s);
};

Deno.test({
  name: skipName(
    "--systemd-cgroup without systemd: runc's error, nothing left behind",
    skipNoSystemd,
  ),
  ignore: !!skipNoSystemd,
  fn: async () => {
    const sb = await Sandbox.create(sleeper());
    try {
      const r = await sb.run(["--systemd-cgroup", "create", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        "systemd not running on this host, cannot use systemd cgroups manager",
      );
      assertEquals(await sb.ids(), []);
      // Before the tty check, as in runc (its config is checked first).
      await sb.editSpec((s) => (s.process!.terminal = true));
      const t = await sb.run(["--systemd-cgroup", "create", "c1"]);
      assertStringIncludes(t.stderr, "systemd not running on this host");
      if (hasReference) {
        const ref = await sb.runReference(["--systemd-cgroup", "create", "c1"]);
        assertEquals(ref.code, 1);
        assertStringIncludes(
          ref.stderr,
          "systemd not running on this host, cannot use systemd cgroups manager",
        );
      }
      // A path of the wrong form is named first.
      await sb.editSpec((s) => (s.linux!.cgroupsPath = "not-three-parts"));
      const bad = await sb.run(["--systemd-cgroup", "create", "c1"]);
      assertStringIncludes(
        bad.stderr,
        'expected cgroupsPath to be of format \\"slice:prefix:name\\" for systemd cgroups, got \\"not-three-parts\\" instead',
      );
      assertEquals(await sb.ids(), []);
    } finally {
      await sb.dispose();
    }
  },
});

Deno.test({
  name: skipName(
    "a scope in system.slice: properties, files, update, pause, ps, exec, kill --all, delete",
    skipV2,
  ),
  ignore: !!skipV2,
  fn: async () => {
    const id = uid();
    const unit = `runc-it-${id}.scope`;
    const dir = `/sys/fs/cgroup/system.slice/${unit}`;
    const sb = await Sandbox.create(sleeper((s) => {
      s.linux!.cgroupsPath = `system.slice:runc-it:${id}`;
      s.linux!.resources = {
        ...s.linux!.resources,
        memory: { limit: 64 * 1024 * 1024 },
        cpu: { shares: 1024 },
        pids: { limit: 50 },
      };
      s.annotations = { "org.systemd.property.CollectMode": "'inactive-or-failed'" };
    }));
    try {
      await sb.ok(["--systemd-cgroup", "create", id]);
      const props = await show(unit, [
        "ActiveState",
        "ControlGroup",
        "MemoryMax",
        "CPUWeight",
        "TasksMax",
        "CollectMode",
        "Delegate",
      ]);
      assertEquals(props, {
        ActiveState: "active",
        ControlGroup: `/system.slice/${unit}`,
        MemoryMax: "67108864",
        CPUWeight: "39",
        TasksMax: "50",
        CollectMode: "inactive-or-failed",
        Delegate: "yes",
      });
      assertEquals(cgRead(`${dir}/memory.max`), "67108864");
      assertEquals(cgRead(`${dir}/pids.max`), "50");
      assertEquals(cgRead(`${dir}/cpu.weight`), "39");
      const st = stateOf(sb, id);
      assertEquals(st.cgroupPaths, { "": dir });
      assertEquals(st.systemdCgroup.unit, unit);
      assertEquals(cgRead(`${dir}/cgroup.procs`), String(st.initPid));
      await sb.ok(["start", id]);

      await sb.ok(["update", "--memory", "134217728", "--pids-limit", "60", id]);
      const after = await show(unit, ["MemoryMax", "TasksMax"]);
      assertEquals(after, { MemoryMax: "134217728", TasksMax: "60" });
      assertEquals(cgRead(`${dir}/memory.max`), "134217728");
      assertEquals(cgRead(`${dir}/pids.max`), "60");

      await sb.ok(["pause", id]);
      assertEquals(JSON.parse(await sb.ok(["state", id])).status, "paused");
      assertEquals(cgRead(`${dir}/cgroup.freeze`), "1");
      await sb.ok(["resume", id]);
      assertEquals(JSON.parse(await sb.ok(["state", id])).status, "running");

      await sb.ok(["exec", "-d", id, "sleep", "1000"]);
      const pids = JSON.parse(await sb.ok(["ps", "--format", "json", id])) as number[];
      assertEquals(pids.length, 2, `ps: ${pids}`);
      const stats = JSON.parse(await sb.ok(["events", "--stats", id]));
      assert(stats.data.memory.usage.usage > 0, "memory usage through the fs code");

      await sb.ok(["kill", "--all", id, "KILL"]);
      assert(await until(async () => JSON.parse(await sb.ok(["state", id])).status === "stopped"));
      await sb.ok(["delete", id]);
      const gone = await show(unit, ["ActiveState", "LoadState"]);
      assert(
        gone.ActiveState === "inactive" || gone.LoadState === "not-found",
        JSON.stringify(gone),
      );
      assert(!exists(dir), `${dir} left`);
      assertEquals((await show("system.slice", ["ActiveState"])).ActiveState, "active");
    } finally {
      await sb.dispose();
      await systemctl(["stop", unit]);
    }
  },
});

Deno.test({
  name: skipName(
    "the default path: runc-ID.scope in system.slice; delete --force of a running one",
    skipV2,
  ),
  ignore: !!skipV2,
  fn: async () => {
    const id = uid();
    const unit = `runc-${id}.scope`;
    const sb = await Sandbox.create(sleeper((s) => delete s.linux!.cgroupsPath));
    try {
      await sb.ok(["--systemd-cgroup", "run", "-d", id]);
      const p = await show(unit, ["ActiveState", "ControlGroup"]);
      assertEquals(p, { ActiveState: "active", ControlGroup: `/system.slice/${unit}` });
      assertEquals(stateOf(sb, id).cgroupPaths, { "": `/sys/fs/cgroup/system.slice/${unit}` });
      await sb.ok(["delete", "--force", id]);
      const gone = await show(unit, ["ActiveState", "LoadState"]);
      assert(
        gone.ActiveState === "inactive" || gone.LoadState === "not-found",
        JSON.stringify(gone),
      );
      assert(!exists(`/sys/fs/cgroup/system.slice/${unit}`));
    } finally {
      await sb.dispose();
      await systemctl(["stop", unit]);
    }
  },
});

Deno.test({
  name: skipName(
    "a nested slice is made by systemd at its expanded path, and stays after delete",
    skipV2,
  ),
  ignore: !!skipV2,
  fn: async () => {
    const id = uid();
    const top = `${id}.slice`;
    const slice = `${id}-a-b.slice`;
    const unit = `runc-it-${id}.scope`;
    const dir = `/sys/fs/cgroup/${id}.slice/${id}-a.slice/${slice}/${unit}`;
    const sb = await Sandbox.create(
      sleeper((s) => (s.linux!.cgroupsPath = `${slice}:runc-it:${id}`)),
    );
    try {
      await sb.ok(["--systemd-cgroup", "run", "-d", id]);
      assertEquals(
        (await show(unit, ["ControlGroup"])).ControlGroup,
        `/${id}.slice/${id}-a.slice/${slice}/${unit}`,
      );
      assertEquals(stateOf(sb, id).cgroupPaths, { "": dir });
      assert(exists(dir));
      await sb.ok(["delete", "--force", id]);
      assert(!exists(dir), `${dir} left`);
      assertEquals((await show(slice, ["ActiveState"])).ActiveState, "active");
      assert(exists(`/sys/fs/cgroup/${id}.slice/${id}-a.slice/${slice}`), "the slice stays");
    } finally {
      await sb.dispose();
      await systemctl(["stop", unit]);
      await systemctl(["stop", top]);
    }
  },
});

function exists(p: string): boolean {
  try {
    Deno.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The guest's ordinary user whose own systemd lingers (tests/vm/run.sh's systemd root). */
const USER = "rootless";
const USER_UID = 1000;
const userBus = `/run/user/${USER_UID}/bus`;
const skipUser = skipV2 ?? (() => {
  try {
    if (Deno.statSync(userBus).isSocket) return undefined;
  } catch { /* below */ }
  return `needs the user ${USER}'s own systemd with a session bus at ${userBus} (the systemd VM guest has one)`;
})();

/** Runs a command as USER with its runtime dir (so its session bus) set. */
async function asUser(args: string[], cwd?: string) {
  const out = await new Deno.Command("runuser", {
    args: [
      "-u",
      USER,
      "--",
      "env",
      "-u",
      "DENO_DIR",
      `XDG_RUNTIME_DIR=/run/user/${USER_UID}`,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    ...(cwd ? { cwd } : {}),
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: skipName(
    "rootless: --systemd-cgroup as an ordinary user makes the scope in the user's own systemd",
    skipUser,
  ),
  ignore: !!skipUser,
  fn: async () => {
    const { RUNC, makeRootfs } = await import("./_util.ts");
    const id = uid();
    const unit = `runc-it-${id}.scope`;
    const dir = await Deno.makeTempDir({ prefix: "runc-sd-user-" });
    const bundle = `${dir}/bundle`;
    const root = `${dir}/state`;
    await makeRootfs(`${bundle}/rootfs`);
    await new Deno.Command("chown", { args: ["-R", `${USER_UID}:${USER_UID}`, dir] }).output();
    const runc = (args: string[]) =>
      asUser([RUNC, "--systemd-cgroup", "--root", root, ...args], bundle);
    try {
      const spec = await asUser([RUNC, "spec", "--rootless", "--bundle", bundle]);
      assertEquals(spec.code, 0, spec.stderr);
      const path = `${bundle}/config.json`;
      const s: Spec = JSON.parse(await Deno.readTextFile(path));
      s.process!.terminal = false;
      s.process!.args = ["sleep", "1000"];
      s.linux!.cgroupsPath = `user.slice:runc-it:${id}`;
      s.linux!.resources = { pids: { limit: 42 } };
      await Deno.writeTextFile(path, JSON.stringify(s));
      // The detached container keeps its stdio: files, not pipes we would wait on.
      const r = await asUser([
        "sh",
        "-c",
        `exec "$@" </dev/null >/dev/null 2>${dir}/run.err`,
        "sh",
        RUNC,
        "--systemd-cgroup",
        "--root",
        root,
        "run",
        "-d",
        id,
      ], bundle);
      assertEquals(r.code, 0, await Deno.readTextFile(`${dir}/run.err`).catch(() => ""));
      const st = await runc(["state", id]);
      const pid = JSON.parse(st.stdout).pid as number;
      const show = await asUser([
        "systemctl",
        "--user",
        "show",
        "-p",
        "ActiveState",
        "-p",
        "ControlGroup",
        "-p",
        "TasksMax",
        unit,
      ]);
      assertStringIncludes(show.stdout, "ActiveState=active");
      assertStringIncludes(show.stdout, "TasksMax=42");
      const cg = /ControlGroup=(.*)/.exec(show.stdout)?.[1] ?? "";
      assert(
        cg.startsWith(`/user.slice/user-${USER_UID}.slice/user@${USER_UID}.service/`) &&
          cg.endsWith(`/user.slice/${unit}`),
        `ControlGroup=${cg}`,
      );
      assertEquals(Deno.readTextFileSync(`/proc/${pid}/cgroup`), `0::${cg}\n`);
      assertEquals(Deno.readTextFileSync(`/sys/fs/cgroup${cg}/pids.max`).trim(), "42");
      const d = await runc(["delete", "--force", id]);
      assertEquals(d.code, 0, d.stderr);
      const gone = await asUser(["systemctl", "--user", "show", "-p", "ActiveState", unit]);
      assertStringIncludes(gone.stdout, "ActiveState=inactive");
      assert(!exists(`/sys/fs/cgroup${cg}`), `${cg} left`);
    } finally {
      await runc(["delete", "--force", id]);
      await asUser(["systemctl", "--user", "stop", unit]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
