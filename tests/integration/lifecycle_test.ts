import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { alive, needsRunc, userName, withSandbox } from "./_util.ts";

const skip = needsRunc();
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;

Deno.test({
  name: name("create, state, list, start, kill, delete"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["create", "c1"]);
      const created = JSON.parse(await sb.ok(["state", "c1"]));
      assertEquals(created.status, "created");
      assertEquals(created.id, "c1");
      assertEquals(created.ociVersion, "1.0.2-dev");
      assertEquals(created.bundle, sb.bundle);
      assertEquals(created.rootfs, `${sb.bundle}/rootfs`);
      assert(created.pid > 0 && alive(created.pid), "the init waits in created");
      assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/.test(created.created), created.created);

      const list = await sb.ok(["list"]);
      assertStringIncludes(list, "ID");
      assert(
        new RegExp(`^c1\\s+${created.pid}\\s+created\\s+${sb.bundle}\\s`, "m").test(list),
        list,
      );

      await sb.ok(["start", "c1"]);
      assertEquals(JSON.parse(await sb.ok(["state", "c1"])).status, "running");
      const again = await sb.run(["start", "c1"]);
      assertEquals(again.code, 1);
      assertStringIncludes(again.stderr, "cannot start an already running container");

      const del = await sb.run(["delete", "c1"]);
      assertEquals(del.code, 1);
      assertStringIncludes(del.stderr, "cannot delete container c1 that is not stopped: running");

      await sb.ok(["kill", "c1", "KILL"]);
      for (let i = 0; i < 200 && alive(created.pid); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assertEquals(JSON.parse(await sb.ok(["state", "c1"])).status, "stopped");
      await sb.ok(["delete", "c1"]);
      assertEquals(await sb.ids(), []);
    }, (s) => (s.process!.args = ["sleep", "100"])),
});

Deno.test({
  name: name("delete of a created container kills its waiting init"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["create", "c1"]);
      const { pid } = JSON.parse(await sb.ok(["state", "c1"]));
      await sb.ok(["delete", "c1"]);
      assert(!alive(pid), "init still alive after delete");
      assertEquals(await sb.ids(), []);
    }),
});

Deno.test({
  name: name("a missing program fails create with runc's message and leaves nothing"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const r = await sb.run(["create", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        'runc create failed: unable to start container process: exec: \\"nosuch\\": executable file not found in $PATH',
      );
      assertEquals(await sb.ids(), []);
      const ps = await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" }).output();
      assert(
        !new TextDecoder().decode(ps.stdout).includes(sb.bundle),
        "a process of the bundle is left",
      );
    }, (s) => (s.process!.args = ["nosuch"])),
});

Deno.test({
  name: name("a second create with the same id fails and leaves the first intact"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["create", "c1"]);
      const r = await sb.run(["create", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.stderr, "container with id exists: c1");
      assertEquals(JSON.parse(await sb.ok(["state", "c1"])).status, "created");
    }),
});

Deno.test({
  name: name("unknown ids and bad ids are runc's errors"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      for (const cmd of ["state", "delete", "start", "kill"]) {
        const r = await sb.run([cmd, "nope"]);
        assertEquals(r.code, 1, cmd);
        assertStringIncludes(r.stderr, "container does not exist", cmd);
      }
      // As runc 1.1: --force makes a missing container no error, and the
      // directory of an aborted create (no state.json) is removed.
      const forced = await sb.run(["delete", "--force", "nope"]);
      assertEquals([forced.code, forced.stderr], [0, ""]);
      await Deno.mkdir(`${sb.root}/aborted`, { recursive: true });
      const aborted = await sb.run(["delete", "aborted"]);
      assertEquals(aborted.code, 1);
      assertStringIncludes(aborted.stderr, "container does not exist");
      assertEquals(await sb.ids(), []);
      const bad = await sb.run(["create", "../x"]);
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, "invalid id format: ../x");
    }),
});

Deno.test({
  name: name("--pid-file gets the init's pid; run -d leaves a running container"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["run", "-d", "--pid-file", "pid", "c1"]);
      const pid = Number(await Deno.readTextFile(`${sb.bundle}/pid`));
      const st = JSON.parse(await sb.ok(["state", "c1"]));
      assertEquals(st.status, "running");
      assertEquals(st.pid, pid);
      await sb.ok(["delete", "--force", "c1"]);
      assert(!alive(pid));
    }, (s) => (s.process!.args = ["sleep", "100"])),
});

Deno.test({
  name: name("kill --all signals every process of the container; kill's errors are runc's"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["run", "-d", "c1"]);
      const { pid } = JSON.parse(await sb.ok(["state", "c1"]));
      let children: number[] = [];
      for (let i = 0; i < 200 && children.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 10));
        const text = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`).catch(() => "");
        children = text.trim().split(/\s+/).filter(Boolean).map(Number);
      }
      assertEquals(children.length, 2, "the container's two sleeps");
      const bad = await sb.run(["kill", "c1", "FOO"]);
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, 'unknown signal \\"FOO\\"');
      // A number the kernel refuses: kill(2)'s error, in runc's words.
      const refused = await sb.run(["kill", "c1", "99"]);
      assertEquals(refused.code, 1);
      assertStringIncludes(refused.stderr, "unable to signal init: invalid argument");
      await sb.ok(["kill", "--all", "c1", "KILL"]);
      for (let i = 0; i < 300 && (alive(pid) || children.some(alive)); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert(!alive(pid) && !children.some(alive), "a process survived kill --all");
      const stopped = await sb.run(["kill", "c1"]);
      assertEquals(stopped.code, 1);
      assertStringIncludes(stopped.stderr, "container not running");
      await sb.ok(["kill", "--all", "c1"]);
    }, (s) => (s.process!.args = ["sh", "-c", "sleep 100 & sleep 100 & wait"])),
});

Deno.test({
  name: name("list: json, quiet, a bad format; run --keep leaves a stopped container"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      assertEquals(await sb.ok(["list", "--format", "json"]), "null\n");
      assertEquals((await sb.run(["run", "--keep", "c1"])).code, 0);
      const st = JSON.parse(await sb.ok(["state", "c1"]));
      assertEquals([st.status, st.pid], ["stopped", 0]);
      const again = await sb.run(["start", "c1"]);
      assertStringIncludes(again.stderr, "cannot start a container that has stopped");
      assertEquals(await sb.ok(["list", "-q"]), "c1\n");
      const json = JSON.parse(await sb.ok(["list", "--format", "json"]));
      assertEquals(json.length, 1);
      assertEquals(Object.keys(json[0]), [
        "ociVersion",
        "id",
        "pid",
        "status",
        "bundle",
        "rootfs",
        "created",
        "owner",
      ]);
      assertEquals([json[0].id, json[0].status, json[0].owner], ["c1", "stopped", userName()]);
      const bad = await sb.run(["list", "--format", "yaml"]);
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, "invalid format option");
      await sb.ok(["delete", "c1"]);
      assertEquals(await sb.ids(), []);
    }, (s) => (s.process!.args = ["true"])),
});
