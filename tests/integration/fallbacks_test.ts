/**
 * The init stub's ways around what older kernels lack, each forced on this
 * host with RUNC_INIT_FALLBACKS (core/init/stub.ts): fds swept through
 * /proc/self/fd without close_range(CLOSE_RANGE_CLOEXEC) (5.11), paths in the
 * root resolved by hand without openat2 (5.6), recursive mount attributes by
 * remounting each mount without mount_setattr (5.12), clone(2) without clone3
 * (5.3). Each must keep what the fast path guarantees.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import {
  isRoot,
  needsRoot,
  needsRunc,
  RUNC,
  shareOut,
  skipName,
  withHostMount,
  withSandbox,
} from "./_util.ts";
import { until } from "./_cgroup_util.ts";
import { FALLBACKS_ENV } from "../../core/init/stub.ts";
import { STOP_AT_ENV } from "../../core/init/kill_points.ts";

const why = needsRunc();
const name = (n: string, w = why) => skipName(n, w);

function without(...calls: string[]): { env: Record<string, string> } {
  return { env: { [FALLBACKS_ENV]: calls.join(",") } };
}

/**
 * The container's pid 1 among the processes whose parent (PPid in
 * /proc/PID/status) is `parent`, if one is.
 */
function containerInitChildOf(parent: number): number | undefined {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const status = Deno.readTextFileSync(`/proc/${e.name}/status`);
      const ppid = Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1]);
      // NSpid: its pid here, then 1 in the pid namespace below ours.
      if (ppid === parent && /^NSpid:\s+\d+\s+1$/m.test(status)) return Number(e.name);
    } catch { /* gone, or not ours to see */ }
  }
  return undefined;
}

Deno.test({
  name: name("without close_range: the caller's fds are swept one by one; passed ones stay"),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        s.process!.args = ["/bin/sh", "-c", "ls /proc/self/fd | tr '\\n' ' '"];
      });
      const r = await sb.run(["run", "--preserve-fds", "1", "c1"], {
        ...without("close_range"),
        script: "exec 3</etc/hostname 7</etc/hostname 9</etc/hostname; ",
      });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout.trim(), "0 1 2 3 4");
    }),
});

Deno.test({
  name: name(
    "without openat2: symlinks in the rootfs resolve inside it (dangling, absolute, ..), /proc writes stay on procfs",
  ),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      const rootfs = `${sb.bundle}/rootfs`;
      // A dangling relative link, an absolute one that would leave the rootfs, a ".." chain.
      await Deno.symlink("../run/dangling/resolv.conf", `${rootfs}/etc/resolv.conf`);
      await Deno.symlink(`${sb.dir}/outside`, `${rootfs}/abs`);
      await Deno.symlink("../../../../../../../../outside2", `${rootfs}/up`);
      await Deno.writeTextFile(`${sb.dir}/resolv.conf`, "nameserver 192.0.2.1\n");
      await sb.editSpec((s) => {
        s.mounts!.push(
          {
            destination: "/etc/resolv.conf",
            type: "bind",
            source: `${sb.dir}/resolv.conf`,
            options: ["rbind"],
          },
          { destination: "/abs/x", type: "tmpfs", source: "tmpfs" },
          { destination: "/up/y", type: "tmpfs", source: "tmpfs" },
        );
        if (isRoot) s.linux!.sysctl = { "net.ipv4.ip_forward": "1" };
        s.process!.args = [
          "/bin/sh",
          "-c",
          "cat /etc/resolv.conf; grep -c 'outside/x \\|/outside2/y ' /proc/self/mountinfo; " +
          (isRoot ? "cat /proc/sys/net/ipv4/ip_forward; " : "echo 1; ") +
          "cat /proc/kcore 2>&1 | head -c 0",
        ];
      });
      const r = await sb.run(["run", "c1"], without("openat2"));
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "nameserver 192.0.2.1\n2\n1\n");
      // Made inside the rootfs, where the links point from its root; nothing outside.
      assert((await Deno.stat(`${rootfs}/run/dangling/resolv.conf`)).isFile);
      assert((await Deno.stat(`${rootfs}${sb.dir}/outside/x`)).isDirectory);
      assert((await Deno.stat(`${rootfs}/outside2/y`)).isDirectory);
      for (const p of [`${sb.dir}/outside`, "/outside2"]) {
        assert(!(await Deno.stat(p).then(() => true, () => false)), `${p} was made on the host`);
      }
    }),
});

const mounts = needsRoot("mounts a tmpfs below a bind source");
Deno.test({
  name: name(
    "without mount_setattr: rro makes the mount and every mount below it read-only",
    mounts,
  ),
  ignore: !!mounts,
  fn: () =>
    withSandbox(async (sb) => {
      const src = `${sb.dir}/src`;
      await Deno.mkdir(`${src}/sub`, { recursive: true });
      await withHostMount(["-t", "tmpfs", "tmpfs", `${src}/sub`], `${src}/sub`, async () => {
        await sb.editSpec((s) => {
          s.mounts!.push({
            destination: "/data",
            type: "bind",
            source: src,
            options: ["rbind", "rro"],
          });
          s.process!.args = [
            "/bin/sh",
            "-c",
            "touch /data/a 2>/dev/null && echo top-rw || echo top-ro; " +
            "touch /data/sub/b 2>/dev/null && echo sub-rw || echo sub-ro",
          ];
        });
        for (const fallback of [without(), without("mount_setattr")]) {
          const r = await sb.run(["run", "c1"], fallback);
          assertEquals(r.code, 0, r.stderr);
          assertEquals(r.stdout, "top-ro\nsub-ro\n", JSON.stringify(fallback));
        }
      });
    }),
});

Deno.test({
  name: name("without clone3: clone(2) makes the init, in its namespaces, a child of runc"),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await shareOut(sb, (s) => {
        s.process!.args = ["/bin/sh", "-c", "echo $$ > /out/pid; sleep 30"];
      });
      const r = await sb.run(["run", "-d", "c2"], without("clone3"));
      assertEquals(r.code, 0, r.stderr);
      const state = JSON.parse(await sb.ok(["state", "c2"]));
      assertEquals(state.status, "running");
      assertEquals((await Deno.readTextFile(`${sb.dir}/pid`)).trim(), "1");
      const e = await sb.run(["exec", "c2", "echo", "exec-ok"], without("clone3"));
      assertEquals(e.stdout, "exec-ok\n", e.stderr);
      // A child of runc: a create whose CLI stops once the init is set up, so
      // that the init's parent is seen while the CLI still lives.
      const cli = new Deno.Command(RUNC, {
        args: ["--root", sb.root, "create", "c3"],
        cwd: sb.bundle,
        env: { ...without("clone3").env, [STOP_AT_ENV]: "ready" },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        let init: number | undefined;
        const found = await until(() => (init = containerInitChildOf(cli.pid)) !== undefined);
        assert(found, `no child of runc (pid ${cli.pid}) is the container's pid 1`);
        const status = await Deno.readTextFile(`/proc/${init}/status`);
        assertEquals(/^PPid:\s+(\d+)$/m.exec(status)?.[1], String(cli.pid), "the init's parent");
      } finally {
        // Also when a check failed: the stopped CLI dies (its init with it); dispose deletes c3.
        try {
          cli.kill("SIGKILL");
        } catch { /* it ended already */ }
        await cli.status;
      }
    }),
});

Deno.test({
  name: name("every fallback at once: run, exec, hooks and the fifo work as on a new kernel"),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await shareOut(sb, (s) => {
        s.process!.args = ["/bin/sh", "-c", "echo ran; ls /proc/self/fd | tr '\\n' ' '"];
        s.hooks = {
          startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "echo hook > /out/hook"] }],
        };
      });
      const all = without("close_range", "openat2", "mount_setattr", "clone3");
      const r = await sb.run(["run", "c1"], { ...all, script: "exec 7</etc/hostname; " });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "ran\n0 1 2 3 ");
      assertStringIncludes(await Deno.readTextFile(`${sb.dir}/hook`), "hook");
      // exec into a running container, with every fallback too.
      await sb.editSpec((s) => {
        s.process!.args = ["sleep", "30"];
      });
      const d = await sb.run(["run", "-d", "c2"], all);
      assertEquals(d.code, 0, d.stderr);
      const e = await sb.run(["exec", "c2", "/bin/sh", "-c", "echo exec-ok; echo $$"], all);
      assertEquals(e.code, 0, e.stderr);
      // Its own process in the container's pid namespace: not the init (1).
      const [said, pid] = e.stdout.split("\n");
      assertEquals(said, "exec-ok", e.stdout);
      assert(Number(pid) > 1, `the exec'd shell's pid in the container: ${e.stdout}`);
    }),
});
