/**
 * One regression test per known container-escape class of runc, each written
 * from the attacker's side (a hostile rootfs or config) and checking the host
 * afterwards, not only the exit code.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { needsRunc, RUNC, waitForFile, withSandbox } from "./_util.ts";
import type { Spec } from "../../core/spec/types.ts";

const skip = needsRunc();
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;
const script = (text: string) => (s: Spec) => (s.process!.args = ["sh", "-c", text]);

function assertNoStackTrace(stderr: string): void {
  assert(!/\n\s+at /.test(stderr), `a stack trace reached the user:\n${stderr}`);
}

Deno.test({
  name: name(
    "CVE-2019-5736: the process that sets up the container is a sealed memfd nobody can write",
  ),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        s.mounts!.push({
          destination: "/hostdir",
          type: "bind",
          source: sb.dir,
          options: ["rbind"],
        });
      });
      const before = await Deno.readFile(RUNC);
      // Seen from the host, the waiting init is the sealed memfd.
      await sb.ok(["create", "c1"]);
      const { pid } = JSON.parse(await sb.ok(["state", "c1"]));
      assertEquals(await Deno.readLink(`/proc/${pid}/exe`), "/memfd:runc-init (deleted)");
      await sb.ok(["start", "c1"]);
      await waitForFile(`${sb.dir}/hook.log`);
      const log = await Deno.readTextFile(`${sb.dir}/hook.log`);
      assertStringIncludes(log, "exe=/memfd:runc-init (deleted) write=refused");
      assertEquals(await Deno.readFile(RUNC), before, "build/runc changed");
    }, (s) => {
      // A startContainer hook runs in the container, as a child of the waiting init (pid 1).
      s.hooks = {
        startContainer: [{
          path: "/bin/sh",
          args: [
            "sh",
            "-c",
            "(echo x >> /proc/1/exe) 2>/dev/null && w=done || w=refused; " +
            'echo "exe=$(readlink /proc/1/exe 2>/dev/null) write=$w" > /hostdir/hook.log.tmp; ' +
            "mv /hostdir/hook.log.tmp /hostdir/hook.log",
          ],
        }],
      };
      script("true")(s);
    }),
});

Deno.test({
  name: name(
    "CVE-2024-21626: a cwd through a leaked fd is refused; no host fd reaches the container",
  ),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      for (let fd = 3; fd < 10; fd++) {
        await sb.editSpec((s) => (s.process!.cwd = `/proc/self/fd/${fd}`));
        const r = await sb.run(["run", `c${fd}`]);
        assert(r.code !== 0, `cwd /proc/self/fd/${fd} was accepted: ${r.stdout}`);
        assert(!r.stdout.includes("escaped"), r.stdout);
      }
      await sb.editSpec((s) => (s.process!.cwd = "/"));
      const fds = await sb.run(["run", "c1"]);
      assertEquals(fds.code, 0, fds.stderr);
      assertEquals(fds.stdout.trim().split("\n").sort(), ["0", "1", "2", "3"]);
      assertEquals(await sb.ids(), []);
    }, script("[ -e ../../../../etc/hostname ] && echo escaped; ls /proc/self/fd")),
});

Deno.test({
  name: name("CVE-2025-31133: masking never uses a /dev/null the container controls"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const devdir = `${sb.dir}/devdir`;
      await Deno.mkdir(devdir);
      const target = `${sb.dir}/victim`;
      await Deno.writeTextFile(target, "untouched\n");
      await Deno.symlink(target, `${devdir}/null`);
      await sb.editSpec((s) => {
        s.mounts = s.mounts!.filter((m) => !m.destination.startsWith("/dev"));
        s.mounts.push({ destination: "/dev", type: "bind", source: devdir, options: ["rbind"] });
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 1, r.stdout);
      assertStringIncludes(r.stderr, "/dev/null is not the null device");
      assertEquals(await Deno.readTextFile(target), "untouched\n");
      assertEquals(await sb.ids(), []);
    }, script("true")),
});

Deno.test({
  name: name(
    "CVE-2019-19921 and CVE-2025-52881: nothing may be mounted over /proc subpaths; /proc must be procfs",
  ),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const decoy = `${sb.dir}/decoy`;
      await Deno.mkdir(decoy);
      for (
        const m of [
          { destination: "/proc/sys", type: "bind", source: decoy, options: ["rbind"] },
          { destination: "/proc/self/attr", type: "tmpfs", source: "tmpfs" },
          { destination: "/proc/sys/kernel", type: "tmpfs", source: "tmpfs" },
        ]
      ) {
        await sb.editSpec((s) => {
          s.mounts = s.mounts!.filter((x) => !x.destination.startsWith("/proc/"));
          s.mounts.push(m);
        });
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 1, m.destination);
        assertStringIncludes(r.stderr, `cannot be mounted because it is inside /proc`);
        assertEquals(await sb.ids(), []);
      }
      await sb.editSpec((s) => {
        s.mounts = s.mounts!.filter((x) => !x.destination.startsWith("/proc"));
        s.mounts.push({ destination: "/proc", type: "bind", source: decoy, options: ["rbind"] });
      });
      const bind = await sb.run(["run", "c1"]);
      assertEquals(bind.code, 1);
      assertStringIncludes(bind.stderr, "cannot be mounted because it is not of type proc");
      assertEquals([...Deno.readDirSync(decoy)].length, 0, "a write landed in the decoy");
    }, (s) => {
      s.linux!.sysctl = { "kernel.shmmax": "12345678" };
      s.process!.oomScoreAdj = 100;
      script("true")(s);
    }),
});

Deno.test({
  name: name("CVE-2026-41579: a rootfs whose /dev is a symlink creates nothing on the host"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const hostDir = `${sb.dir}/host-dev`;
      await Deno.mkdir(hostDir);
      await Deno.remove(`${sb.bundle}/rootfs/dev`, { recursive: true });
      await Deno.symlink(hostDir, `${sb.bundle}/rootfs/dev`);
      await sb.run(["run", "c1"]);
      assertEquals(
        [...Deno.readDirSync(hostDir)],
        [],
        "ptmx, fd links or device nodes were made on the host",
      );
      await sb.editSpec((s) => (s.mounts = s.mounts!.filter((m) =>
        !m.destination.startsWith("/dev")
      )));
      await sb.run(["run", "c2"]);
      assertEquals([...Deno.readDirSync(hostDir)], [], "the same without a /dev mount in the spec");
    }, script("true")),
});

Deno.test({
  name: name(
    "CVE-2024-45310 and CVE-2021-30465: no directory is made outside the rootfs, whatever the destination",
  ),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const outside = `${sb.bundle}/rootfs-evil`;
      await sb.editSpec((s) => {
        s.mounts!.push({ destination: "/../rootfs-evil/x", type: "tmpfs", source: "tmpfs" });
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.stderr, "escapes the container's root");
      let made = true;
      try {
        await Deno.lstat(outside);
      } catch {
        made = false;
      }
      assert(!made, "a directory was made beside the rootfs");
      // A symlink to a sibling of the rootfs that shares its prefix is followed inside the rootfs.
      await Deno.symlink(`${sb.bundle}/rootfs-evil`, `${sb.bundle}/rootfs/link`);
      await sb.editSpec((s) => {
        s.mounts = s.mounts!.filter((m) => !m.destination.includes("rootfs-evil"));
        s.mounts.push({ destination: "/link/y", type: "tmpfs", source: "tmpfs" });
      });
      const r2 = await sb.run(["run", "c2"]);
      assertEquals(r2.code, 0, r2.stderr);
      try {
        await Deno.lstat(outside);
        made = true;
      } catch {
        made = false;
      }
      assert(!made, "a directory was made beside the rootfs through a symlink");
    }, script("true")),
});

Deno.test({
  name: name("CVE-2025-52565: /dev/console is the container's pty itself"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const child = new Deno.Command("script", {
        args: ["-qec", `${RUNC} --root ${sb.root} run c1`, "/dev/null"],
        cwd: sb.bundle,
        stdin: "null",
        stdout: "piped",
      }).spawn();
      const text = new TextDecoder().decode((await child.output()).stdout);
      const m = text.match(/console=(\S+) tty=(\S+)/);
      assert(m, text);
      assertEquals(m![1], m![2], "/dev/console and the process's terminal are different devices");
    }, (s) => {
      s.process!.terminal = true;
      script("echo console=$(stat -c %t:%T /dev/console) tty=$(stat -L -c %t:%T /proc/self/fd/0)")(
        s,
      );
    }),
});

Deno.test({
  name: name(
    "CVE-2022-29162 and CVE-2023-25809: no inheritable capabilities; the cgroup fs is read-only",
  ),
  ignore: !!skip,
  fn: () =>
    withSandbox(
      async (sb) => {
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 0, r.stderr);
        assertStringIncludes(r.stdout, "CapInh:\t0000000000000000");
        assertStringIncludes(r.stdout, "cgroup-write=refused");
      },
      script(
        "grep CapInh /proc/self/status; (mkdir /sys/fs/cgroup/x) 2>/dev/null && echo cgroup-write=done || echo cgroup-write=refused",
      ),
    ),
});

Deno.test({
  name: name("sysctls that are not namespaced are refused before anything is created"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const before = await Deno.readTextFile("/proc/sys/kernel/core_pattern");
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.stderr, "kernel.core_pattern");
      assertNoStackTrace(r.stderr);
      assertEquals(await Deno.readTextFile("/proc/sys/kernel/core_pattern"), before);
      assertEquals(await sb.ids(), []);
    }, (s) => {
      s.linux!.sysctl = { "kernel.core_pattern": "|/tmp/pwn" };
    }),
});

Deno.test({
  name: name(
    "a config.json that is null, an array, huge or incomplete is a clear error, never a stack trace",
  ),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const cfg = `${sb.bundle}/config.json`;
      const cases: [string, string][] = [
        ["null", "config cannot be null"],
        ["[]", "cannot unmarshal array"],
        [`{"ociVersion": "1.0.2", "pad": "${"x".repeat(17 * 1024 * 1024)}"}`, "too large"],
        ['{"ociVersion": "1.0.2"}', "process property must not be empty"],
      ];
      for (const [text, msg] of cases) {
        await Deno.writeTextFile(cfg, text);
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 1, text.slice(0, 20));
        assertStringIncludes(r.stderr, msg);
        assertNoStackTrace(r.stderr);
        assertEquals(await sb.ids(), []);
      }
    }),
});
