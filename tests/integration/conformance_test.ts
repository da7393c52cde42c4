/**
 * What runc's own integration suite (tests/integration at v1.1.0-rc.1) found
 * different, checked here too, so that this project's suite catches it
 * without runc's: --debug's milestones, signal 0, a read-only /dev, the
 * host's procfs on /proc without a pid namespace, /dev/ptmx given as a
 * device, the seccomp listener never reaching a hook, an exec'd process's
 * oom_score_adj, and more groups than a fixed table held.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import {
  needsRoot,
  needsRunc,
  shareOut,
  skipName,
  startListener,
  TESTPROG,
  withSandbox,
} from "./_util.ts";

const why = needsRunc();
const name = (n: string, w = why) => skipName(n, w);

Deno.test({
  name: name("--debug logs the init's milestones in runc's words, for run and for exec"),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => (s.process!.args = ["sleep", "30"]));
      const run = await sb.run(["--debug", "run", "-d", "c1"]);
      assertEquals(run.code, 0, run.stderr);
      for (
        const line of [
          "nsexec container setup",
          "child process in init()",
          "init: closing the pipe to signal completion",
        ]
      ) assertStringIncludes(run.stderr, line);
      const exec = await sb.run(["--debug", "--log", `${sb.dir}/log`, "exec", "c1", "true"]);
      assertEquals(exec.code, 0, exec.stderr);
      const log = await Deno.readTextFile(`${sb.dir}/log`);
      for (
        const line of [
          "nsexec container setup",
          "child process in init()",
          "setns_init: about to exec",
        ]
      ) {
        assertStringIncludes(log, line);
      }
    }),
});

Deno.test({
  name: name("kill with signal 0 checks the container, and --all on a stopped one is no error"),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => (s.process!.args = ["sleep", "30"]));
      await sb.ok(["run", "-d", "c1"]);
      assertEquals((await sb.run(["kill", "c1", "0"])).code, 0);
      await sb.ok(["kill", "c1", "KILL"]);
      for (let i = 0; i < 100; i++) {
        if (JSON.parse(await sb.ok(["state", "c1"])).status === "stopped") break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const all = await sb.run(["kill", "-a", "c1", "0"]);
      assertEquals(all.code, 0, all.stderr);
      const one = await sb.run(["kill", "c1", "0"]);
      assertEquals(one.code, 1);
      assertStringIncludes(one.stderr, "container not running");
      assertStringIncludes(
        (await sb.run(["kill", "c1", "NOPE"])).stderr,
        'msg="unknown signal \\"NOPE\\""',
      );
    }),
});

Deno.test({
  name: name("a read-only /dev: what goes under it is made first, then it turns read-only"),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        s.mounts = s.mounts!.map((m) =>
          m.destination === "/dev" ? { ...m, options: [...(m.options ?? []), "ro"] } : m
        );
        s.process!.args = ["/bin/sh", "-c", "grep '^tmpfs /dev ' /proc/mounts; ls /dev/pts/ptmx"];
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assert(/^tmpfs \/dev tmpfs ro,/.test(r.stdout), r.stdout);
    }),
});

const hostPidns = needsRoot("uses the host's pid namespace");
Deno.test({
  name: name("/proc may be the host's procfs bound in, without a pid namespace", hostPidns),
  ignore: !!hostPidns,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "pid");
        s.mounts = s.mounts!.map((m) =>
          m.type === "proc"
            ? {
              ...m,
              type: "none",
              source: "/proc",
              options: ["rbind", "nosuid", "nodev", "noexec"],
            }
            : m
        );
        s.process!.args = ["/bin/sh", "-c", "test -d /proc/1 && echo ok"];
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "ok\n");
    }),
});

Deno.test({
  name: name("/dev/ptmx given as a device stays the link into the container's devpts"),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        s.linux!.devices = [...(s.linux!.devices ?? []), {
          path: "/dev/ptmx",
          type: "c",
          major: 5,
          minor: 2,
        }];
        s.process!.args = ["readlink", "/dev/ptmx"];
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "pts/ptmx\n");
    }),
});

Deno.test({
  name: name(
    "with SCMP_ACT_NOTIFY, the listener reaches the agent and never a startContainer hook",
  ),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await Deno.copyFile(TESTPROG, `${sb.bundle}/rootfs/bin/testprog`);
      const agent = await startListener("seccomp-agent", `${sb.dir}/agent.sock`);
      try {
        await shareOut(sb, (s) => {
          s.process!.args = ["true"];
          s.linux!.seccomp = {
            defaultAction: "SCMP_ACT_ALLOW",
            listenerPath: agent.path,
            syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }],
          };
          s.hooks = {
            startContainer: [{
              path: "/bin/sh",
              args: ["sh", "-c", "ls /proc/self/fd | tr '\\n' ' ' > /out/fds"],
            }],
          };
        });
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 0, r.stderr);
        // stdio, and the directory ls lists.
        assertEquals((await Deno.readTextFile(`${sb.dir}/fds`)).trim(), "0 1 2 3");
      } finally {
        agent.child.kill("SIGKILL");
        await agent.output.catch(() => {});
      }
    }),
});

const lowersOom = needsRoot("sets oom_score_adj below the caller's");
Deno.test({
  name: name(
    "an exec'd process gets the container's oom_score_adj, not its caller's (a shim's is near -1000)",
    lowersOom,
  ),
  ignore: !!lowersOom,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        s.process!.oomScoreAdj = 100;
        s.process!.args = ["sleep", "30"];
      });
      await sb.ok(["run", "-d", "c1"]);
      const r = await sb.run(["exec", "c1", "cat", "/proc/self/oom_score_adj"], {
        // A caller's own, far from the container's (lowering it takes
        // CAP_SYS_RESOURCE, which these hosts do not hold).
        script: "echo 500 > /proc/$$/oom_score_adj; ",
      });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "100\n");
    }),
});

const groups = needsRoot("sets groups the user cannot");
Deno.test({
  name: name("more additional groups than a fixed table held (NGROUPS_MAX is the limit)", groups),
  ignore: !!groups,
  fn: () =>
    withSandbox(async (sb) => {
      const gids = Array.from({ length: 1000 }, (_, i) => 2000 + i);
      await sb.editSpec((s) => {
        s.process!.user = { uid: 0, gid: 0, additionalGids: gids };
        s.process!.args = ["/bin/sh", "-c", "id -G | wc -w"];
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout.trim(), "1001");
    }),
});

const apparmorOn = (() => {
  try {
    return Deno.readTextFileSync("/sys/module/apparmor/parameters/enabled").trim() === "Y";
  } catch {
    return false;
  }
})();
const noApparmor = why ?? (apparmorOn ? "needs a host without AppArmor" : undefined);
Deno.test({
  name: name(
    "an exec asking for an LSM label the host lacks fails in runc's words, running nothing",
    noApparmor,
  ),
  ignore: !!noApparmor,
  fn: () =>
    withSandbox(async (sb) => {
      await shareOut(sb, (s) => (s.process!.args = ["sleep", "30"]));
      await sb.ok(["run", "-d", "c1"]);
      // What the process would leave if it ran: a line on stdout, a file in /out.
      const probe = ["/bin/sh", "-c", "echo ran; touch /out/ran"];
      const r = await sb.run(["exec", "--apparmor", "some-profile", "c1", ...probe]);
      assertEquals(r.code, 255);
      assertStringIncludes(
        r.stderr,
        "unable to apply apparmor profile: apparmor: config provided but apparmor not supported",
      );
      assertEquals(r.stdout, "", "the process ran");
      assert(
        !(await Deno.stat(`${sb.dir}/ran`).then(() => true, () => false)),
        "the process ran: /out/ran exists",
      );
      // Without the label the same process runs and leaves both: the probe can tell.
      const ran = await sb.run(["exec", "c1", ...probe]);
      assertEquals(ran.code, 0, ran.stderr);
      assertEquals(ran.stdout, "ran\n");
      assert((await Deno.stat(`${sb.dir}/ran`)).isFile);
    }),
});
