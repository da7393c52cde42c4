/**
 * Helpers for the end-to-end tests with real engines (podman, containerd's ctr,
 * Docker): the runtime under test, a busybox rootfs and its tarball, commands run
 * with a time limit and their output in files, a pty session driven through
 * script(1), and a scratch directory removed also when a test fails.
 *
 * The tests install nothing: `make e2e-deps` installs the engines from Debian.
 *
 * @module
 */

import { assert } from "../unit/_assert.ts";
import { makeRootfs } from "../integration/_util.ts";

/** The runtime under test, as the absolute path an engine is given. */
export const RUNC = new URL("../../build/runc", import.meta.url).pathname;

/** Ulimits that fit this machine's hard limits (podman's default nofile does not). */
export const ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

/** The absolute path of an executable on PATH (or one of `extra`), or undefined. */
export function which(name: string, extra: string[] = []): string | undefined {
  const dirs = [...extra, ...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/sbin"];
  for (const d of dirs) {
    try {
      const st = Deno.statSync(`${d}/${name}`);
      if (st.isFile && (st.mode ?? 0) & 0o111) return `${d}/${name}`;
    } catch { /* not here */ }
  }
  return undefined;
}

/**
 * Why an engine test cannot run here (not root, no build/runc, a missing
 * program), or undefined when it can.
 */
export function missing(...programs: string[]): string | undefined {
  if (Deno.uid() !== 0) return "needs root";
  try {
    Deno.statSync(RUNC);
  } catch {
    return "needs build/runc (make build)";
  }
  for (const p of ["script", ...programs]) {
    if (which(p) === undefined) return `needs ${p} (make e2e-deps)`;
  }
  return undefined;
}

/** What a command did. */
export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command with its stdout and stderr in files, not pipes: an engine's
 * detached helpers (conmon, shims) may keep the stdio they inherit, and a pipe
 * would keep the reader waiting. Killed (SIGKILL) after `timeoutMs`.
 */
export async function sh(
  dir: string,
  argv: string[],
  opts: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Output> {
  const out = await Deno.makeTempFile({ dir, prefix: "out-" });
  const err = await Deno.makeTempFile({ dir, prefix: "err-" });
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs ?? 60_000);
  try {
    const { code, signal } = await new Deno.Command("/bin/sh", {
      args: ["-c", 'exec "$0" "$@" <"/dev/null" >"$E2E_OUT" 2>"$E2E_ERR"', ...argv],
      env: { ...opts.env, E2E_OUT: out, E2E_ERR: err },
      signal: ac.signal,
    }).output();
    const res = {
      code: signal === null ? code : 128 + 9,
      stdout: await Deno.readTextFile(out),
      stderr: await Deno.readTextFile(err),
    };
    if (ac.signal.aborted) {
      res.stderr += `\n(killed after ${opts.timeoutMs ?? 60_000} ms: ${argv.join(" ")})`;
    }
    return res;
  } finally {
    clearTimeout(timer);
    await Deno.remove(out).catch(() => {});
    await Deno.remove(err).catch(() => {});
  }
}

/** Runs a command and fails with what it printed unless it exits 0; returns stdout. */
export async function ok(
  dir: string,
  argv: string[],
  opts: { timeoutMs?: number } = {},
): Promise<string> {
  const r = await sh(dir, argv, opts);
  assert(
    r.code === 0,
    `${argv.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  );
  return r.stdout;
}

/** A temp dir for one test, with a busybox rootfs and its tarball made on demand. */
export class Scratch {
  readonly dir: string;
  private constructor(dir: string) {
    this.dir = dir;
  }

  static async create(prefix: string): Promise<Scratch> {
    const dir = await Deno.makeTempDir({ prefix });
    await Deno.chmod(dir, 0o755);
    return new Scratch(dir);
  }

  /** A busybox rootfs (busybox-static and its applets, /etc/passwd). */
  async rootfs(): Promise<string> {
    const dir = `${this.dir}/rootfs`;
    try {
      await Deno.stat(dir);
    } catch {
      await makeRootfs(dir);
    }
    return dir;
  }

  /** The busybox rootfs as an uncompressed tarball, for `podman import`. */
  async tarball(): Promise<string> {
    const tar = `${this.dir}/busybox.tar`;
    await ok(this.dir, ["tar", "-C", await this.rootfs(), "-cf", tar, "."]);
    return tar;
  }

  /** Removes the dir, unmounting first whatever an engine left mounted in it. */
  async dispose(): Promise<void> {
    const mounts = (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")
      .map((l) => l.split(" ")[4] ?? "")
      .filter((m) => m === this.dir || m.startsWith(this.dir + "/"))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) await sh("/tmp", ["umount", "-l", m]).catch(() => {});
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** A daemon the test started: stopped with SIGTERM, then SIGKILL after `graceMs`. */
export class Daemon {
  readonly child: Deno.ChildProcess;
  readonly log: string;

  constructor(argv: string[], log: string) {
    this.log = log;
    this.child = new Deno.Command("/bin/sh", {
      args: ["-c", 'exec "$0" "$@" </dev/null >"$E2E_LOG" 2>&1', ...argv],
      env: { E2E_LOG: log },
    }).spawn();
  }

  /** Waits until `path` exists (a socket), or fails with the daemon's log. */
  async waitFor(path: string, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let exited = false;
    this.child.status.then(() => exited = true);
    while (Date.now() < end && !exited) {
      try {
        await Deno.stat(path);
        return;
      } catch { /* not yet */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    const log = await Deno.readTextFile(this.log).catch(() => "");
    throw new Error(
      `${exited ? "Daemon exited" : "Timed out"} before ${path} appeared; log:\n${
        log.slice(-3000)
      }`,
    );
  }

  async stop(graceMs = 10_000): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* gone */ }
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch { /* gone */ }
    }, graceMs);
    await this.child.status;
    clearTimeout(timer);
  }
}

/** A scripted exchange with a program on a pty. */
export interface PtyResult {
  code: number;
  /** Everything the pty printed, control sequences included. */
  transcript: string;
}

/**
 * Runs `command` (a shell command line) on a new pty through script(1) and plays
 * `steps`: wait until the output matches `expect`, then type `send`. Returns
 * the exit code (script -e passes the program's on) and the transcript; throws
 * with the transcript when a step times out.
 */
export async function ptySession(
  command: string,
  steps: { expect: RegExp; send: string }[],
  timeoutMs = 60_000,
): Promise<PtyResult> {
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, timeoutMs);
  let transcript = "";
  let changed: () => void = () => {};
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      transcript += decoder.decode(chunk, { stream: true });
      changed();
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    changed();
    return s;
  });
  const writer = child.stdin.getWriter();
  try {
    let from = 0;
    for (const step of steps) {
      for (;;) {
        const m = step.expect.exec(transcript.slice(from));
        if (m) {
          from += m.index + m[0].length;
          break;
        }
        if (exited) {
          throw new Error(`Pty session ended before ${step.expect}; transcript:\n${transcript}`);
        }
        await new Promise<void>((r) => changed = r);
      }
      await writer.write(new TextEncoder().encode(step.send));
    }
    const s = await status;
    await pumps;
    return { code: s.signal === null ? s.code : 128 + 9, transcript };
  } catch (err) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
    await status;
    throw err;
  } finally {
    clearTimeout(timer);
    await writer.close().catch(() => {});
  }
}
