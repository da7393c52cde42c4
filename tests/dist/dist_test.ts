/**
 * What `make dist` and `make install` ship, checked as a user of them would:
 * the tarballs are the same when built again, each runs unpacked anywhere (the
 * aarch64 one under qemu-user) with the same answers and the same FFI results,
 * the installed runc runs a container with the work tree's build gone, the man
 * pages render and lint clean, the completions complete, and `make uninstall`
 * takes it all back.
 * Run by `make test-dist` (as root), after `make dist`.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { BUSYBOX, makeRootfs, skipName } from "../integration/_util.ts";

const TREE = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const DIST = `${TREE}/build/dist`;
const VERSION = /export const VERSION = "(.*)";/.exec(
  Deno.readTextFileSync(`${TREE}/cli/version.ts`),
)![1]!;
const name = (arch: string) => `runc-${VERSION}-linux-${arch}`;

interface ShOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** The shell (default /bin/sh). */
  shell?: string;
}

async function sh(cmd: string, opts: ShOptions = {}) {
  const out = await new Deno.Command(opts.shell ?? "/bin/sh", {
    args: ["-c", cmd],
    cwd: opts.cwd ?? TREE,
    env: opts.env ?? {},
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function ok(cmd: string, opts: ShOptions = {}) {
  const r = await sh(cmd, opts);
  if (r.code !== 0) throw new Error(`${cmd}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const why = Deno.uid() !== 0 ? "needs root (installs, runs a container)" : (() => {
  try {
    Deno.statSync(`${DIST}/SHA256SUMS`);
    return undefined;
  } catch {
    return "needs build/dist (make dist)";
  }
})();

Deno.test({
  name: skipName("make dist: built again from the same inputs, the same bytes", why),
  ignore: !!why,
  async fn() {
    const before = Deno.readTextFileSync(`${DIST}/SHA256SUMS`);
    assertEquals(before.trim().split("\n").length, 2, before);
    await ok("rm -rf build/dist && make -s dist >/dev/null");
    assertEquals(Deno.readTextFileSync(`${DIST}/SHA256SUMS`), before);
    await ok("sha256sum -c --quiet SHA256SUMS", { cwd: DIST });
  },
});

Deno.test({
  name: skipName(
    "each artifact runs unpacked anywhere; aarch64 under qemu-user answers as x86_64 does",
    why,
  ),
  ignore: !!why,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "runc-dist-" });
    try {
      for (const a of ["x86_64", "aarch64"]) {
        await ok(`tar -C ${tmp} -xzf ${DIST}/${name(a)}.tar.gz`);
      }
      const x86 = `${tmp}/${name("x86_64")}`, arm = `${tmp}/${name("aarch64")}`;
      // The x86_64 launcher runs natively; the aarch64 Deno under qemu-user, on its bundle.
      const runX = (args: string) => `${x86}/sbin/runc ${args}`;
      const runA = (args: string) =>
        `qemu-aarch64-static ${arm}/lib/runc/deno run -A --no-config --no-lock --ext=js ${arm}/lib/runc/runc.js ${args}`;
      assertStringIncludes(await ok(`file ${arm}/lib/runc/deno ${arm}/sbin/runc`), "ARM aarch64");
      for (const args of ["--version", "--help", "features"]) {
        assertEquals(await ok(runA(args)), await ok(runX(args)), args);
      }
      // ffi/libc.ts reads scalar FFI results back from one-field structs; the
      // aarch64 Deno must give the values a plain binding gives.
      await ok(
        `qemu-aarch64-static ${arm}/lib/runc/deno test -A --no-lock tests/unit/ffi_bind_test.ts`,
      );
      for (const args of ["spec", "spec --rootless"]) {
        for (const [dir, run] of [[`${tmp}/sx`, runX], [`${tmp}/sa`, runA]] as const) {
          await Deno.remove(dir, { recursive: true }).catch(() => {});
          await Deno.mkdir(dir);
          await ok(run(args), { cwd: dir });
        }
        assertEquals(
          await Deno.readTextFile(`${tmp}/sa/config.json`),
          await Deno.readTextFile(`${tmp}/sx/config.json`),
          args,
        );
      }
      // Nothing in the artifact names the work tree it was built in.
      const leak = await sh(`grep -rl -- '${TREE}' ${x86} ${arm}`);
      assertEquals(leak.stdout, "", "files naming the work tree");
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: skipName(
    "make install: runc on PATH runs a container with the build gone; man pages, completions, uninstall",
    why,
  ),
  ignore: !!why,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "runc-install-" });
    await Deno.chmod(tmp, 0o755);
    const prefix = `${tmp}/prefix`;
    const aside = `${TREE}/build.aside-${Deno.pid}`;
    let movedAside = false;
    let restoreError: string | undefined;
    try {
      await ok(`make -s install PREFIX=${prefix} >/dev/null`);
      await Deno.rename(`${TREE}/build`, aside);
      movedAside = true;
      const env = { PATH: `${prefix}/sbin:/usr/sbin:/usr/bin:/sbin:/bin` };
      assertEquals((await ok("command -v runc", { env })).trim(), `${prefix}/sbin/runc`);
      // A container, from a bundle of its own.
      const bundle = `${tmp}/bundle`;
      await makeRootfs(`${bundle}/rootfs`);
      assert((await Deno.stat(BUSYBOX)).isFile);
      await ok("runc spec", { cwd: bundle, env });
      const spec = JSON.parse(await Deno.readTextFile(`${bundle}/config.json`));
      spec.process.terminal = false;
      spec.process.args = ["sh", "-c", "echo installed runs; id -u"];
      await Deno.writeTextFile(`${bundle}/config.json`, JSON.stringify(spec));
      const run = await ok(`runc --root ${tmp}/state run c1`, { cwd: bundle, env });
      assertEquals(run, "installed runs\n0\n");
      // The man pages: one per command and runc(8), rendered and lint clean.
      const man = `${prefix}/share/man/man8`;
      const pages = [...Deno.readDirSync(man)].map((e) => e.name).sort();
      assert(pages.includes("runc.8") && pages.includes("runc-create.8"), `${pages}`);
      assertEquals(pages.length, 18, `${pages}`);
      await ok(`mandoc -T lint -W warning ${man}/*.8`);
      const rendered = await ok(`MANWIDTH=80 man -l ${man}/runc-create.8`, {
        env: { ...env, TERM: "dumb" },
      });
      assertStringIncludes(rendered, "runc-create - create a container");
      assertStringIncludes(rendered, "--console-socket");
      // The bash completion: a command, a flag, a container id.
      await ok(`runc --root ${tmp}/state run -d c2`, { cwd: bundle, env: env });
      try {
        const complete = async (words: string[]) =>
          (await ok(
            `. ${prefix}/share/bash-completion/completions/runc; ` +
              `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${
                words.length - 1
              }; _runc; echo "\${COMPREPLY[*]}"`,
            { env, shell: "/bin/bash" },
          )).trim();
        assertEquals(await complete(["runc", "cre"]), "create");
        assertEquals(await complete(["runc", "create", "--bu"]), "--bundle");
        assertEquals(await complete(["runc", "--root", `${tmp}/state`, "kill", "c"]), "c2");
        await ok(`runc --root ${tmp}/state delete -f c2`, { env });
      } finally {
        // Also when a check failed: c2's process and cgroups go (no error
        // checked here: after the delete above it is already gone).
        await sh(`runc --root ${tmp}/state delete -f c2`, { env });
      }
      // The zsh completion is zsh.
      await ok(`zsh -n ${prefix}/share/zsh/site-functions/_runc`);
      await ok(`make -s uninstall PREFIX=${prefix}`, {
        env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
      });
      const left = (await sh(`find ${prefix} -type f`)).stdout;
      assertEquals(left, "", "files left by uninstall");
    } finally {
      // Also when a check failed: the work tree gets its build back. If that
      // fails (something made a new build/ meanwhile), it says where it is.
      if (movedAside) {
        await Deno.rename(aside, `${TREE}/build`).catch((e) => {
          restoreError = `could not move ${aside} back to build/: ${e}`;
          console.error(`dist_test: ${restoreError}`);
        });
      }
      await Deno.remove(tmp, { recursive: true });
    }
    if (restoreError) throw new Error(restoreError);
  },
});
