/**
 * cli/prelude.sh, the sh lines at the top of build/runc: which file Deno is
 * started on, with which V8 flags, for a command line. A stand-in for Deno
 * prints what it was given; the prelude is run by /bin/sh as build/runc is.
 */
import { assertEquals } from "./_assert.ts";

const PRELUDE = new URL("../../cli/prelude.sh", import.meta.url);

interface Started {
  file: string;
  eager: boolean;
  args: string[];
}

/** Makes DIR/runc (the prelude, then a line of JavaScript) and, when asked, a runc-eager.js. */
async function makeRunc(dir: string, link: boolean): Promise<string> {
  const fake = `${dir}/fake-deno`;
  await Deno.writeTextFile(fake, '#!/bin/sh\nfor a; do printf "%s\\n" "$a"; done\n');
  await Deno.chmod(fake, 0o755);
  const text = (await Deno.readTextFile(PRELUDE)).replaceAll("@DENO@", fake);
  const runc = `${dir}/runc`;
  await Deno.writeTextFile(runc, `${text}console.log("bundle");\n`);
  await Deno.chmod(runc, 0o755);
  if (link) await Deno.writeTextFile(`${dir}/runc-eager.js`, 'console.log("eager");\n');
  return runc;
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

Deno.test("prelude: create, run and exec compile eagerly from runc-eager.js; the rest lazily", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const runc = await makeRunc(dir, true);
    const cases: [string[], boolean][] = [
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
    for (const [argv, eager] of cases) {
      const s = await started(runc, argv);
      assertEquals(s.eager, eager, argv.join(" "));
      assertEquals(s.file, eager ? `${runc}-eager.js` : runc, argv.join(" "));
      assertEquals(s.args, argv, "the arguments go on unchanged");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prelude: without runc-eager.js beside it, every command runs lazily from the file itself", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const runc = await makeRunc(dir, false);
    const s = await started(runc, ["run", "id with space"]);
    assertEquals(s, { file: runc, eager: false, args: ["run", "id with space"] });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
