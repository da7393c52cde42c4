/**
 * Docker drives build/runc (`dockerd --add-runtime e2e=build/runc`, `docker run
 * --runtime e2e`): each test starts a dockerd of its own (data root, exec root,
 * socket and pid file in a temp dir, the vfs storage driver, no bridge, no
 * iptables, cgroupfs) with the containerd it manages, imports a busybox image
 * from a tarball, and stops the daemon and removes everything at the end.
 *
 * Skipped where dockerd is not installed (Debian's docker.io; `make e2e-deps`
 * installs it when it can).
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { Daemon, missing, ok, ptySession, RUNC, Scratch, sh, which } from "./_engine.ts";

const skip = missing("dockerd", "docker");
if (skip !== undefined) console.warn(`docker e2e tests skipped: ${skip}`);
/** Debian's client, beside its dockerd, before any other docker on PATH. */
const DOCKER = which("docker", ["/usr/bin"]) ?? "docker";
const IMAGE = "e2e-busybox:latest";

class Docker {
  readonly scratch: Scratch;
  readonly daemon: Daemon;
  readonly socket: string;

  private constructor(scratch: Scratch, daemon: Daemon, socket: string) {
    this.scratch = scratch;
    this.daemon = daemon;
    this.socket = socket;
  }

  static async start(): Promise<Docker> {
    const scratch = await Scratch.create("runc-e2e-docker-");
    const d = scratch.dir;
    const socket = `${d}/docker.sock`;
    await Deno.writeTextFile(`${d}/daemon.json`, "{}\n");
    const daemon = new Daemon([
      "dockerd",
      "--config-file",
      `${d}/daemon.json`,
      "--data-root",
      `${d}/data`,
      "--exec-root",
      `${d}/exec`,
      "--pidfile",
      `${d}/docker.pid`,
      "--host",
      `unix://${socket}`,
      "--bridge=none",
      "--iptables=false",
      "--ip6tables=false",
      "--ip-masq=false",
      "--exec-opt",
      "native.cgroupdriver=cgroupfs",
      "--storage-driver",
      "vfs",
      "--add-runtime",
      `e2e=${RUNC}`,
    ], `${d}/dockerd.log`);
    const docker = new Docker(scratch, daemon, socket);
    try {
      await daemon.waitFor(socket, 60_000);
      await docker.ok(["version"]);
      await docker.ok(["import", await scratch.tarball(), IMAGE]);
    } catch (err) {
      await docker.stop();
      throw err;
    }
    return docker;
  }

  argv(...args: string[]): string[] {
    return [DOCKER, "--host", `unix://${this.socket}`, ...args];
  }

  run(args: string[], timeoutMs = 60_000) {
    return sh(this.scratch.dir, this.argv(...args), { timeoutMs });
  }

  ok(args: string[], timeoutMs = 60_000) {
    return ok(this.scratch.dir, this.argv(...args), { timeoutMs });
  }

  async stop(): Promise<void> {
    try {
      const ids = (await this.run(["ps", "-aq"])).stdout.split("\n").filter((s) => s);
      if (ids.length) await this.run(["rm", "--force", ...ids]);
      await this.run(["rmi", "--force", IMAGE]);
    } finally {
      // dockerd stops the containerd it started.
      await this.daemon.stop(20_000);
      await this.scratch.dispose();
    }
  }
}

async function withDocker(fn: (d: Docker) => Promise<void>): Promise<void> {
  const d = await Docker.start();
  try {
    await fn(d);
  } finally {
    await d.stop();
  }
}

const runArgs = ["--runtime", "e2e", "--network", "none"];

Deno.test({
  name: "docker: run --rm prints the output and passes the exit code",
  ignore: skip !== undefined,
  fn: () =>
    withDocker(async (d) => {
      const out = await d.ok(["run", "--rm", ...runArgs, IMAGE, "/bin/sh", "-c", 'echo "hi $$"']);
      assertEquals(out, "hi 1\n");
      const r = await d.run(["run", "--rm", ...runArgs, IMAGE, "/bin/sh", "-c", "exit 9"]);
      assertEquals(r.code, 9, r.stderr);
    }),
});

Deno.test({
  name: "docker: run -d, exec, logs, pause/unpause, stop, rm, run -it",
  ignore: skip !== undefined,
  fn: () =>
    withDocker(async (d) => {
      await d.ok([
        "run",
        "-d",
        "--name",
        "e2e-detached",
        ...runArgs,
        IMAGE,
        "/bin/sh",
        "-c",
        "trap 'echo got TERM; exit 0' TERM; echo started; " +
        // Written aside and renamed: a reader never sees the file truncated.
        "i=0; while true; do i=$((i+1)); echo $i > /tmp/c; mv /tmp/c /tmp/count; sleep 0.05; done",
      ]);
      assertEquals(
        await d.ok(["exec", "e2e-detached", "/bin/sh", "-c", "echo from exec"]),
        "from exec\n",
      );
      assertEquals(await d.ok(["logs", "e2e-detached"]), "started\n");

      const pid = Number(
        (await d.ok(["inspect", "--format", "{{.State.Pid}}", "e2e-detached"])).trim(),
      );
      const count = async () =>
        Number((await Deno.readTextFile(`/proc/${pid}/root/tmp/count`)).trim());
      await d.ok(["pause", "e2e-detached"]);
      const paused = await count();
      await new Promise((r) => setTimeout(r, 500));
      assertEquals(await count(), paused, "the counter moved while paused");
      await d.ok(["unpause", "e2e-detached"]);
      await new Promise((r) => setTimeout(r, 500));
      assert((await count()) > paused, "the counter did not move after unpause");

      await d.ok(["stop", "--time", "10", "e2e-detached"]);
      assertEquals(await d.ok(["logs", "e2e-detached"]), "started\ngot TERM\n");
      await d.ok(["rm", "e2e-detached"]);

      const line = d.argv("run", "-it", "--rm", ...runArgs, IMAGE, "/bin/sh").map((a) => `'${a}'`)
        .join(" ");
      const r = await ptySession(line, [
        { expect: /# /, send: "echo tty=$(tty) MARK$((6*7))\n" },
        { expect: /MARK42/, send: "exit 3\n" },
      ]);
      assertStringIncludes(r.transcript, "tty=/dev/pts/0 MARK42");
      assertEquals(r.code, 3, r.transcript);
    }),
});
