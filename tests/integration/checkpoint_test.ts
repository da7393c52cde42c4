/**
 * checkpoint and restore with CRIU. The real dumps need a kernel Debian's
 * CRIU 3.17 can dump on: they run in the VM lane (Debian's 6.1 kernel, make
 * test-vm) and skip elsewhere with CRIU's own error. What runc asks CRIU is
 * also checked against a fake `criu swrk` (tests/integration/_fake_criu.ts),
 * which runs on any host.
 *
 * The containers (in runc spec's namespaces, a network namespace among
 * them) count into /tmp/count of their rootfs, with pipes as their stdio (as
 * an engine gives them), so a restored container must go on counting from
 * where it was.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { addNamespaces, alive, needsRoot, RUNC, type Sandbox, withSandbox } from "./_util.ts";
import type { Spec } from "../../core/spec/types.ts";
import { type CriuReq, decodeReq, ReqType } from "../../core/criu/rpc.ts";

const TESTPROG = new URL(`../../build/csrc/${Deno.build.arch}/testprog`, import.meta.url).pathname;
const FAKE_CRIU = new URL("./_fake_criu.ts", import.meta.url).pathname;

/** Inside the VM lane (tests/vm/init). */
const IN_VM = Deno.env.get("RUNC_VM_STAGE") === "2";

/** Why real CRIU cannot checkpoint here, or undefined when it can. */
async function criuProbe(): Promise<string | undefined> {
  const root = needsRoot();
  if (root) return root;
  if (IN_VM) {
    // The VM's busybox modprobe does not follow softdeps (libcrc32c needs
    // crc32c first) and nf_tables is not autoloaded there: load what a
    // Debian host would, for CRIU's network lock and for the conntrack
    // entries it dumps from a container's network namespace.
    await new Deno.Command("sh", {
      args: [
        "-c",
        "for m in crc32c_generic nf_tables nft_compat xt_mark nf_conntrack_netlink; do modprobe $m; done",
      ],
      stdout: "null",
      stderr: "null",
    }).output().catch(() => {});
  }
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("criu", { args: ["check"], stdout: "piped", stderr: "piped" })
      .output();
  } catch {
    return "needs criu (apt-get install criu)";
  }
  if (out.success) return undefined;
  const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
  const errors = text.split("\n").filter((l) => l.startsWith("Error"))
    .map((l) => l.replace(/^Error \([^)]*\): /, ""));
  return `criu check fails on kernel ${Deno.osRelease()}: ${
    errors.slice(0, 2).join("; ") || text.trim()
  } (the real dumps run in the VM lane: make test-vm)`;
}

const skipReal = await criuProbe();
// The fake CRIU's tests run on the host (make test): under the VM's TCG each
// of them costs half a minute, and the requests they check are the same.
const skipFake = needsRoot() ?? (IN_VM ? "the host runs them (make test)" : undefined);
const real = (n: string) => skipReal ? `${n} (skipped: ${skipReal})` : n;
const fake = (n: string) => skipFake ? `${n} (skipped: ${skipFake})` : n;

const COUNTER = "i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.2; done";

/** The counter in runc spec's defaults (pid, network, ipc, uts and mount namespaces). */
function counter(spec: Spec): void {
  spec.process!.args = ["sh", "-c", COUNTER];
  spec.root!.readonly = false;
}

/** The counter's last value, or undefined while it is being written. */
function count(sb: Sandbox): number | undefined {
  try {
    const t = Deno.readTextFileSync(`${sb.bundle}/rootfs/tmp/count`).trim();
    return t === "" ? undefined : Number(t);
  } catch {
    return undefined;
  }
}

async function waitFor(what: string, cond: () => boolean, ms = 60000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads what a stream has until it is quiet for ms, then lets it go. */
async function drain(stream: ReadableStream<Uint8Array>, ms: number): Promise<string> {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let text = "";
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      reader.read(),
      new Promise<null>((res) => (timer = setTimeout(() => res(null), ms))),
    ]);
    clearTimeout(timer);
    if (r === null || r.done) break;
    text += dec.decode(r.value);
  }
  await reader.cancel().catch(() => {});
  return text;
}

/**
 * Runs build/runc with pipes as stdin, stdout and stderr (a detached
 * container keeps them, as with an engine); returns its exit code and what it
 * wrote.
 */
async function runPiped(
  sb: Sandbox,
  args: string[],
): Promise<{ code: number; output: string }> {
  const child = new Deno.Command(RUNC, {
    args: ["--root", sb.root, ...args],
    cwd: sb.bundle,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const { code } = await child.status;
  const output = (await drain(child.stdout, 200)) + (await drain(child.stderr, 200));
  await child.stdin.close().catch(() => {});
  return { code, output };
}

async function must(sb: Sandbox, args: string[], piped = false): Promise<string> {
  const r = piped ? await runPiped(sb, args) : await sb.run(args);
  const text = "output" in r ? r.output : r.stderr;
  if (r.code !== 0) {
    throw new Error(`runc ${args.join(" ")} exited ${r.code}: ${text}${await criuLogs(sb)}`);
  }
  return "output" in r ? r.output : r.stdout;
}

/** The end of CRIU's logs under the sandbox, for a failure's message. */
async function criuLogs(sb: Sandbox): Promise<string> {
  let out = "";
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory && e.name !== "rootfs") await walk(p);
      else if (/^(dump|restore)\.log$/.test(e.name)) {
        const lines = (await Deno.readTextFile(p)).trim().split("\n");
        out += `\n--- ${p}\n${lines.filter((l) => /Error|Warn/.test(l)).slice(-15).join("\n")}`;
      }
    }
  };
  await walk(sb.dir).catch(() => {});
  return out;
}

async function state(sb: Sandbox, id: string): Promise<{ status: string; pid: number }> {
  return JSON.parse(await must(sb, ["state", id]));
}

/** Starts a counting container and waits until it has counted to 3. */
async function startCounter(sb: Sandbox, id: string): Promise<void> {
  await must(sb, ["run", "-d", id], true);
  await waitFor("the counter", () => (count(sb) ?? 0) >= 3);
}

/** Checks a restored container: running, its state.json right, counting on from saved. */
async function checkRestored(sb: Sandbox, id: string, saved: number): Promise<void> {
  const st = await state(sb, id);
  assertEquals(st.status, "running");
  assert(alive(st.pid), `restored init ${st.pid} is not alive`);
  const file = JSON.parse(await Deno.readTextFile(`${sb.root}/${id}/state.json`));
  assertEquals(file.initPid, st.pid);
  const stat = await Deno.readTextFile(`/proc/${st.pid}/stat`);
  assertEquals(file.initStartTime, stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  await waitFor("the restored counter", () => (count(sb) ?? 0) > saved + 2);
  const first = count(sb) ?? 0;
  assert(first > saved, `the counter restarted: ${first} after ${saved}`);
}

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: real(
    "checkpoint stops and removes the container; restore brings it back counting, and every command works on it",
  ),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      await startCounter(sb, "c1");
      const image = `${sb.dir}/image`, work = `${sb.dir}/work`;
      await must(sb, ["checkpoint", "--image-path", image, "--work-path", work, "c1"]);
      const gone = await sb.run(["state", "c1"]);
      assertEquals(gone.code, 1);
      assertStringIncludes(gone.stderr, "container does not exist");
      const saved = count(sb)!;
      await new Promise((r) => setTimeout(r, 700));
      assertEquals(count(sb), saved, "the counter went on after the checkpoint");
      assert((await Deno.stat(`${image}/descriptors.json`)).isFile);

      await must(sb, ["restore", "-d", "--image-path", image, "--work-path", work, "c1"], true);
      await checkRestored(sb, "c1", saved);
      const list = await must(sb, ["list", "-q"]);
      assertEquals(list.trim(), "c1");
      const seen = Number((await must(sb, ["exec", "c1", "cat", "/tmp/count"])).trim());
      assert(seen > saved, `exec saw ${seen}`);
      await must(sb, ["pause", "c1"]);
      assertEquals((await state(sb, "c1")).status, "paused");
      const frozen = count(sb);
      await new Promise((r) => setTimeout(r, 600));
      assertEquals(count(sb), frozen);
      await must(sb, ["resume", "c1"]);
      assertEquals((await state(sb, "c1")).status, "running");
      const pid = (await state(sb, "c1")).pid;
      await must(sb, ["kill", "c1", "KILL"]);
      await waitFor("the restored init to die", () => !alive(pid));
      assertEquals((await state(sb, "c1")).status, "stopped");
      await must(sb, ["delete", "c1"]);
      assertEquals(await sb.ids(), []);
    }, counter),
});

Deno.test({
  name: real("checkpoint --leave-running keeps the container running; its image restores"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      await startCounter(sb, "c2");
      const image = `${sb.dir}/image`;
      await must(sb, ["checkpoint", "--leave-running", "--image-path", image, "c2"]);
      assertEquals((await state(sb, "c2")).status, "running");
      const at = count(sb)!;
      await waitFor("the counter to go on", () => (count(sb) ?? 0) > at + 1);
      await must(sb, ["delete", "--force", "c2"]);
      await must(sb, ["restore", "-d", "--image-path", image, "c2"], true);
      await checkRestored(sb, "c2", 0);
    }, counter),
});

Deno.test({
  name: real("checkpoint --pre-dump leaves it running; a dump with --parent-path restores"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      await startCounter(sb, "c3");
      const parent = `${sb.dir}/parent`, image = `${sb.dir}/image`;
      await must(sb, ["checkpoint", "--pre-dump", "--image-path", parent, "c3"]);
      assertEquals((await state(sb, "c3")).status, "running");
      await must(sb, ["checkpoint", "--parent-path", "../parent", "--image-path", image, "c3"]);
      assertEquals(await sb.ids(), []);
      const saved = count(sb)!;
      await must(sb, ["restore", "-d", "--image-path", image, "c3"], true);
      await checkRestored(sb, "c3", saved);
    }, counter),
});

/** The inode of a process's network namespace. */
function netns(pid: number | "self"): number {
  return Deno.statSync(`/proc/${pid}/ns/net`).ino ?? 0;
}

Deno.test({
  name: real("a container with a network namespace of its own (runc spec's default)"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      // CRIU dumps the namespace's conntrack entries even with --empty-ns
      // network: that needs nf_conntrack_netlink (netlink EINVAL without it).
      await startCounter(sb, "cnet");
      const before = (await state(sb, "cnet")).pid;
      assert(netns(before) !== netns("self"), "the container shares the host's network namespace");
      const image = `${sb.dir}/image`;
      await must(sb, ["checkpoint", "--image-path", image, "cnet"]);
      const saved = count(sb)!;
      await must(sb, ["restore", "-d", "--image-path", image, "cnet"], true);
      await checkRestored(sb, "cnet", saved);
      const after = (await state(sb, "cnet")).pid;
      assert(
        netns(after) !== netns("self"),
        "the restored container is in the host's network namespace",
      );
      // Left empty, as runc leaves it: only a loopback device.
      const links = await must(sb, ["exec", "cnet", "ls", "/sys/class/net"]);
      assertEquals(links.trim(), "lo");
    }, counter),
});

/** Checkpoints and restores a counting container under a fresh image dir. */
async function cycle(sb: Sandbox, id: string, between?: () => Promise<void>): Promise<void> {
  await startCounter(sb, id);
  const image = `${sb.dir}/image`;
  await must(sb, ["checkpoint", "--image-path", image, id]);
  const saved = count(sb)!;
  await between?.();
  await must(sb, ["restore", "-d", "--image-path", image, id], true);
  await checkRestored(sb, id, saved);
}

Deno.test({
  name: real("a bind mount whose destination is a symlink in the rootfs"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      await Deno.mkdir(`${sb.bundle}/rootfs/real/conf`, { recursive: true });
      await Deno.symlink("/real/conf", `${sb.bundle}/rootfs/conf`);
      await Deno.mkdir(`${sb.dir}/conf`);
      await Deno.writeTextFile(`${sb.dir}/conf/hello`, "hello\n");
      await sb.editSpec((s) =>
        s.mounts!.push({ source: `${sb.dir}/conf`, destination: "/conf", options: ["bind"] })
      );
      await cycle(sb, "c4");
      assertEquals(await must(sb, ["exec", "c4", "cat", "/conf/hello"]), "hello\n");
      assertStringIncludes(
        await must(sb, ["exec", "c4", "cat", "/proc/self/mountinfo"]),
        " /real/conf ",
      );
    }, counter),
});

Deno.test({
  name: real("nested bind mounts: their mount points are made again on restore"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      const b1 = `${sb.dir}/bind1`, b2 = `${sb.dir}/bind2`;
      await Deno.mkdir(b1);
      await Deno.mkdir(b2);
      await Deno.writeTextFile(`${b2}/inner`, "inner\n");
      await sb.editSpec((s) =>
        s.mounts!.push(
          { source: b1, destination: "/test", options: ["rw", "bind"] },
          { source: b2, destination: "/test/for/nested", options: ["rw", "bind"] },
        )
      );
      await cycle(sb, "c5", async () => {
        // The mount points the create made in bind1 are gone: restore makes them.
        await Deno.remove(`${b1}/for`, { recursive: true });
      });
      assertEquals(await must(sb, ["exec", "c5", "cat", "/test/for/nested/inner"]), "inner\n");
    }, counter),
});

Deno.test({
  name: real("a container with a cgroup namespace"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      await cycle(sb, "c6");
      assertEquals(await must(sb, ["exec", "c6", "cat", "/proc/self/cgroup"]), "0::/\n");
      // The spec's cgroup mount is a real one in a cgroup namespace: CRIU restores it.
      assertStringIncludes(
        await must(sb, ["exec", "c6", "cat", "/proc/self/mountinfo"]),
        " /sys/fs/cgroup ",
      );
    }, (s) => {
      counter(s);
      addNamespaces(s, "cgroup");
    }),
});

/** A console-socket receiver (csrc/testprog recvtty); resolves once it listens. */
async function receiver(sb: Sandbox, name: string) {
  const path = `${sb.dir}/${name}.sock`;
  const child = new Deno.Command(TESTPROG, { args: ["recvtty", path], stdout: "piped" }).spawn();
  const reader = child.stdout.getReader();
  const dec = new TextDecoder();
  let text = "";
  while (!text.includes("listening\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the console receiver ended early");
    text += dec.decode(value);
  }
  (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
  })();
  return { path, text: () => text, child };
}

Deno.test({
  name: real("a container with a terminal: restore sends the new pty master to the console socket"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      const rx1 = await receiver(sb, "before");
      await must(sb, ["run", "-d", "--console-socket", rx1.path, "c7"]);
      await waitFor("the counter", () => (count(sb) ?? 0) >= 3);
      const image = `${sb.dir}/image`;
      await must(sb, ["checkpoint", "--image-path", image, "c7"]);
      await rx1.child.status;
      const saved = count(sb)!;
      const rx2 = await receiver(sb, "after");
      await must(sb, ["restore", "-d", "--console-socket", rx2.path, "--image-path", image, "c7"]);
      await checkRestored(sb, "c7", saved);
      await waitFor("output on the new terminal", () => /count \d+/.test(rx2.text()));
      assertStringIncludes(rx2.text(), "name orphan-pts-master master pts");
      await must(sb, ["delete", "--force", "c7"]);
      await rx2.child.status;
    }, (s) => {
      counter(s);
      s.process!.terminal = true;
      s.process!.args = ["sh", "-c", COUNTER.replace("sleep", "echo count $i; sleep")];
    }),
});

Deno.test({
  name: real("restore --lsm-mount-context reaches CRIU, which restores without an LSM"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      await cycle(sb, "c8");
      // The VM has no SELinux, so no mount carries a context= to replace;
      // that the option reaches CRIU is checked with the fake CRIU below.
      const context = "system_u:object_r:container_file_t:s0:c103,c104";
      const image = `${sb.dir}/image2`;
      await must(sb, ["checkpoint", "--image-path", image, "c8"]);
      await must(
        sb,
        ["restore", "-d", "--lsm-mount-context", context, "--image-path", image, "c8"],
        true,
      );
      assertEquals((await state(sb, "c8")).status, "running");
    }, counter),
});

const STOPPABLE =
  "i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); echo $i >/tmp/count; sleep 0.2; done; echo stopped at $i; exit 7";

Deno.test({
  name: real("restore without --detach waits for the container and exits with its exit code"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      await startCounter(sb, "cfg");
      const image = `${sb.dir}/image`;
      await must(sb, ["checkpoint", "--image-path", image, "cfg"]);
      const saved = count(sb)!;
      const child = new Deno.Command(RUNC, {
        args: ["--root", sb.root, "restore", "--image-path", image, "cfg"],
        cwd: sb.bundle,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const timer = setTimeout(() => child.kill("SIGKILL"), 120000);
      try {
        const output = Promise.all([
          new Response(child.stdout).text(),
          new Response(child.stderr).text(),
        ]);
        await waitFor("the restored counter", () => (count(sb) ?? 0) > saved + 2);
        assertEquals((await state(sb, "cfg")).status, "running");
        await Deno.writeTextFile(`${sb.bundle}/rootfs/tmp/stop`, "");
        const [{ code }, [out, err]] = await Promise.all([child.status, output]);
        assertEquals(code, 7, `${err}${await criuLogs(sb)}`);
        // The restored init writes to the pipes of the runc that restored it.
        assertStringIncludes(out, "stopped at ");
        assert(Number(out.trim().split(" ").pop()) > saved, out);
        assertEquals(await sb.ids(), [], "the container was not deleted after it exited");
      } finally {
        clearTimeout(timer);
        await child.stdin.close().catch(() => {});
      }
    }, (s) => {
      counter(s);
      s.process!.args = ["sh", "-c", STOPPABLE];
    }),
});

/** Starts a container that holds a network namespace; returns its path. */
async function netnsHolder(sb: Sandbox): Promise<{ path: string; pid: number }> {
  const holder = `${sb.dir}/holder`;
  await Deno.mkdir(holder);
  const spec: Spec = JSON.parse(await Deno.readTextFile(`${sb.bundle}/config.json`));
  spec.process!.args = ["sleep", "1000"];
  spec.root!.path = `${sb.bundle}/rootfs`;
  await Deno.writeTextFile(`${holder}/config.json`, JSON.stringify(spec));
  await must(sb, ["run", "-d", "-b", holder, "holder"]);
  const pid = (await state(sb, "holder")).pid;
  return { path: `/proc/${pid}/ns/net`, pid };
}

Deno.test({
  name: real("a network namespace joined by path: external to CRIU, the same one after restore"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      const holder = await netnsHolder(sb);
      await sb.editSpec((s) => {
        s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
          n.type === "network" ? { type: "network", path: holder.path } : n
        );
      });
      await startCounter(sb, "cpath");
      assertEquals(netns((await state(sb, "cpath")).pid), netns(holder.pid));
      const image = `${sb.dir}/image`;
      await must(sb, ["checkpoint", "--image-path", image, "cpath"]);
      const saved = count(sb)!;
      await must(sb, ["restore", "-d", "--image-path", image, "cpath"], true);
      await checkRestored(sb, "cpath", saved);
      assertEquals(netns((await state(sb, "cpath")).pid), netns(holder.pid));
      // Without the namespace, restore says so before CRIU runs.
      await must(sb, ["checkpoint", "--image-path", `${sb.dir}/image2`, "cpath"]);
      await must(sb, ["delete", "--force", "holder"]);
      const r = await runPiped(sb, ["restore", "-d", "--image-path", `${sb.dir}/image2`, "cpath"]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.output, `Requested network namespace ${holder.path} does not exist`);
      assertEquals(await sb.ids(), []);
    }, counter),
});

Deno.test({
  name: real("checkpoint and restore --empty-ns network"),
  ignore: !!skipReal,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      await startCounter(sb, "cempty");
      const image = `${sb.dir}/image`;
      await must(sb, ["checkpoint", "--empty-ns", "network", "--image-path", image, "cempty"]);
      const saved = count(sb)!;
      await must(
        sb,
        ["restore", "-d", "--empty-ns", "network", "--image-path", image, "cempty"],
        true,
      );
      await checkRestored(sb, "cempty", saved);
      assert(netns((await state(sb, "cempty")).pid) !== netns("self"));
    }, counter),
});

/** A --criu wrapper running the fake CRIU; its requests land in DIR. */
async function fakeCriu(
  sb: Sandbox,
  version = "3.17.1",
): Promise<{ path: string; env: Record<string, string>; reqs: () => CriuReq[] }> {
  const dir = `${sb.dir}/fake`;
  await Deno.mkdir(dir, { recursive: true });
  const path = `${sb.dir}/fake-criu`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec "${Deno.execPath()}" run -A --no-lock --no-check --quiet "${FAKE_CRIU}" "$@"\n`,
    { mode: 0o755 },
  );
  const reqs = () =>
    [...Deno.readDirSync(dir)].map((e) => e.name).sort().map((n) =>
      decodeReq(Deno.readFileSync(`${dir}/${n}`))
    );
  return { path, env: { FAKE_CRIU_DIR: dir, FAKE_CRIU_VERSION: version }, reqs };
}

Deno.test({
  name: fake(
    "what runc asks CRIU: the dump's mounts, cgroup and config file; the restore's options",
  ),
  ignore: !!skipFake,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      const criu = await fakeCriu(sb);
      await Deno.mkdir(`${sb.dir}/data`);
      await sb.editSpec((s) => {
        s.mounts!.push({ source: `${sb.dir}/data`, destination: "/data", options: ["rbind"] });
        s.annotations = { "org.criu.config": "/etc/criu/mine.conf" };
      });
      await must(sb, ["run", "-d", "c9"], true);
      const image = `${sb.dir}/image`;
      const cp = await sb.run([
        "--criu",
        criu.path,
        "checkpoint",
        "--image-path",
        image,
        "--work-path",
        `${sb.dir}/work`,
        "--manage-cgroups-mode",
        "full",
        "c9",
      ], { env: criu.env });
      assertEquals(cp.code, 1);
      assertStringIncludes(cp.stderr, "container still running");
      assertStringIncludes(
        cp.stderr,
        `criu failed: type DUMP errno 95\\nlog file: ${sb.dir}/work/dump.log`,
      );
      assertEquals((await state(sb, "c9")).status, "running");
      const [dump] = criu.reqs();
      assertEquals(dump!.type, ReqType.DUMP);
      const o = dump!.opts!;
      assertEquals(o.pid, (await state(sb, "c9")).pid);
      assertEquals(o.config_file, "/etc/criu/mine.conf");
      assertEquals(o.manage_cgroups_mode, 4);
      assertEquals(o.empty_ns, 0x40000000);
      assert(o.orphan_pts_master && o.manage_cgroups && o.notify_scripts);
      assert(o.freeze_cgroup, "no freeze_cgroup");
      assert(
        o.ext_mnt!.some((m) => m.key === "/data" && m.val === "/data"),
        JSON.stringify(o.ext_mnt),
      );
      assert(o.ext_mnt!.some((m) => m.key === "/dev/null"));
      const desc = JSON.parse(await Deno.readTextFile(`${image}/descriptors.json`));
      assertEquals(desc.length, 3);
      assert(desc[0].startsWith("pipe:"), desc[0]);
      await must(sb, ["delete", "--force", "c9"]);

      const context = "system_u:object_r:container_file_t:s0:c103,c104";
      const rs = await sb.run([
        "--criu",
        criu.path,
        "restore",
        "-d",
        "--image-path",
        image,
        "--lsm-mount-context",
        context,
        "--lsm-profile",
        "apparmor:foo",
        "c9",
      ], { env: criu.env });
      assertEquals(rs.code, 1);
      assertStringIncludes(rs.stderr, "criu failed: type RESTORE errno 95");
      assertEquals(await sb.ids(), [], "a failed restore left its state behind");
      const restore = criu.reqs()[1]!;
      assertEquals(restore.type, ReqType.RESTORE);
      const r = restore.opts!;
      assertEquals(r.lsm_mount_context, context);
      assertEquals(r.lsm_profile, "apparmor:foo");
      assert(r.rst_sibling && r.evasive_devices && r.orphan_pts_master);
      assertEquals(r.root, `${sb.root}/c9/criu-root`);
      assert(r.ext_mnt!.some((m) => m.key === "/data" && m.val === `${sb.dir}/data`));
      assertEquals(r.inherit_fd!.map((f) => f.fd), [0, 1, 2]);
    }, counter),
});

Deno.test({
  name: fake(
    "a CRIU older than 3.0, or one too old for --lsm-mount-context, or none: clear errors",
  ),
  ignore: !!skipFake,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      await must(sb, ["run", "-d", "c10"], true);
      const old = await fakeCriu(sb, "2.9.0");
      const r1 = await sb.run(["--criu", old.path, "checkpoint", "c10"], { env: old.env });
      assertEquals(r1.code, 1);
      assertStringIncludes(r1.stderr, "CRIU version 20900 must be 30000 or higher");
      const missing = await sb.run(["--criu", `${sb.dir}/no-criu`, "checkpoint", "c10"]);
      assertStringIncludes(
        missing.stderr,
        `CRIU version check failed: fork/exec ${sb.dir}/no-criu: no such file or directory`,
      );
      assertEquals((await state(sb, "c10")).status, "running");
      await must(sb, ["delete", "--force", "c10"]);
      const v315 = await fakeCriu(sb, "3.15.0");
      await Deno.mkdir(`${sb.dir}/image`);
      await Deno.writeTextFile(`${sb.dir}/image/descriptors.json`, "[]");
      const r2 = await sb.run(
        [
          "--criu",
          v315.path,
          "restore",
          "-d",
          "--image-path",
          `${sb.dir}/image`,
          "--lsm-mount-context",
          "x",
          "c10",
        ],
        { env: v315.env },
      );
      assertEquals(r2.code, 1);
      assertStringIncludes(r2.stderr, "--lsm-mount-context requires at least CRIU 3.16");
      assertEquals(await sb.ids(), []);
      const created = await sb.run(["create", "c11"]);
      assertEquals(created.code, 0, created.stderr);
      const r3 = await sb.run(["checkpoint", "c11"]);
      assertStringIncludes(r3.stderr, "Container cannot be checkpointed in created state");
    }, counter),
});

Deno.test({
  name: fake(
    "a network namespace joined by path: CRIU's external extRootNetNS on dump, an inherited fd on restore",
  ),
  ignore: !!skipFake,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      const criu = await fakeCriu(sb);
      const holder = await netnsHolder(sb);
      await sb.editSpec((s) => {
        s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
          n.type === "network" ? { type: "network", path: holder.path } : n
        );
      });
      await must(sb, ["run", "-d", "c12"], true);
      const image = `${sb.dir}/image`;
      const cp = await sb.run(["--criu", criu.path, "checkpoint", "--image-path", image, "c12"], {
        env: criu.env,
      });
      assertStringIncludes(cp.stderr, "criu failed: type DUMP errno 95");
      const dump = criu.reqs()[0]!.opts!;
      assertEquals(dump.external, [`net[${netns(holder.pid)}]:extRootNetNS`]);
      // runc leaves the network namespace empty either way.
      assertEquals(dump.empty_ns, 0x40000000);
      const rs = await sb.run(
        ["--criu", criu.path, "restore", "-d", "--image-path", image, "c13"],
        {
          env: criu.env,
        },
      );
      assertStringIncludes(rs.stderr, "criu failed: type RESTORE errno 95");
      const restore = criu.reqs()[1]!.opts!;
      const inherited = restore.inherit_fd!.filter((f) => f.key === "extRootNetNS");
      assertEquals(inherited.length, 1, JSON.stringify(restore.inherit_fd));
      assert(inherited[0]!.fd > 2, `fd ${inherited[0]!.fd}`);
      assertEquals(restore.join_ns ?? [], []);
    }, counter),
});

Deno.test({
  name: fake(
    "checkpoint and restore flags reach CRIU: page server, TCP, unix sockets, shell job, locks, dedup",
  ),
  ignore: !!skipFake,
  ...opts,
  fn: () =>
    withSandbox(async (sb) => {
      const criu = await fakeCriu(sb);
      await must(sb, ["run", "-d", "c14"], true);
      const image = `${sb.dir}/image`;
      const bad = await sb.run(["checkpoint", "--page-server", "nohost", "c14"]);
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, "Use --page-server ADDRESS:PORT");
      const cp = await sb.run([
        "--criu",
        criu.path,
        "checkpoint",
        "--image-path",
        image,
        "--page-server",
        "192.0.2.7:2701",
        "--tcp-established",
        "--ext-unix-sk",
        "--shell-job",
        "--file-locks",
        "--auto-dedup",
        "--leave-running",
        "c14",
      ], { env: criu.env });
      assertStringIncludes(cp.stderr, "criu failed: type DUMP errno 95");
      const d = criu.reqs()[0]!.opts!;
      assertEquals(d.ps, { address: "192.0.2.7", port: 2701 });
      assert(d.tcp_established && d.ext_unix_sk && d.shell_job && d.file_locks, JSON.stringify(d));
      assert(d.auto_dedup && d.leave_running, JSON.stringify(d));
      assertEquals((await state(sb, "c14")).status, "running");
      await must(sb, ["delete", "--force", "c14"]);

      const rs = await sb.run([
        "--criu",
        criu.path,
        "restore",
        "-d",
        "--image-path",
        image,
        "--tcp-established",
        "--ext-unix-sk",
        "--shell-job",
        "--file-locks",
        "--auto-dedup",
        "c14",
      ], { env: criu.env });
      assertStringIncludes(rs.stderr, "criu failed: type RESTORE errno 95");
      const r = criu.reqs()[1]!.opts!;
      assert(r.tcp_established && r.ext_unix_sk && r.shell_job && r.file_locks, JSON.stringify(r));
      assert(r.auto_dedup, JSON.stringify(r));
      assertEquals(await sb.ids(), []);
    }, counter),
});

Deno.test({
  name: fake("only checkpoint and restore load protobufjs"),
  ignore: !!skipFake,
  fn: async () => {
    const deno = Deno.execPath();
    for (const [file, wanted] of [["cli/state.ts", false], ["cli/main.ts", true]] as const) {
      const out = await new Deno.Command(deno, {
        args: ["info", "--json", "--no-lock", file],
        cwd: new URL("../../", import.meta.url).pathname,
        stdout: "piped",
        stderr: "null",
      }).output();
      const graph = JSON.parse(new TextDecoder().decode(out.stdout));
      const has = JSON.stringify(graph.modules.map((m: { specifier: string }) => m.specifier))
        .includes("protobufjs");
      assertEquals(has, wanted, file);
    }
  },
});
