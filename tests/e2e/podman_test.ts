/**
 * podman drives build/runc (`podman --runtime`): a busybox image imported from
 * a tarball of the test rootfs, in a podman storage of the test's own (vfs
 * driver, cgroupfs manager, file events), with ulimits that fit this host.
 *
 * podman keeps the runtime's state in its default root (/run/runc): it does not
 * pass `--runtime-flag root=` to `delete`, so a root of our own would strand
 * containers. Every container is named e2e-*, and removed at the end.
 *
 * @module
 */

import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { missing, ok, ptySession, RUNC, Scratch, sh, ULIMITS } from "./_engine.ts";

const skip = missing("podman", "conmon");
if (skip !== undefined) console.warn(`podman e2e tests skipped: ${skip}`);
const IMAGE = "localhost/e2e-busybox:latest";

/** podman with a storage, run root and tmpdir of the test's own. */
class Podman {
  readonly scratch: Scratch;
  readonly global: string[];

  constructor(scratch: Scratch) {
    this.scratch = scratch;
    const d = scratch.dir;
    this.global = [
      "podman",
      "--root",
      `${d}/storage`,
      "--runroot",
      `${d}/runroot`,
      "--tmpdir",
      `${d}/tmp`,
      "--storage-driver",
      "vfs",
      "--cgroup-manager=cgroupfs",
      "--events-backend=file",
      "--runtime",
      RUNC,
    ];
  }

  argv(...args: string[]): string[] {
    return [...this.global, ...args];
  }

  run(args: string[], timeoutMs = 60_000) {
    return sh(this.scratch.dir, this.argv(...args), { timeoutMs });
  }

  ok(args: string[], timeoutMs = 60_000) {
    return ok(this.scratch.dir, this.argv(...args), { timeoutMs });
  }

  /** A shell command line for script(1). */
  line(...args: string[]): string {
    return this.argv(...args).map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  }

  /** Removes every container (killing it), the image and the storage. */
  async dispose(): Promise<void> {
    await this.run(["rm", "--all", "--force", "--time", "0"]);
    await this.run(["rmi", "--all", "--force"]);
    await this.scratch.dispose();
  }
}

/** A test body with a podman that has the busybox image, always cleaned up. */
async function withPodman(fn: (p: Podman) => Promise<void>): Promise<void> {
  const p = new Podman(await Scratch.create("runc-e2e-podman-"));
  try {
    await p.ok(["import", await p.scratch.tarball(), IMAGE]);
    await fn(p);
  } finally {
    await p.dispose();
  }
}

const runArgs = ["--network", "none", ...ULIMITS];

Deno.test({
  name: "podman: run --rm prints the container's output",
  ignore: skip !== undefined,
  fn: () =>
    withPodman(async (p) => {
      const out = await p.ok([
        "run",
        "--rm",
        ...runArgs,
        IMAGE,
        "sh",
        "-c",
        'echo "hello from pid $$"; id -u',
      ]);
      assertEquals(out, "hello from pid 1\n0\n");
      assertEquals((await p.ok(["ps", "-a", "-q"])).trim(), "", "--rm left a container");
    }),
});

Deno.test({
  name: "podman: the exit code of a failing command",
  ignore: skip !== undefined,
  fn: () =>
    withPodman(async (p) => {
      const r = await p.run(["run", "--rm", ...runArgs, IMAGE, "sh", "-c", "echo bye; exit 7"]);
      assertEquals(r.code, 7, r.stderr);
      assertEquals(r.stdout, "bye\n");
      const missingCmd = await p.run(["run", "--rm", ...runArgs, IMAGE, "/no/such/program"]);
      // runc says "no such file or directory" and podman exits 127 for it.
      assertEquals(missingCmd.code, 127, missingCmd.stderr);
      assertStringIncludes(missingCmd.stderr, "no such file or directory");
    }),
});

Deno.test({
  name: "podman: run -d, exec, logs, stop, rm",
  ignore: skip !== undefined,
  fn: () =>
    withPodman(async (p) => {
      await p.ok([
        "run",
        "-d",
        "--name",
        "e2e-detached",
        ...runArgs,
        IMAGE,
        "sh",
        "-c",
        "trap 'echo got TERM; exit 0' TERM; echo started; while true; do sleep 0.1; done",
      ]);
      const exec = await p.ok([
        "exec",
        "e2e-detached",
        "sh",
        "-c",
        "echo from exec; cat /proc/1/cmdline | tr '\\0' ' '; echo",
      ]);
      assertEquals(
        exec,
        "from exec\nsh -c trap 'echo got TERM; exit 0' TERM; echo started; " +
          "while true; do sleep 0.1; done \n",
      );
      const execFail = await p.run(["exec", "e2e-detached", "sh", "-c", "exit 3"]);
      assertEquals(execFail.code, 3, execFail.stderr);
      assertEquals(
        (await p.ok(["inspect", "--format", "{{.State.Status}}", "e2e-detached"])).trim(),
        "running",
      );
      assertEquals(await p.ok(["logs", "e2e-detached"]), "started\n");
      await p.ok(["stop", "--time", "10", "e2e-detached"]);
      assertEquals(await p.ok(["logs", "e2e-detached"]), "started\ngot TERM\n");
      assertEquals(
        (await p.ok(["inspect", "--format", "{{.State.ExitCode}}", "e2e-detached"])).trim(),
        "0",
      );
      await p.ok(["rm", "e2e-detached"]);
      assertEquals((await p.ok(["ps", "-a", "-q"])).trim(), "");
    }),
});

Deno.test({
  name: "podman: an interactive run -it through a pty",
  ignore: skip !== undefined,
  fn: () =>
    withPodman(async (p) => {
      const r = await ptySession(p.line("run", "-it", "--rm", ...runArgs, IMAGE, "sh"), [
        { expect: /# /, send: "echo tty=$(tty) MARK$((6*7))\n" },
        { expect: /MARK42/, send: "exit 3\n" },
      ]);
      assertStringIncludes(r.transcript, "tty=/dev/pts/0 MARK42");
      assertEquals(r.code, 3, r.transcript);
    }),
});

Deno.test({
  name: "podman: pause and unpause",
  ignore: skip !== undefined,
  fn: () =>
    withPodman(async (p) => {
      await p.ok([
        "run",
        "-d",
        "--name",
        "e2e-pause",
        ...runArgs,
        IMAGE,
        "sh",
        "-c",
        // Written aside and renamed: a reader never sees the file truncated.
        "i=0; while true; do i=$((i+1)); echo $i > /tmp/c; mv /tmp/c /tmp/count; sleep 0.05; done",
      ]);
      await p.ok(["pause", "e2e-pause"]);
      assertEquals(
        (await p.ok(["inspect", "--format", "{{.State.Status}}", "e2e-pause"])).trim(),
        "paused",
      );
      // A frozen container makes no progress; its files are read from the host.
      const pid = Number(
        (await p.ok(["inspect", "--format", "{{.State.Pid}}", "e2e-pause"])).trim(),
      );
      const count = async () =>
        Number((await Deno.readTextFile(`/proc/${pid}/root/tmp/count`)).trim());
      const paused = await count();
      await new Promise((r) => setTimeout(r, 500));
      assertEquals(await count(), paused, "the counter moved while paused");
      await p.ok(["unpause", "e2e-pause"]);
      assertEquals(
        (await p.ok(["inspect", "--format", "{{.State.Status}}", "e2e-pause"])).trim(),
        "running",
      );
      await new Promise((r) => setTimeout(r, 500));
      const after = await count();
      assert(after > paused, `the counter did not move after unpause: ${paused} -> ${after}`);
      await p.ok(["rm", "--force", "--time", "0", "e2e-pause"]);
    }),
});
