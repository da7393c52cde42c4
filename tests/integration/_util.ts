/**
 * Helpers for the integration tests: a busybox bundle made from Debian's
 * busybox-static, the built runc run with a private --root, and cleanup of
 * every container a test made, also when the test fails.
 *
 * @module
 */

import type { Spec } from "../../core/spec/types.ts";

/** The executable under test. */
export const RUNC = new URL("../../build/runc", import.meta.url).pathname;
/** Debian's runc 1.1, the reference for behaviour, when installed. */
export const REFERENCE_RUNC = "/usr/bin/runc";
/** Whether the reference runc is installed. */
export const hasReference = (() => {
  try {
    return Deno.statSync(REFERENCE_RUNC).isFile;
  } catch {
    return false;
  }
})();
/** Debian's busybox-static. */
export const BUSYBOX = "/bin/busybox";

/** Whether the tests run as root; otherwise they run as an ordinary user, rootless. */
export const isRoot = Deno.uid() === 0;

/**
 * Why no container test can run here (busybox or build/runc missing), or
 * undefined when they can, as root or as an ordinary user.
 */
export function needsRunc(): string | undefined {
  try {
    Deno.statSync(BUSYBOX);
  } catch {
    return `needs ${BUSYBOX} (apt-get install busybox-static)`;
  }
  try {
    Deno.statSync(RUNC);
  } catch {
    return "needs build/runc (make build)";
  }
  return undefined;
}

/**
 * Why a test that only root can run cannot run here, or undefined when it can.
 *
 * @param why what the test does that needs root, shown in the skip message
 *   (e.g. "mounts a tmpfs on the host"); the default covers the files that
 *   predate per-test reasons (cgroups_v2_test.ts, checkpoint_test.ts)
 */
export function needsRoot(why = "host cgroups or CRIU"): string | undefined {
  if (!isRoot) return `needs root: ${why}`;
  return needsRunc();
}

/** A test name with the reason it is skipped, if it is. */
export function skipName(name: string, why: string | undefined): string {
  return why ? `${name} (skipped: ${why})` : name;
}

/** The name of the user the tests run as, from /etc/passwd (`#uid` without an entry, as runc). */
export function userName(): string {
  const uid = Deno.uid()!;
  for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
    const f = line.split(":");
    if (f.length > 2 && Number(f[2]) === uid) return f[0]!;
  }
  return `#${uid}`;
}

/** The first /etc/subuid or /etc/subgid range of the user the tests run as. */
export function subordinateRange(file: string): { start: number; size: number } {
  const name = userName();
  const line = Deno.readTextFileSync(file).split("\n").find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`${file} has no range for ${name}`);
  const [, start, size] = line.split(":").map(Number);
  return { start: start!, size: size! };
}

/**
 * Lets a rootless container use more ids than the caller's own: as an ordinary
 * user, maps container id 0 to the user's uid and gid and ids 1 and up to its
 * /etc/subuid and /etc/subgid ranges (runc then calls newuidmap and
 * newgidmap), so the process may run as another uid, with additional gids.
 * As root, leaves the spec as it is.
 */
export function mapSubordinateIds(s: Spec): void {
  if (isRoot) return;
  const map = (own: number, file: string) => {
    const r = subordinateRange(file);
    return [{ containerID: 0, hostID: own, size: 1 }, {
      containerID: 1,
      hostID: r.start,
      size: Math.min(r.size, 65536),
    }];
  };
  s.linux!.uidMappings = map(Deno.uid()!, "/etc/subuid");
  s.linux!.gidMappings = map(Deno.gid()!, "/etc/subgid");
}

/** The output of one runc call. */
export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A scratch area: a bundle dir, a --root dir, removed by `dispose`. */
export class Sandbox {
  readonly dir: string;
  readonly root: string;
  readonly bundle: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.root = `${dir}/state`;
    this.bundle = `${dir}/bundle`;
  }

  /**
   * Makes a sandbox with a busybox bundle whose config.json comes from
   * `runc spec` (`runc spec --rootless` when not root) with terminal off,
   * changed by `edit`.
   */
  static async create(edit: (spec: Spec) => void = () => {}): Promise<Sandbox> {
    const sb = new Sandbox(await Deno.makeTempDir({ prefix: "runc-it-" }));
    try {
      // A mapped root in a user namespace must be able to reach the bundle.
      await Deno.chmod(sb.dir, 0o755);
      await makeRootfs(`${sb.bundle}/rootfs`);
      const args = ["spec", ...(isRoot ? [] : ["--rootless"]), "--bundle", sb.bundle];
      const spec = await sb.run(args);
      if (spec.code !== 0) throw new Error(`runc spec failed: ${spec.stderr}`);
      await sb.editSpec((s) => {
        s.process!.terminal = false;
        edit(s);
      });
      return sb;
    } catch (e) {
      // No test gets this sandbox to dispose of: its files go here.
      await Deno.remove(sb.dir, { recursive: true }).catch(() => {});
      throw e;
    }
  }

  /** Rewrites the bundle's config.json. */
  async editSpec(edit: (spec: Spec) => void): Promise<void> {
    const path = `${this.bundle}/config.json`;
    const spec = JSON.parse(await Deno.readTextFile(path));
    edit(spec);
    await Deno.writeTextFile(path, JSON.stringify(spec, null, "\t"));
  }

  /**
   * Runs build/runc with this sandbox's --root, in the bundle dir. Its stdout and
   * stderr go to files, not pipes: a created or detached container keeps the
   * stdio it was given, and a pipe would keep the reader waiting until the
   * container ends.
   */
  async run(
    args: string[],
    opts: {
      stdin?: string;
      env?: Record<string, string>;
      binary?: string;
      /** Shell commands run first, in the shell that then execs runc. */
      script?: string;
      /** A command runc runs under (`testprog deny-mknod`). */
      wrap?: string[];
    } = {},
  ): Promise<Result> {
    const out = await Deno.makeTempFile({ dir: this.dir, prefix: "out-" });
    const err = await Deno.makeTempFile({ dir: this.dir, prefix: "err-" });
    // runc hands stdio files to the process's user (fchown); rootless, that
    // user is a subordinate id, and the caller must still read them.
    await Deno.chmod(out, 0o644);
    await Deno.chmod(err, 0o644);
    try {
      const child = new Deno.Command("/bin/sh", {
        args: [
          "-c",
          `${opts.script ?? ""}exec ${
            (opts.wrap ?? []).map((w) => `'${w}'`).join(" ")
          } "$0" "$@" >"$RUNC_IT_OUT" 2>"$RUNC_IT_ERR"`,
          opts.binary ?? RUNC,
          "--root",
          opts.binary ? `${this.root}-ref` : this.root,
          ...args,
        ],
        cwd: this.bundle,
        stdin: opts.stdin === undefined ? "null" : "piped",
        env: { ...opts.env, RUNC_IT_OUT: out, RUNC_IT_ERR: err },
      }).spawn();
      if (opts.stdin !== undefined) {
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode(opts.stdin));
        await w.close();
      }
      const { code } = await child.status;
      return { code, stdout: await Deno.readTextFile(out), stderr: await Deno.readTextFile(err) };
    } finally {
      await Deno.remove(out);
      await Deno.remove(err);
    }
  }

  /** Runs the reference runc (Debian's) on the same bundle, with a root of its own. */
  runReference(args: string[]): Promise<Result> {
    return this.run(args, { binary: REFERENCE_RUNC });
  }

  /** Runs runc and fails with its stderr unless it exits 0. */
  async ok(args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`runc ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  /** The container ids whose state dirs exist. */
  async ids(): Promise<string[]> {
    const ids: string[] = [];
    try {
      for await (const e of Deno.readDir(this.root)) ids.push(e.name);
    } catch { /* no root yet */ }
    return ids.sort();
  }

  /** Deletes every container left (killing its process) and removes the files. */
  async dispose(): Promise<void> {
    for (const id of await this.ids()) await this.run(["delete", "--force", id]);
    if (hasReference) {
      try {
        for await (const e of Deno.readDir(`${this.root}-ref`)) {
          await this.runReference(["delete", "--force", e.name]);
        }
      } catch { /* the reference was not run */ }
    }
    await Deno.remove(this.dir, { recursive: true });
  }
}

/**
 * Makes the sandbox's directory /out in the container (an rbind mount), so
 * that what the container or its hooks write there the test reads in sb.dir;
 * `edit` changes the spec further in the same rewrite.
 */
export async function shareOut(sb: Sandbox, edit: (s: Spec) => void = () => {}): Promise<void> {
  await sb.editSpec((s) => {
    s.mounts!.push({ destination: "/out", type: "bind", source: sb.dir, options: ["rbind"] });
    edit(s);
  });
}

/**
 * Runs mount(8) on the host and fails the test, with its stderr, unless it
 * succeeds: a set-up mount that silently failed would let a test pass without
 * checking what it claims.
 *
 * @param args mount's arguments (`["-t", "tmpfs", "tmpfs", dir]`, `["-o", "remount,ro", dir]`)
 */
export async function hostMount(args: string[]): Promise<void> {
  const out = await new Deno.Command("mount", { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(
      `mount ${args.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}

/**
 * Mounts on the host (failing the test with mount's stderr when it cannot),
 * runs fn, and always unmounts target (`umount -l`), also when fn fails. An
 * unmount that fails after fn succeeded fails the test too.
 *
 * @param args mount's arguments
 * @param target the mount point the mount makes
 * @param fn the test body, run while it is mounted
 */
export async function withHostMount<T>(
  args: string[],
  target: string,
  fn: () => Promise<T>,
): Promise<T> {
  await hostMount(args);
  let result: T;
  let umountError: string | undefined;
  try {
    result = await fn();
  } finally {
    const out = await new Deno.Command("umount", {
      args: ["-l", target],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) {
      umountError = `umount -l ${target} exited ${out.code}: ${
        new TextDecoder().decode(out.stderr)
      }`;
    }
  }
  if (umountError) throw new Error(umountError);
  return result;
}

/** Runs a test body in a fresh sandbox and always disposes of it. */
export async function withSandbox(
  fn: (sb: Sandbox) => Promise<void>,
  edit?: (spec: Spec) => void,
): Promise<void> {
  const sb = await Sandbox.create(edit);
  try {
    await fn(sb);
  } finally {
    await sb.dispose();
  }
}

/** A minimal rootfs: busybox and its applets as symlinks. */
export async function makeRootfs(dir: string): Promise<void> {
  for (const d of ["bin", "proc", "sys", "dev", "etc", "tmp", "root"]) {
    await Deno.mkdir(`${dir}/${d}`, { recursive: true });
  }
  await Deno.copyFile(BUSYBOX, `${dir}/bin/busybox`);
  await Deno.chmod(`${dir}/bin/busybox`, 0o755);
  const list = await new Deno.Command(BUSYBOX, { args: ["--list"], stdout: "piped" }).output();
  for (const applet of new TextDecoder().decode(list.stdout).split("\n")) {
    if (applet && applet !== "busybox") await Deno.symlink("busybox", `${dir}/bin/${applet}`);
  }
  await Deno.writeTextFile(`${dir}/etc/passwd`, "root:x:0:0:root:/root:/bin/sh\n");
  await Deno.writeTextFile(`${dir}/etc/group`, "root:x:0:\n");
}

/** Whether a pid is alive (and not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

/** csrc/testprog, built by the Makefile, for checks busybox cannot make. */
export const TESTPROG = new URL(`../../build/csrc/${Deno.build.arch}/testprog`, import.meta.url)
  .pathname;

/** A testprog server (a console-socket receiver, a seccomp agent) listening on a socket. */
export interface Listener {
  path: string;
  /** All it printed, once it ends. */
  output: Promise<string>;
  child: Deno.ChildProcess;
}

/**
 * Starts `testprog MODE PATH` and resolves once it prints that it listens.
 *
 * @param mode `recvtty` or `seccomp-agent`
 * @param path the socket
 */
export async function startListener(mode: string, path: string): Promise<Listener> {
  const child = new Deno.Command(TESTPROG, { args: [mode, path], stdout: "piped" }).spawn();
  const reader = child.stdout.getReader();
  const dec = new TextDecoder();
  let text = "";
  while (!text.includes("listening\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`testprog ${mode} ended early`);
    text += dec.decode(value);
  }
  const output = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    await child.status;
    return text;
  })();
  return { path, output, child };
}

/** Waits up to timeoutMs for a file to exist (what a container or hook writes). */
export async function waitForFile(path: string, timeoutMs = 5000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    try {
      await Deno.stat(path);
      return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path} did not appear within ${timeoutMs} ms`);
}

/**
 * Adds namespaces of these types to a spec unless it has them (`runc spec`
 * has a cgroup namespace already on a cgroup v2 host).
 */
export function addNamespaces(s: Spec, ...types: string[]): void {
  const list = s.linux!.namespaces ??= [];
  for (const type of types) {
    if (!list.some((n) => n.type === type)) list.push({ type } as (typeof list)[number]);
  }
}
