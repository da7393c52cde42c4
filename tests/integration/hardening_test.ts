/**
 * What runc and crun guard against on the init path, each checked with a real
 * container (issue 16's list): signal dispositions, the environment and fds
 * that reach hooks, shared rootfs propagation, dumpable while joining, the
 * cwd and HOME before the user is set, paths inside the rootfs, failures that
 * would hang or hide, a mount over the rootfs.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import {
  hasReference,
  hostMount,
  needsRoot,
  needsRunc,
  REFERENCE_RUNC,
  RUNC,
  type Sandbox,
  shareOut,
  skipName,
  startListener,
  TESTPROG,
  withHostMount,
  withSandbox,
} from "./_util.ts";
import type { Hook } from "../../core/spec/types.ts";
import { STOP_AT_ENV } from "../../core/init/kill_points.ts";

const why = needsRunc();
const name = (n: string, w = why) => skipName(n, w);

function sh(cmd: string): Hook {
  return { path: "/bin/sh", args: ["sh", "-c", cmd] };
}

/** The SigIgn/SigBlk masks of /proc/PID/status text. */
function masks(status: string): { ign: bigint; blk: bigint } {
  const get = (k: string) =>
    BigInt(`0x${new RegExp(`^${k}:\\s*([0-9a-f]+)`, "m").exec(status)![1]}`);
  return { ign: get("SigIgn"), blk: get("SigBlk") };
}

const SIGPIPE = 1n << 12n;

Deno.test({
  name: name(
    "1. the container and its hooks get the caller's signal dispositions (never Deno's or the stub's), nothing blocked",
  ),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await shareOut(sb, (s) => {
        s.process!.args = [
          "/bin/sh",
          "-c",
          "grep -E '^Sig(Ign|Blk)' /proc/self/status > /out/container; (yes | head -1) > /out/pipe",
        ];
        s.hooks = { startContainer: [sh("grep -E '^Sig(Ign|Blk)' /proc/self/status > /out/hook")] };
      });
      // The caller ignores SIGHUP and SIGQUIT.
      const r = await sb.run(["run", "c1"], {
        script: `trap '' HUP QUIT; grep -E '^Sig(Ign|Blk)' /proc/$$/status > ${sb.dir}/caller; `,
      });
      assertEquals(r.code, 0, r.stderr);
      const caller = masks(await Deno.readTextFile(`${sb.dir}/caller`));
      assertEquals(caller.ign & 0x5n, 0x5n, "the caller's shell ignores HUP and QUIT");
      // What the caller ignored, but SIGPIPE: Deno ignores it for itself, so the
      // caller's choice cannot be told (runc's Go runtime resets it too).
      const expected = caller.ign & ~SIGPIPE;
      for (const who of ["container", "hook"]) {
        const m = masks(await Deno.readTextFile(`${sb.dir}/${who}`));
        assertEquals(m.ign.toString(16), expected.toString(16), `${who}: SigIgn`);
        assertEquals(m.blk, 0n, `${who}: SigBlk`);
      }
      // `yes | head` ends: yes dies of SIGPIPE instead of looping on EPIPE.
      assertEquals(await Deno.readTextFile(`${sb.dir}/pipe`), "y\n");
    }),
});

Deno.test({
  name: name(
    "2. hooks in the container get the container's environment, never the caller's",
  ),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await shareOut(sb, (s) => {
        s.process!.env = ["PATH=/bin", "MINE=1"];
        s.process!.args = ["true"];
        s.hooks = {
          // createContainer runs before pivot_root, in the rootfs: the share is under it.
          createContainer: [sh("env > ./out/cc.env")],
          startContainer: [sh("env > /out/sc.env")],
        };
      });
      const r = await sb.run(["run", "c1"], { env: { CALLER_SECRET: "s3cr3t" } });
      assertEquals(r.code, 0, r.stderr);
      for (const f of ["cc.env", "sc.env"]) {
        const env = (await Deno.readTextFile(`${sb.dir}/${f}`)).split("\n");
        assert(env.includes("MINE=1"), `${f}: ${env}`);
        assert(!env.some((e) => e.startsWith("CALLER_SECRET")), `${f} has the caller's env`);
      }
    }),
});

const mountsHost = needsRoot("mounts on the host and compares its mount table");
Deno.test({
  name: name(
    "3. rootfsPropagation rshared runs, and nothing mounted in the container reaches the host",
    mountsHost,
  ),
  ignore: !!mountsHost,
  fn: () =>
    withSandbox(async (sb) => {
      // A shared mount holding the bundle, as on systemd hosts.
      await Deno.mkdir(`${sb.dir}/shared`);
      await withHostMount(["--bind", sb.bundle, sb.bundle], sb.bundle, async () => {
        await hostMount(["--make-shared", sb.bundle]);
        await sb.editSpec((s) => {
          s.linux!.rootfsPropagation = "rshared";
          s.mounts!.push({ destination: "/inner", type: "tmpfs", source: "tmpfs" });
          s.process!.args = ["/bin/sh", "-c", "grep -c ' /inner ' /proc/self/mountinfo"];
        });
        const before = await Deno.readTextFile("/proc/self/mountinfo");
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 0, r.stderr);
        assertEquals(r.stdout.trim(), "1");
        const after = await Deno.readTextFile("/proc/self/mountinfo");
        assert(!after.includes("/inner"), "the container's tmpfs propagated to the host");
        assertEquals(after.split("\n").length, before.split("\n").length);
      });
    }),
});

const stopsCli = needsRoot("reads another process's /proc/PID/fd as the container's root");
Deno.test({
  name: name(
    "4. a process joining a container is not dumpable until it execs (CVE-2016-9962)",
    stopsCli,
  ),
  ignore: !!stopsCli,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        s.process!.args = ["sleep", "60"];
      });
      await sb.ok(["run", "-d", "c1"]);
      // An exec whose CLI stops once the process is set up: it waits, not yet exec'd.
      const child = new Deno.Command(RUNC, {
        args: ["--root", sb.root, "exec", "c1", "true"],
        env: { [STOP_AT_ENV]: "ready" },
        stdout: "null",
        stderr: "null",
      }).spawn();
      try {
        let waiting = 0;
        for (let i = 0; i < 200 && !waiting; i++) {
          await new Promise((r) => setTimeout(r, 20));
          // The CLI's child that is in the container's pid namespace too.
          waiting = childrenOf(child.pid).find((p) => nsPid(p) !== undefined) ?? 0;
        }
        assert(waiting, "the exec'd process appeared");
        const r = await sb.run(["exec", "c1", "cat", `/proc/${nsPid(waiting)}/fd/0`]);
        assert(r.code !== 0, `the container read a joining process's fds: ${r.stdout}`);
        assertStringIncludes(r.stderr, "Permission denied");
      } finally {
        Deno.kill(child.pid, "SIGKILL");
        await child.status;
      }
    }),
});

function childrenOf(pid: number): number[] {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/)
      .filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process's pid in the pid namespace below ours, when it is in one. */
function nsPid(pid: number): string | undefined {
  try {
    return /^NSpid:\s+\d+\s+(\d+)$/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1];
  } catch {
    return undefined;
  }
}

Deno.test({
  name: name(
    "5. hooks get stdio and nothing else of the caller's fds; the container gets what is passed",
  ),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      const fds = "ls /proc/self/fd | tr '\\n' ' '";
      await shareOut(sb, (s) => {
        s.process!.args = ["/bin/sh", "-c", `${fds} > /out/container`];
        s.hooks = {
          prestart: [sh(`${fds} > ${sb.dir}/prestart`)],
          createContainer: [sh(`${fds} > ./out/cc`)],
          startContainer: [sh(`${fds} > /out/sc`)],
        };
      });
      // fd 3 is passed on purpose; fd 7 leaks from the caller.
      const r = await sb.run(["run", "--preserve-fds", "1", "c1"], {
        script: "exec 3</etc/hostname 7</etc/hostname; ",
      });
      assertEquals(r.code, 0, r.stderr);
      // ls opens the directory it lists: one fd more than what it was given.
      const listed = async (f: string) => (await Deno.readTextFile(`${sb.dir}/${f}`)).trim();
      assertEquals(await listed("container"), "0 1 2 3 4");
      for (const hook of ["prestart", "cc", "sc"]) {
        assertEquals(await listed(hook), "0 1 2 3", hook);
      }
    }),
});

/** A process of uid 1000 whose cwd only root may enter and whose passwd only root may read. */
async function secretCwd(sb: Sandbox): Promise<void> {
  const rootfs = `${sb.bundle}/rootfs`;
  await Deno.mkdir(`${rootfs}/secret`, { mode: 0o700 });
  await Deno.writeTextFile(
    `${rootfs}/etc/passwd`,
    "root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000:u:/home/u:/bin/sh\n",
  );
  await Deno.chmod(`${rootfs}/etc/passwd`, 0o600);
  await sb.editSpec((s) => {
    s.process!.user = { uid: 1000, gid: 1000 };
    s.process!.cwd = "/secret";
    s.process!.env = ["PATH=/bin"];
    s.process!.args = ["/bin/sh", "-c", 'echo "$PWD $HOME"'];
  });
}

const otherUser = needsRoot("runs the process as another uid with a root-only directory");
Deno.test({
  name: name(
    "6. the cwd is tried before the user is set and HOME read while root may (runc's finalizeNamespace)",
    otherUser,
  ),
  ignore: !!otherUser,
  fn: () =>
    withSandbox(async (sb) => {
      await secretCwd(sb);
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "/secret /home/u\n");
    }),
});

const withReference = otherUser ??
  (hasReference
    ? undefined
    : `needs the reference runc at ${REFERENCE_RUNC} (apt-get install runc)`);
Deno.test({
  name: name(
    "6b. the cwd and HOME of a process of another uid are what runc 1.1.5 gives it",
    withReference,
  ),
  ignore: !!withReference,
  fn: () =>
    withSandbox(async (sb) => {
      await secretCwd(sb);
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      const ref = await sb.runReference(["run", "c2"]);
      assertEquals(ref.code, r.code, `runc 1.1.5: ${ref.stderr}`);
      assertEquals(r.stdout, ref.stdout, "the same as runc 1.1.5");
    }),
});

Deno.test({
  name: name(
    "7a. a dangling symlink in the rootfs resolves inside it: a bind mount on /etc/resolv.conf -> ../run/...",
  ),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      const rootfs = `${sb.bundle}/rootfs`;
      await Deno.symlink("../run/systemd/resolve/stub-resolv.conf", `${rootfs}/etc/resolv.conf`);
      await Deno.writeTextFile(`${sb.dir}/resolv.conf`, "nameserver 192.0.2.1\n");
      await sb.editSpec((s) => {
        s.mounts!.push({
          destination: "/etc/resolv.conf",
          type: "bind",
          source: `${sb.dir}/resolv.conf`,
          options: ["rbind", "ro"],
        });
        s.process!.args = ["cat", "/etc/resolv.conf"];
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "nameserver 192.0.2.1\n");
      // Made where the link points, inside the rootfs, and nowhere on the host.
      assert((await Deno.stat(`${rootfs}/run/systemd/resolve/stub-resolv.conf`)).isFile);
    }),
});

const denies = needsRoot("makes device nodes");
Deno.test({
  name: name("7b. a device mknod may not make (a nested container) is bound from the host", denies),
  ignore: !!denies,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        s.linux!.devices = [{ path: "/dev/fuse", type: "c", major: 10, minor: 229 }];
        s.process!.args = [
          "/bin/sh",
          "-c",
          "stat -c '%t:%T %F' /dev/fuse; grep -c ' /dev/fuse ' /proc/self/mountinfo",
        ];
      });
      // runc runs where mknod is refused (EPERM), as in a nested container.
      const r = await sb.run(["run", "c1"], { wrap: [TESTPROG, "deny-mknod"] });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "a:e5 character special file\n1\n");
    }),
});

const terminal = needsRoot("binds a /dev of its own with a planted /dev/console");
Deno.test({
  name: name(
    "7c. /dev/console that is a symlink planted by the rootfs is refused, never followed (CVE-2025-52565)",
    terminal,
  ),
  ignore: !!terminal,
  fn: () =>
    withSandbox(async (sb) => {
      const dev = `${sb.dir}/dev`;
      await Deno.mkdir(`${dev}/pts`, { recursive: true });
      await Deno.writeTextFile(`${sb.dir}/victim`, "host file\n");
      await Deno.symlink(`${sb.dir}/victim`, `${dev}/console`);
      await Deno.symlink("pts/ptmx", `${dev}/ptmx`);
      await sb.editSpec((s) => {
        s.process!.terminal = true;
        s.mounts = s.mounts!.filter((m) => m.destination !== "/dev");
        s.mounts.unshift({ destination: "/dev", type: "bind", source: dev, options: ["rbind"] });
      });
      const tty = await startListener("recvtty", `${sb.dir}/tty.sock`);
      const r = await sb.run(["create", "--console-socket", tty.path, "c1"]);
      tty.child.kill();
      await tty.output.catch(() => {});
      assert(r.code !== 0, "a run with a planted /dev/console succeeded");
      assertStringIncludes(r.stderr, "/dev/console is not a file or a terminal");
      assertEquals(await Deno.readTextFile(`${sb.dir}/victim`), "host file\n");
      assertEquals(await sb.ids(), []);
    }),
});

const noexec = needsRoot("mounts a noexec tmpfs");
Deno.test({
  name: name(
    "8a. a program the process may not execute (a noexec mount) fails create, not start",
    noexec,
  ),
  ignore: !!noexec,
  fn: () =>
    withSandbox(async (sb) => {
      await Deno.mkdir(`${sb.dir}/bin`);
      await Deno.copyFile("/bin/busybox", `${sb.dir}/bin/prog`);
      await sb.editSpec((s) => {
        s.mounts!.push({
          destination: "/noexec",
          type: "bind",
          source: `${sb.dir}/bin`,
          options: ["rbind", "noexec"],
        });
        s.process!.args = ["/noexec/prog", "true"];
      });
      const r = await sb.run(["create", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.stderr, "exec /noexec/prog: permission denied");
      assertEquals(await sb.ids(), []);
    }),
});

const roStdio = needsRoot("mounts a read-only tmpfs for the container's stdin");
Deno.test({
  name: name("8b. stdio on a read-only file system is left as it is (fchown's EROFS)", roStdio),
  ignore: !!roStdio,
  fn: () =>
    withSandbox(async (sb) => {
      const ro = `${sb.dir}/ro`;
      await Deno.mkdir(ro);
      await withHostMount(["-t", "tmpfs", "tmpfs", ro], ro, async () => {
        await Deno.writeTextFile(`${ro}/in`, "from a read-only fs\n");
        await hostMount(["-o", "remount,ro", ro]);
        await sb.editSpec((s) => {
          s.process!.user = { uid: 1000, gid: 1000 };
          s.process!.args = ["cat"];
        });
        const r = await sb.run(["run", "c1"], { script: `exec <${ro}/in; ` });
        assertEquals(r.code, 0, r.stderr);
        assertEquals(r.stdout, "from a read-only fs\n");
      });
    }),
});

Deno.test({
  name: name(
    "8c. a hook that does not read its stdin is killed at its timeout, however large the state",
  ),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        // Far more than a pipe holds: the write of the state would block.
        s.annotations = { big: "x".repeat(512 * 1024) };
        s.process!.args = ["true"];
        s.hooks = { startContainer: [{ ...sh("sleep 30"), timeout: 1 }] };
      });
      const t0 = Date.now();
      const r = await sb.run(["run", "c1"]);
      assert(r.code !== 0, "a hook past its timeout did not fail the run");
      assertStringIncludes(r.stderr, "hook ran past specified timeout of 1s");
      assert(Date.now() - t0 < 15000, `it took ${Date.now() - t0} ms`);
    }),
});

Deno.test({
  name: name(
    "8d. a hook's whole output reaches the error, and thousands of variables reach hook and process",
  ),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      const env = Array.from({ length: 3000 }, (_, i) =>
        `SERVICE_${i}_PORT=tcp://10.0.${i >> 8}.${i & 255}:80`);
      await shareOut(sb, (s) => {
        s.process!.env = ["PATH=/bin", ...env];
        s.process!.args = ["/bin/sh", "-c", "env | grep -c ^SERVICE_ > /out/count"];
        s.hooks = { startContainer: [sh("env | grep -c ^SERVICE_ > /out/hookcount")] };
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals((await Deno.readTextFile(`${sb.dir}/count`)).trim(), "3000");
      assertEquals((await Deno.readTextFile(`${sb.dir}/hookcount`)).trim(), "3000");
      // A failing hook's output is not cut.
      await sb.editSpec((s) => {
        s.hooks = {
          startContainer: [sh("head -c 20000 /dev/zero | tr -c x a; echo END; exit 3")],
        };
      });
      const f = await sb.run(["run", "c2"]);
      assert(f.code !== 0);
      assertStringIncludes(f.stderr, `exit status 3, stdout: ${"a".repeat(20000)}END`);
    }),
});

Deno.test({
  name: name("9. a mount over the container's root is refused, and nothing is left behind"),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.editSpec((s) => {
        s.mounts!.push({ destination: "/", type: "tmpfs", source: "tmpfs" });
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.stderr, "mount destination / is the container's root");
      assertEquals(await sb.ids(), []);
    }),
});
