import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { needsRunc, RUNC, withSandbox } from "./_util.ts";
import type { Spec } from "../../core/spec/types.ts";

const skip = needsRunc();
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;
const sh = (script: string) => (s: Spec) => {
  s.process!.args = ["sh", "-c", script];
};

Deno.test({
  name: name("run returns the container's exit code and removes the container"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 3, r.stderr);
      assertEquals(await sb.ids(), []);
    }, sh("exit 3")),
});

Deno.test({
  name: name("--debug times each phase of run: ms since the start, in order; without it, nothing"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const r = await sb.run(["--debug", "run", "c1"]);
      assertEquals(r.code, 3, r.stderr);
      const phases = [...r.stderr.matchAll(/msg="([^"]+)" ms=([0-9.]+)/g)].map((m) => ({
        phase: m[1]!.replace(/[0-9]+/g, "N"),
        ms: Number(m[2]),
      }));
      assertEquals(phases.map((p) => p.phase), [
        "run: modules loaded",
        "create: config loaded",
        "create: set-up recorded",
        "create: cgroups made",
        "create: init planned",
        "create: cgroups joined",
        "init: program sent",
        "init: container init is pid N",
        "create: limits set",
        "init: container init N is ready",
        "create: state recorded",
        "run: started",
        "run: exited",
        "run: deleted",
      ]);
      for (let i = 1; i < phases.length; i++) {
        assert(phases[i]!.ms >= phases[i - 1]!.ms, JSON.stringify(phases));
      }
      const quiet = await sb.run(["run", "c2"]);
      assertEquals(quiet.code, 3, quiet.stderr);
      assert(!quiet.stderr.includes("ms="), quiet.stderr);
    }, sh("exit 3")),
});

Deno.test({
  name: name("run: a container killed by a signal gives 128 + the signal"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const running = sb.run(["run", "c1"]);
      for (let i = 0; i < 500; i++) {
        const st = await sb.run(["state", "c1"]);
        if (st.code === 0 && JSON.parse(st.stdout).status === "running") break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await sb.ok(["kill", "c1", "9"]);
      const r = await running;
      assertEquals(r.code, 137, r.stderr);
      assertEquals(await sb.ids(), []);
    }, sh("sleep 100")),
});

Deno.test({
  name: name("inside: uid 0, hostname, the spec's capabilities and rlimits, a read-only root"),
  ignore: !!skip,
  fn: () =>
    withSandbox(
      async (sb) => {
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split("\n");
        assertEquals(lines[0], "uid=0 gid=0");
        assertEquals(lines[1], "runc");
        // CAP_AUDIT_WRITE (29), CAP_KILL (5), CAP_NET_BIND_SERVICE (10)
        assertStringIncludes(r.stdout, "CapEff:\t0000000020000420");
        assertStringIncludes(r.stdout, "CapBnd:\t0000000020000420");
        assertStringIncludes(r.stdout, "CapInh:\t0000000000000000");
        assertStringIncludes(r.stdout, "NoNewPrivs:\t1");
        assertStringIncludes(r.stdout, "nofile=1024");
        assertStringIncludes(r.stdout, "Read-only file system");
        assertStringIncludes(r.stdout, "pid1=1");
      },
      sh(
        "echo uid=$(id -u) gid=$(id -g); hostname; grep -E '^(Cap|NoNewPrivs)' /proc/self/status; " +
          "echo nofile=$(ulimit -n); touch /x 2>&1; echo pid1=$(cat /proc/1/stat | cut -d' ' -f1)",
      ),
    ),
});

Deno.test({
  name: name("inside: /dev has the default devices and links, masked paths are hidden"),
  ignore: !!skip,
  fn: () =>
    withSandbox(
      async (sb) => {
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 0, r.stderr);
        for (const dev of ["null", "zero", "full", "tty", "random", "urandom"]) {
          assertStringIncludes(r.stdout, `/dev/${dev} c`, dev);
        }
        assertStringIncludes(r.stdout, "/dev/ptmx -> pts/ptmx");
        assertStringIncludes(r.stdout, "/dev/fd -> /proc/self/fd");
        assertStringIncludes(r.stdout, "keys=0 masked=1");
        assertStringIncludes(r.stdout, "sysrq=ro");
      },
      sh(
        "for f in /dev/*; do if [ -L $f ]; then echo $f '->' $(readlink $f); elif [ -c $f ]; then echo $f c; fi; done; " +
          "echo keys=$(wc -c < /proc/keys) masked=$(grep -c ' /proc/keys ' /proc/self/mountinfo); (echo x > /proc/sysrq-trigger) 2>/dev/null && echo sysrq=rw || echo sysrq=ro",
      ),
    ),
});

Deno.test({
  name: name("no mount of the container leaks into the host"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const before = await Deno.readTextFile("/proc/self/mountinfo");
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      const after = await Deno.readTextFile("/proc/self/mountinfo");
      assert(!after.includes(sb.bundle), "a mount under the bundle is visible on the host");
      assertEquals(after.split("\n").length, before.split("\n").length);
    }, sh("true")),
});

Deno.test({
  name: name("signals sent to a foreground run are forwarded to the container"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const child = new Deno.Command(RUNC, {
        args: ["--root", sb.root, "run", "c1"],
        cwd: sb.bundle,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      for (let i = 0; i < 500; i++) {
        const st = await sb.run(["state", "c1"]);
        if (st.code === 0 && JSON.parse(st.stdout).status === "running") break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 200)); // the trap is set
      child.kill("SIGTERM");
      const out = await child.output();
      assertEquals(out.code, 3, new TextDecoder().decode(out.stderr));
      assertStringIncludes(new TextDecoder().decode(out.stdout), "got-term");
    }, sh('trap "echo got-term; exit 3" TERM; sleep 100 & wait')),
});
