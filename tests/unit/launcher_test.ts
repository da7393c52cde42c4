/**
 * Which file Deno is started on, with which V8 flags, for a command line: by
 * build/runc's #! interpreter (csrc/launcher.c built with -DINTERPRETER, which
 * the kernel runs with the Deno the #! line names and the script) and by the
 * installed launcher (the same file, PREFIX/sbin/runc), which must agree. A
 * stand-in for Deno prints what it was given.
 */
import { assertEquals } from "./_assert.ts";

/** The Makefile's OWN_EAGER_COMMANDS and OWN_LAZY_COMMANDS, as the launcher is built with them. */
const EAGER = ["create", "run", "exec", "state", "list", "kill", "delete"];
const LAZY = ["start"];
const OWN = [...EAGER, ...LAZY];
const CSRC = new URL(`../../build/csrc/${Deno.build.arch}/`, import.meta.url).pathname;
const LAUNCHER = `${CSRC}launcher`;
const INTERP = `${CSRC}runc-interp`;
const FAKE_DENO = '#!/bin/sh\nfor a; do printf "%s\\n" "$a"; done\n';

interface Started {
  file: string;
  eager: boolean;
  args: string[];
}

/** A runc to call, the whole bundle and where a command's own bundle is. */
interface Layout {
  runc: string;
  full: string;
  own: (command: string) => string;
}

/** Files named runc-CMD.js in dir: one for each of OWN (when asked), and runc-spec.js. */
async function ownBundles(dir: string, withOwn: boolean): Promise<(c: string) => string> {
  const own = (c: string) => `${dir}/runc-${c}.js`;
  // Not a command with a bundle of its own: a file of that name is never used.
  await Deno.writeTextFile(own("spec"), 'console.log("spec");\n');
  if (withOwn) { for (const c of OWN) await Deno.writeTextFile(own(c), `console.log("${c}");\n`); }
  return own;
}

/** DIR/runc: a #! line naming the interpreter and a stand-in Deno, then a line of JavaScript. */
async function makeScript(dir: string, withOwn: boolean): Promise<Layout> {
  const fake = `${dir}/fake-deno`;
  await Deno.writeTextFile(fake, FAKE_DENO);
  await Deno.chmod(fake, 0o755);
  const runc = `${dir}/runc`;
  await Deno.writeTextFile(runc, `#!${INTERP} ${fake}\nconsole.log("bundle");\n`);
  await Deno.chmod(runc, 0o755);
  return { runc, full: runc, own: await ownBundles(dir, withOwn) };
}

/** DIR/sbin/runc (a copy of the launcher) and DIR/lib/runc/{deno,runc.js,runc-CMD.js}. */
async function makeInstalled(dir: string, withOwn: boolean): Promise<Layout> {
  await Deno.mkdir(`${dir}/sbin`);
  await Deno.mkdir(`${dir}/lib/runc`, { recursive: true });
  await Deno.copyFile(LAUNCHER, `${dir}/sbin/runc`);
  await Deno.chmod(`${dir}/sbin/runc`, 0o755);
  await Deno.writeTextFile(`${dir}/lib/runc/deno`, FAKE_DENO);
  await Deno.chmod(`${dir}/lib/runc/deno`, 0o755);
  const full = `${dir}/lib/runc/runc.js`;
  await Deno.writeTextFile(full, 'console.log("bundle");\n');
  return { runc: `${dir}/sbin/runc`, full, own: await ownBundles(`${dir}/lib/runc`, withOwn) };
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

/** A command line and the command whose own bundle it runs from (undefined: the whole one). */
const CASES: [string[], string | undefined][] = [
  [["run", "-b", "b", "id"], "run"],
  [["--root", "/r", "create", "id"], "create"],
  [["--root=/r", "--debug", "exec", "id", "true"], "exec"],
  [["--log", "run", "--log-format", "json", "state", "id"], "state"],
  [["--criu", "/c", "--rootless", "auto", "-root", "/x", "list"], "list"],
  [["--", "create", "id"], "create"],
  [["restore", "id"], undefined],
  [["spec"], undefined], // runc-spec.js is there, but spec has no bundle of its own
  [["--help", "run"], undefined], // the app's help, with every command
  [["-v", "create"], undefined],
  [["--version=true", "exec"], undefined],
  [["--root", "run", "delete", "id"], "delete"], // "run" is --root's value
  [["start", "run"], "start"],
  [["pause", "id"], undefined],
  [["help", "state"], undefined],
  [["--help"], undefined],
  [[], undefined],
];

for (
  const [what, make] of [
    ["build/runc", makeScript],
    ["launcher", makeInstalled],
  ] as const
) {
  Deno.test(`${what}: a command with a bundle of its own runs from it, eagerly or lazily as listed`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const l = await make(dir, true);
      for (const [argv, own] of CASES) {
        const s = await started(l.runc, argv);
        assertEquals(s.eager, own !== undefined && EAGER.includes(own), argv.join(" "));
        assertEquals(s.file, own ? l.own(own) : l.full, argv.join(" "));
        assertEquals(s.args, argv, "the arguments go on unchanged");
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`${what}: without those bundles, every command runs lazily from the whole one`, async () => {
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

Deno.test("launcher: every global flag that takes a value (cli/app.ts) is skipped with its value", async () => {
  const { globalFlags } = await import("../../cli/app.ts");
  const valued = globalFlags("/run/runc").filter((f) => f.kind !== "bool").map((f) => f.name);
  assertEquals(valued.length > 0, true);
  const dir = await Deno.makeTempDir();
  try {
    for (const [what, make] of [["build/runc", makeScript], ["launcher", makeInstalled]] as const) {
      const sub = `${dir}/${what.replace("/", "-")}`;
      await Deno.mkdir(sub);
      const l = await make(sub, true);
      for (const name of valued) {
        // "state" is the flag's value; the command is run.
        const s = await started(l.runc, [`--${name}`, "state", "run", "id"]);
        assertEquals(s.file, l.own("run"), `${what}: --${name} takes a value`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
