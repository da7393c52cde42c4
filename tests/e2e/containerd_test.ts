/**
 * containerd's shim drives build/runc: each test starts containerd on a socket,
 * root, state and opt dir of its own (the CRI plugin off), runs tasks with
 * `ctr run --runc-binary build/runc --rootfs DIR` (no snapshotter, no image), and
 * stops the daemon and removes everything at the end.
 *
 * containerd 1.6 puts its shims' sockets under /run/containerd/s whatever its
 * config says; a shim removes its socket when it exits.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { Daemon, missing, ok, ptySession, RUNC, Scratch, sh } from "./_engine.ts";

const skip = missing("containerd", "ctr", "containerd-shim-runc-v2");
if (skip !== undefined) console.warn(`containerd e2e tests skipped: ${skip}`);
const NS = "e2e";

/** A containerd of the test's own and a `ctr` that talks to it. */
class Containerd {
  readonly scratch: Scratch;
  readonly daemon: Daemon;
  readonly socket: string;

  private constructor(scratch: Scratch, daemon: Daemon, socket: string) {
    this.scratch = scratch;
    this.daemon = daemon;
    this.socket = socket;
  }

  static async start(): Promise<Containerd> {
    const scratch = await Scratch.create("runc-e2e-containerd-");
    const d = scratch.dir;
    const socket = `${d}/containerd.sock`;
    const config = `version = 2
root = "${d}/root"
state = "${d}/state"
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.internal.v1.tracing",
  "io.containerd.tracing.processor.v1.otlp",
]
[grpc]
  address = "${socket}"
[ttrpc]
  address = "${socket}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${d}/opt"
`;
    await Deno.writeTextFile(`${d}/config.toml`, config);
    const daemon = new Daemon(
      ["containerd", "--config", `${d}/config.toml`],
      `${d}/containerd.log`,
    );
    const c = new Containerd(scratch, daemon, socket);
    try {
      await daemon.waitFor(socket);
      await c.ok(["version"]);
    } catch (err) {
      await c.stop();
      throw err;
    }
    return c;
  }

  argv(...args: string[]): string[] {
    return ["ctr", "--address", this.socket, "--namespace", NS, ...args];
  }

  /** The flags of `ctr run` that point the shim at build/runc with a root of ours. */
  get runFlags(): string[] {
    const d = this.scratch.dir;
    return ["--runc-binary", RUNC, "--runc-root", `${d}/runc`, "--fifo-dir", `${d}/fifo`];
  }

  run(args: string[], timeoutMs = 60_000) {
    return sh(this.scratch.dir, this.argv(...args), { timeoutMs });
  }

  ok(args: string[], timeoutMs = 60_000) {
    return ok(this.scratch.dir, this.argv(...args), { timeoutMs });
  }

  /** The status column of `ctr task ls` for a task. */
  async taskStatus(id: string): Promise<string | undefined> {
    const out = await this.ok(["task", "ls"]);
    for (const line of out.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[0] === id) return f[2];
    }
    return undefined;
  }

  /** Kills and deletes every task and container, stops the daemon, removes the files. */
  async stop(): Promise<void> {
    try {
      const tasks = (await this.run(["task", "ls", "-q"])).stdout.split("\n").filter((s) => s);
      for (const t of tasks) {
        await this.run(["task", "kill", "-s", "SIGKILL", t]);
        await this.run(["task", "delete", "--force", t]);
      }
      const cs = (await this.run(["container", "ls", "-q"])).stdout.split("\n").filter((s) => s);
      for (const c of cs) await this.run(["container", "delete", c]);
    } finally {
      await this.daemon.stop();
      await this.scratch.dispose();
    }
  }
}

async function withContainerd(fn: (c: Containerd, rootfs: string) => Promise<void>) {
  const c = await Containerd.start();
  try {
    await fn(c, await c.scratch.rootfs());
  } finally {
    await c.stop();
  }
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

Deno.test({
  name: "containerd: ctr run --rm prints the output and passes the exit code",
  ignore: skip !== undefined,
  fn: () =>
    withContainerd(async (c, rootfs) => {
      const out = await c.ok([
        "run",
        "--rm",
        ...c.runFlags,
        "--rootfs",
        rootfs,
        "e2e-run",
        "/bin/sh",
        "-c",
        'echo "hello from pid $$"; id -u',
      ]);
      assertEquals(out, "hello from pid 1\n0\n");
      const r = await c.run([
        "run",
        "--rm",
        ...c.runFlags,
        "--rootfs",
        rootfs,
        "e2e-fail",
        "/bin/sh",
        "-c",
        "exit 5",
      ]);
      assertEquals(r.code, 5, r.stderr);
      assertEquals((await c.ok(["container", "ls", "-q"])).trim(), "", "--rm left a container");
    }),
});

Deno.test({
  name: "containerd: a detached task, task exec, pause/resume, kill, delete",
  ignore: skip !== undefined,
  fn: () =>
    withContainerd(async (c, rootfs) => {
      await c.ok([
        "run",
        "--detach",
        ...c.runFlags,
        "--rootfs",
        rootfs,
        "e2e-task",
        "/bin/sh",
        "-c",
        // Written aside and renamed: a reader never sees the file truncated.
        "i=0; while true; do i=$((i+1)); echo $i > /tmp/c; mv /tmp/c /tmp/count; sleep 0.05; done",
      ]);
      assertEquals(await c.taskStatus("e2e-task"), "RUNNING");
      const exec = await c.ok([
        "task",
        "exec",
        "--exec-id",
        "e2e-exec",
        "--fifo-dir",
        `${c.scratch.dir}/fifo`,
        "e2e-task",
        "/bin/sh",
        "-c",
        "echo from exec $$; cat /proc/1/cmdline | tr '\\0' ' '; echo",
      ]);
      assert(/^from exec \d+\n/.test(exec), exec);
      assertStringIncludes(exec, "/bin/sh -c i=0;");
      const execFail = await c.run([
        "task",
        "exec",
        "--exec-id",
        "e2e-exec2",
        "--fifo-dir",
        `${c.scratch.dir}/fifo`,
        "e2e-task",
        "/bin/sh",
        "-c",
        "exit 3",
      ]);
      assertEquals(execFail.code, 3, execFail.stderr);

      const pid = Number((await c.ok(["task", "ls"])).match(/e2e-task\s+(\d+)/)?.[1]);
      const count = async () =>
        Number((await Deno.readTextFile(`/proc/${pid}/root/tmp/count`)).trim());
      await c.ok(["task", "pause", "e2e-task"]);
      assertEquals(await c.taskStatus("e2e-task"), "PAUSED");
      const paused = await count();
      await new Promise((r) => setTimeout(r, 500));
      assertEquals(await count(), paused, "the counter moved while paused");
      await c.ok(["task", "resume", "e2e-task"]);
      assertEquals(await c.taskStatus("e2e-task"), "RUNNING");
      await new Promise((r) => setTimeout(r, 500));
      assert((await count()) > paused, "the counter did not move after resume");

      await c.ok(["task", "kill", "--signal", "SIGKILL", "e2e-task"]);
      await until("the task to stop", async () => (await c.taskStatus("e2e-task")) === "STOPPED");
      await c.ok(["task", "delete", "e2e-task"]);
      assertEquals(await c.taskStatus("e2e-task"), undefined);
      await c.ok(["container", "delete", "e2e-task"]);
      // The runtime's state is gone with the task.
      const left = await Array.fromAsync(Deno.readDir(`${c.scratch.dir}/runc/${NS}`));
      assertEquals(left.map((e) => e.name), []);
    }),
});

Deno.test({
  name: "containerd: a tty task (ctr run -t) through a pty",
  ignore: skip !== undefined,
  fn: () =>
    withContainerd(async (c, rootfs) => {
      const line = c.argv(
        "run",
        "--rm",
        "-t",
        ...c.runFlags,
        "--rootfs",
        rootfs,
        "e2e-tty",
        "/bin/sh",
      )
        .map((a) => `'${a}'`).join(" ");
      const r = await ptySession(line, [
        { expect: /# /, send: "echo tty=$(tty) MARK$((6*7))\n" },
        { expect: /MARK42/, send: "exit 4\n" },
      ]);
      assertStringIncludes(r.transcript, "tty=/dev/pts/0 MARK42");
      assertEquals(r.code, 4, r.transcript);
    }),
});
