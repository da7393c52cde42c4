/**
 * runc exec: the new process joins every namespace of the container, gets the
 * flags' user, env, cwd, capabilities and terminal, and its failures exit 255.
 * Where Debian's runc is installed the same exec runs through it too.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import {
  alive,
  hasReference,
  isRoot,
  mapSubordinateIds,
  needsRoot,
  needsRunc,
  RUNC,
  withSandbox,
} from "./_util.ts";

const skip = needsRunc();
const name = (n: string, why = skip) => why ? `${n} (skipped: ${why})` : n;
const sleeper = (s: { process?: { args?: string[] } }) => (s.process!.args = ["sleep", "100"]);

Deno.test({
  name: name("exec joins every namespace of the container and returns the command's exit code"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["run", "-d", "c1"]);
      const { pid } = JSON.parse(await sb.ok(["state", "c1"]));
      const r = await sb.run([
        "exec",
        "c1",
        "sh",
        "-c",
        "for n in pid mnt net uts ipc; do readlink /proc/self/ns/$n; done; hostname; exit 7",
      ]);
      assertEquals(r.code, 7, r.stderr);
      const expected = [];
      for (const n of ["pid", "mnt", "net", "uts", "ipc"]) {
        expected.push(await Deno.readLink(`/proc/${pid}/ns/${n}`));
      }
      assertEquals(r.stdout, `${expected.join("\n")}\nrunc\n`);
      // It is inside the pid namespace: the container's init is pid 1 there.
      const ps = await sb.run([
        "exec",
        "c1",
        "sh",
        "-c",
        "echo $$; cat /proc/1/cmdline | tr '\\0' ' '",
      ]);
      assertEquals(ps.code, 0, ps.stderr);
      const [ownPid, init] = ps.stdout.trim().split("\n");
      assert(Number(ownPid) > 1, ps.stdout);
      assertEquals(init, "sleep 100");
    }, sleeper),
});

Deno.test({
  name: name("exec flags: user, groups, cwd, env, caps, no-new-privs (same output as runc)"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const args = [
        "exec",
        "-u",
        "1000:1001",
        "-g",
        "5",
        "--cwd",
        "/tmp",
        "-e",
        "FOO=bar",
        "--cap",
        "CAP_NET_RAW",
        "--no-new-privs",
        "c1",
        "sh",
        "-c",
        "id -u; id -g; grep Groups /proc/self/status; pwd; echo FOO=$FOO HOME=$HOME; grep -E '^(CapBnd|CapAmb|NoNewPrivs)' /proc/self/status",
      ];
      await sb.ok(["run", "-d", "c1"]);
      const ours = await sb.run(args);
      assertEquals(ours.code, 0, ours.stderr);
      assertStringIncludes(ours.stdout, "1000\n1001\nGroups:\t5 \n/tmp\nFOO=bar HOME=/\n");
      // CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE and the added CAP_NET_RAW (13)
      assertStringIncludes(ours.stdout, "CapBnd:\t0000000020002420");
      assertStringIncludes(ours.stdout, "NoNewPrivs:\t1");
      // --cap leaves the inheritable set alone (CVE-2022-29162), so no ambient either.
      assertStringIncludes(ours.stdout, "CapAmb:\t0000000000000000");
      // Rootless, runc 1.1 refuses any additional gid (-g); this runtime sets
      // them where newgidmap left setgroups allowed.
      if (hasReference && isRoot) {
        await sb.runReference(["run", "-d", "c1"]);
        const ref = await sb.run(args, { binary: "/usr/bin/runc" });
        assertEquals(ours.stdout, ref.stdout, "output differs from runc's");
      }
    }, (s) => {
      sleeper(s);
      mapSubordinateIds(s);
      s.process!.noNewPrivileges = false;
    }),
});

Deno.test({
  name: name("exec failures exit 255 with runc's messages"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const none = await sb.run(["exec", "nope", "true"]);
      assertEquals(none.code, 255);
      assertStringIncludes(none.stderr, "exec failed: container does not exist");
      await sb.ok(["run", "-d", "c1"]);
      const cases: [string[], string][] = [
        [
          ["nosuch"],
          'exec failed: unable to start container process: exec: \\"nosuch\\": executable file not found in $PATH',
        ],
        [
          ["--cwd", "/nonexist", "c1", "true"],
          'chdir to cwd (\\"/nonexist\\") set in config.json failed: no such file or directory',
        ],
        [
          ["-u", "foo", "c1", "true"],
          'parsing foo as int for uid failed: strconv.Atoi: parsing \\"foo\\": invalid syntax',
        ],
        [
          ["-d", "-t", "c1", "true"],
          "cannot allocate tty if runc will detach without setting console socket",
        ],
      ];
      for (const [args, msg] of cases) {
        const r = await sb.run(["exec", ...(args[0] === "nosuch" ? ["c1", ...args] : args)]);
        assertEquals(r.code, 255, args.join(" "));
        assertStringIncludes(r.stderr, msg);
      }
      await sb.ok(["kill", "c1", "KILL"]);
      const { pid } = JSON.parse(await sb.ok(["state", "c1"]));
      for (let i = 0; i < 300 && pid && alive(pid); i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const stopped = await sb.run(["exec", "c1", "true"]);
      assertEquals(stopped.code, 255);
      assertStringIncludes(stopped.stderr, "exec failed: cannot exec in a stopped container");
    }, sleeper),
});

Deno.test({
  name: name("exec -p process.json, -d with --pid-file, --preserve-fds"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["run", "-d", "c1"]);
      await Deno.writeTextFile(
        `${sb.dir}/process.json`,
        JSON.stringify({
          args: ["sh", "-c", "echo from-json $A; cat <&3"],
          cwd: "/",
          env: ["A=1", "PATH=/bin"],
          user: { uid: 0, gid: 0 },
        }),
      );
      await Deno.writeTextFile(`${sb.dir}/fd3`, "fd-three\n");
      const p = await sb.run(
        ["exec", "--preserve-fds", "1", "-p", `${sb.dir}/process.json`, "c1"],
        {
          script: `exec 3<"${sb.dir}/fd3"; `,
        },
      );
      assertEquals(p.code, 0, p.stderr);
      assertEquals(p.stdout, "from-json 1\nfd-three\n");
      const d = await sb.run([
        "exec",
        "-d",
        "--pid-file",
        `${sb.dir}/exec.pid`,
        "c1",
        "sleep",
        "50",
      ]);
      assertEquals(d.code, 0, d.stderr);
      const pid = Number(await Deno.readTextFile(`${sb.dir}/exec.pid`));
      assert(alive(pid), "the detached process runs");
      assertEquals((await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0")[0], "sleep");
    }, sleeper),
});

Deno.test({
  name: name("exec -t in the foreground relays a terminal (driven by script(1))"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["run", "-d", "c1"]);
      const child = new Deno.Command("script", {
        args: [
          "-qec",
          `${RUNC} --root ${sb.root} exec -t c1 sh -c '[ -t 0 ] && echo tty-ok; tty'`,
          "/dev/null",
        ],
        stdin: "null",
        stdout: "piped",
      }).spawn();
      const out = await child.output();
      const text = new TextDecoder().decode(out.stdout);
      assertEquals(out.code, 0, text);
      assertStringIncludes(text, "tty-ok");
      assert(/\/dev\/pts\/\d+/.test(text), text);
    }, sleeper),
});

const makesCgroup = needsRoot("makes a sub-cgroup in the host's v1 pids hierarchy");
Deno.test({
  name: name(
    "exec'd processes join the container's cgroups, or a sub-cgroup with --cgroup",
    makesCgroup,
  ),
  ignore: !!makesCgroup,
  fn: () =>
    withSandbox(async (sb) => {
      const id = `execcg-${crypto.randomUUID().slice(0, 8)}`;
      await sb.ok(["run", "-d", id]);
      const { pid } = JSON.parse(await sb.ok(["state", id]));
      const initPids = (await Deno.readTextFile(`/proc/${pid}/cgroup`)).split("\n").find((l) =>
        l.includes(":pids:")
      );
      const r = await sb.run(["exec", id, "cat", "/proc/self/cgroup"]);
      assertEquals(r.code, 0, r.stderr);
      assertStringIncludes(r.stdout, `${initPids}\n`);
      const sub = `/sys/fs/cgroup/pids${initPids!.split(":")[2]}/sub`;
      await Deno.mkdir(sub);
      try {
        const s = await sb.run(["exec", "--cgroup", "pids:sub", id, "cat", "/proc/self/cgroup"]);
        assertEquals(s.code, 0, s.stderr);
        assertStringIncludes(s.stdout, `${initPids}/sub\n`);
        // runc's words, which engines and runc's own tests match; nothing is left running.
        const missing = await sb.run(["exec", "--cgroup", "pids:nope", id, "true"]);
        assertEquals(missing.code, 255);
        assert(
          / adding pid \d+ .*\/nope\/cgroup\.procs: no such file or directory/.test(missing.stderr),
          missing.stderr,
        );
        const ps = await sb.ok(["ps", "--format", "json", id]);
        assertEquals(JSON.parse(ps).length, 1, ps);
      } finally {
        await sb.run(["delete", "--force", id]);
        await Deno.remove(sub).catch(() => {});
      }
    }, sleeper),
});
