/**
 * Which file Deno is started on, with which V8 flags, for a command line: by
 * cli/prelude.sh (the sh lines at the top of build/runc, run by /bin/sh) and
 * by the installed launcher (csrc/launcher.c, PREFIX/sbin/runc), which must
 * agree. A stand-in for Deno prints what it was given.
 */
import { assertEquals } from "./_assert.ts";

const PRELUDE = new URL("../../cli/prelude.sh", import.meta.url);
const LAUNCHER = new URL(`../../build/csrc/${Deno.build.arch}/launcher`, import.meta.url).pathname;
const FAKE_DENO = '#!/bin/sh\nfor a; do printf "%s\\n" "$a"; done\n';

interface Started {
  file: string;
  eager: boolean;
  args: string[];
}

/** A runc to call and the two files it may start Deno on. */
interface Layout {
  runc: string;
  full: string;
  eager: string;
}

/** DIR/runc: the prelude, then a line of JavaScript; DIR/runc-eager.js when asked. */
async function makePrelude(dir: string, withEager: boolean): Promise<Layout> {
  const fake = `${dir}/fake-deno`;
  await Deno.writeTextFile(fake, FAKE_DENO);
  await Deno.chmod(fake, 0o755);
  const text = (await Deno.readTextFile(PRELUDE)).replaceAll("@DENO@", fake);
  const runc = `${dir}/runc`;
  await Deno.writeTextFile(runc, `${text}console.log("bundle");\n`);
  await Deno.chmod(runc, 0o755);
  const eager = `${dir}/runc-eager.js`;
  if (withEager) await Deno.writeTextFile(eager, 'console.log("eager");\n');
  return { runc, full: runc, eager };
}

/** DIR/sbin/runc (a copy of the launcher) and DIR/lib/runc/{deno,runc.js,runc-eager.js}. */
async function makeInstalled(dir: string, withEager: boolean): Promise<Layout> {
  await Deno.mkdir(`${dir}/sbin`);
  await Deno.mkdir(`${dir}/lib/runc`, { recursive: true });
  await Deno.copyFile(LAUNCHER, `${dir}/sbin/runc`);
  await Deno.chmod(`${dir}/sbin/runc`, 0o755);
  await Deno.writeTextFile(`${dir}/lib/runc/deno`, FAKE_DENO);
  await Deno.chmod(`${dir}/lib/runc/deno`, 0o755);
  const full = `${dir}/lib/runc/runc.js`, eager = `${dir}/lib/runc/runc-eager.js`;
  await Deno.writeTextFile(full, 'console.log("bundle");\n');
  if (withEager) await Deno.writeTextFile(eager, 'console.log("eager");\n');
  return { runc: `${dir}/sbin/runc`, full, eager };
}

async function started(runc: string, argv: string[]): Promise<Started> {
  const out = await new Deno.Command(runc, { args: argv, stdout: "piped" }).output();
  assertEquals(out.code, 0);
  const words = new TextDecoder().decode(out.stdout).split("\n").slice(0, -1);
  // run -A --no-config --no-lock [--v8-flags=--no-lazy] --ext=js FILE ARGS...
  const ext = words.indexOf("--ext=js");
  return {
    file: words[ext + 1]!,
    eager: words.includes("--v8-flags=--no-lazy"),
    args: words.slice(ext + 2),
  };
}

const CASES: [string[], boolean][] = [
  [["run", "-b", "b", "id"], true],
  [["--root", "/r", "create", "id"], true],
  [["--root=/r", "--debug", "exec", "id", "true"], true],
  [["--log", "run", "--log-format", "json", "exec", "id", "sh"], true],
  [["--criu", "/c", "--rootless", "auto", "-root", "/x", "run", "id"], true],
  [["--", "create", "id"], true],
  [["restore", "id"], false],
  [["--help", "run"], false], // the app's help, with every command
  [["-v", "create"], false],
  [["--version=true", "exec"], false],
  [["state", "id"], false],
  [["--root", "run", "state", "id"], false], // "run" is --root's value
  [["delete", "run"], false],
  [["--help"], false],
  [[], false],
  [["spec"], false],
];

for (
  const [what, make] of [
    ["prelude", makePrelude],
    ["launcher", makeInstalled],
  ] as const
) {
  Deno.test(`${what}: create, run and exec compile eagerly from runc-eager.js; the rest lazily`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const l = await make(dir, true);
      for (const [argv, eager] of CASES) {
        const s = await started(l.runc, argv);
        assertEquals(s.eager, eager, argv.join(" "));
        assertEquals(s.file, eager ? l.eager : l.full, argv.join(" "));
        assertEquals(s.args, argv, "the arguments go on unchanged");
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${what}: without runc-eager.js, every command runs lazily from the bundle`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const l = await make(dir, false);
      const s = await started(l.runc, ["run", "id with space"]);
      assertEquals(s, { file: l.full, eager: false, args: ["run", "id with space"] });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
