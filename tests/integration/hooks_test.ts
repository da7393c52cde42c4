/**
 * OCI hooks: each kind runs at its point, in its namespaces, with the state on
 * stdin, its args and env, and its timeout; failures as runc reports them.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { alive, needsRunc, withSandbox } from "./_util.ts";
import type { Hook } from "../../core/spec/types.ts";

const skip = needsRunc();
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;

/**
 * A hook that appends its kind, its state, its mount namespace and argv0 to a
 * file. Inside the container /bin/sh is busybox, which needs argv0 `sh`.
 */
function recorder(kind: string, file: string, argv0 = `hook-${kind}`): Hook {
  return {
    path: "/bin/sh",
    args: [
      argv0,
      "-c",
      `state=$(cat); echo "${kind} $0 $(readlink /proc/self/ns/mnt) $HOOK_VAR $state" >> ${file}`,
    ],
    env: ["HOOK_VAR=v1", "PATH=/bin:/usr/bin"],
  };
}

Deno.test({
  name: name("every hook kind runs at its point, in its namespaces, with the state on stdin"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const log = `${sb.dir}/hooks.log`;
      // Hooks run inside the container write where the container sees the bundle dir.
      await sb.editSpec((s) => {
        s.root!.readonly = false;
        s.mounts!.push({
          destination: "/hooklog",
          type: "bind",
          source: sb.dir,
          options: ["rbind"],
        });
        s.annotations = { "org.example/a": "b" };
        s.hooks = {
          prestart: [recorder("prestart", log)],
          createRuntime: [recorder("createRuntime", log)],
          createContainer: [recorder("createContainer", log)],
          startContainer: [recorder("startContainer", "/hooklog/hooks.log", "sh")],
          poststart: [recorder("poststart", log)],
          poststop: [recorder("poststop", log)],
        };
      });
      const hostMnt = await Deno.readLink("/proc/self/ns/mnt");
      await sb.ok(["create", "c1"]);
      const { pid } = JSON.parse(await sb.ok(["state", "c1"]));
      const containerMnt = await Deno.readLink(`/proc/${pid}/ns/mnt`);
      await sb.ok(["start", "c1"]);
      for (let i = 0; i < 300 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
      await sb.ok(["delete", "c1"]);

      const lines = (await Deno.readTextFile(log)).trim().split("\n");
      const kinds = lines.map((l) => l.split(" ")[0]);
      assertEquals(kinds, [
        "prestart",
        "createRuntime",
        "createContainer",
        "startContainer",
        "poststart",
        "poststop",
      ]);
      const parsed = lines.map((l) => {
        const [kind, argv0, mnt, v, ...rest] = l.split(" ");
        return { kind, argv0, mnt, v, state: JSON.parse(rest.join(" ")) };
      });
      const base = {
        ociVersion: "1.0.2-dev",
        id: "c1",
        bundle: sb.bundle,
        annotations: { "org.example/a": "b" },
      };
      const expect: Record<string, { mnt: string; status: string; pid?: number }> = {
        prestart: { mnt: hostMnt, status: "creating", pid },
        createRuntime: { mnt: hostMnt, status: "creating", pid },
        createContainer: { mnt: containerMnt, status: "creating", pid: 1 },
        startContainer: { mnt: containerMnt, status: "created", pid: 1 },
        poststart: { mnt: hostMnt, status: "running", pid },
        poststop: { mnt: hostMnt, status: "stopped" },
      };
      for (const p of parsed) {
        const e = expect[p.kind!]!;
        assertEquals(p.argv0, p.kind === "startContainer" ? "sh" : `hook-${p.kind}`, p.kind);
        assertEquals(p.v, "v1", p.kind);
        assertEquals(p.mnt, e.mnt, `${p.kind} namespace`);
        const { pid: epid, status } = e;
        assertEquals(p.state, { ...base, status, ...(epid ? { pid: epid } : {}) }, p.kind);
      }
    }, (s) => (s.process!.args = ["true"])),
});

for (const kind of ["prestart", "createRuntime", "createContainer"] as const) {
  Deno.test({
    name: name(`a failing ${kind} hook fails create with runc's message and leaves nothing`),
    ignore: !!skip,
    fn: () =>
      withSandbox(async (sb) => {
        const r = await sb.run(["create", "c1"]);
        assertEquals(r.code, 1);
        assertStringIncludes(
          r.stderr,
          "runc create failed: unable to start container process: error during container init: " +
            "error running hook #1: error running hook: exit status 3, stdout: out\\n, stderr: err\\n",
        );
        assertEquals(await sb.ids(), []);
        const ps = await new Deno.Command("ps", { args: ["-eo", "args"], stdout: "piped" })
          .output();
        assert(!new TextDecoder().decode(ps.stdout).includes("sleep 4242"), "the init is left");
      }, (s) => {
        s.process!.args = ["sleep", "4242"];
        s.hooks = {
          [kind]: [
            { path: "/bin/true" },
            { path: "/bin/sh", args: ["sh", "-c", "echo out; echo err >&2; exit 3"] },
          ],
        };
      }),
  });
}

Deno.test({
  name: name("a hook past its timeout is killed and fails create"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const t0 = Date.now();
      const r = await sb.run(["create", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        "error running hook #0: hook ran past specified timeout of 1s",
      );
      assert(Date.now() - t0 < 4000, "the hook was not killed at its timeout");
      assertEquals(await sb.ids(), []);
    }, (s) => {
      s.hooks = { createRuntime: [{ path: "/bin/sleep", args: ["sleep", "30"], timeout: 1 }] };
    }),
});

Deno.test({
  name: name("a missing hook binary is runc's fork/exec error"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const r = await sb.run(["create", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        "error running hook #0: fork/exec /nonexistent/hook: no such file or directory",
      );
    }, (s) => {
      s.hooks = { prestart: [{ path: "/nonexistent/hook" }] };
    }),
});

Deno.test({
  name: name("failing poststart and poststop hooks are logged; the container runs and is deleted"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["create", "c1"]);
      const start = await sb.run(["start", "c1"]);
      assertEquals(start.code, 0, start.stderr);
      assertStringIncludes(
        start.stderr,
        'level=warning msg="error running hook #0: error running hook: exit status 1',
      );
      assertEquals(JSON.parse(await sb.ok(["state", "c1"])).status, "running");
      const del = await sb.run(["delete", "--force", "c1"]);
      assertEquals(del.code, 0, del.stderr);
      assertStringIncludes(
        del.stderr,
        'level=error msg="error running hook #0: error running hook: exit status 1',
      );
      assertEquals(await sb.ids(), []);
    }, (s) => {
      s.process!.args = ["sleep", "100"];
      s.hooks = { poststart: [{ path: "/bin/false" }], poststop: [{ path: "/bin/false" }] };
    }),
});
