import { assertEquals } from "./_assert.ts";
import { appHelp, commandHelp, flagLine, helpCommandHelp, tabwrite } from "../../cli/help.ts";
import { COMMANDS } from "../../cli/commands.ts";
import { globalFlags } from "../../cli/app.ts";

// Run by name, as engines and people do: runc's messages start with its argv[0].
const RUNC = "runc";
const noRunc = (() => {
  try {
    return !Deno.statSync("/usr/bin/runc").isFile;
  } catch {
    return true;
  }
})();

const decoder = new TextDecoder();
const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

async function execute(cmd: string, args: string[], cwd: string) {
  const env = { XDG_RUNTIME_DIR: "", TZ: "UTC" };
  // Through sh so that runc's argv[0] is "runc" (Deno passes the resolved path).
  const argv = cmd === RUNC ? ["-c", 'exec runc "$@"', "runc", ...args] : args;
  const out = await new Deno.Command(cmd === RUNC ? "sh" : cmd, {
    args: argv,
    cwd,
    env,
    stdin: "null",
  })
    .output();
  const norm = (b: Uint8Array) =>
    decoder.decode(b).replace(/time="[^"]*"/g, 'time="T"').replace(/"time":"[^"]*"/g, '"time":"T"');
  return { code: out.code, stdout: norm(out.stdout), stderr: norm(out.stderr) };
}

/** runc's VERSION block differs by design (deno instead of go, our commit). */
function dropVersion(text: string): string {
  return text.replace(/\nVERSION:\n[\s\S]*?\n\n/, "\nVERSION:\n\n");
}

Deno.test("help: flag lines as urfave writes them", () => {
  assertEquals(
    flagLine({ name: "bundle", aliases: ["b"], kind: "string", usage: "path" }),
    "--bundle value, -b value\tpath",
  );
  assertEquals(flagLine({ name: "d", kind: "bool", usage: "x" }), "-d\tx");
  assertEquals(flagLine({ name: "num", kind: "int", usage: "u" }), "--num value\tu (default: 0)");
  assertEquals(
    flagLine({ name: "fmt", kind: "string", default: 'a"b', usage: "u" }),
    '--fmt value\tu (default: "a\\"b")',
  );
  assertEquals(
    flagLine({ name: "ival", kind: "duration", default: "5s", usage: "u" }),
    "--ival value\tu (default: 5s)",
  );
  assertEquals(
    flagLine({ name: "env", kind: "stringSlice", default: ["a", ""], usage: "u" }),
    '--env value\tu (default: "a")',
  );
});

Deno.test("help: tabwriter columns end at lines without a tab", () => {
  assertEquals(tabwrite("a\tx\nbbb\ty\nplain\nc\tz"), "a    x\nbbb  y\nplain\nc  z");
  assertEquals(tabwrite("é\tx\nab\ty"), "é   x\nab  y");
});

Deno.test("help: the help command's own help", () => {
  assertEquals(
    helpCommandHelp(),
    "NAME:\n    - Shows a list of commands or help for one command\n\nUSAGE:\n    [command]\n",
  );
});

const refSkip = (missing: boolean) =>
  missing ? " (skipped: needs Debian's runc 1.1.5 at /usr/bin/runc as the reference)" : "";

for (const cmd of COMMANDS) {
  Deno.test({
    name: `help: runc ${cmd.name} --help matches runc 1.1.5${refSkip(noRunc)}`,
    ignore: noRunc,
    async fn() {
      const ref = await execute(RUNC, [cmd.name, "--help"], "/");
      assertEquals(commandHelp(cmd), ref.stdout);
    },
  });
}

Deno.test({
  name: `help: runc --help matches runc 1.1.5 but for VERSION${refSkip(noRunc)}`,
  ignore: noRunc,
  async fn() {
    const ref = await execute(RUNC, ["--help"], "/");
    const ours = appHelp([...COMMANDS], globalFlags("/run/runc"), "1.1.5\ncommit: x");
    assertEquals(dropVersion(ours), dropVersion(ref.stdout));
  },
});

/** Usage errors, help topics and flag errors: stdout, stderr and exit code. */
const USAGE_CASES = [
  ["create", "--bogus", "x"],
  ["--bogus"],
  ["create", "--preserve-fds=abc", "x"],
  ["foo"],
  ["--log-format=json", "foo"],
  ["--log-format", "xml", "list"],
  ["state"],
  ["kill"],
  ["kill", "a", "b", "c"],
  ["exec"],
  ["list", "x"],
  ["features", "x"],
  ["spec", "x"],
  ["help", "foo"],
  ["help", "help"],
  ["help", "--bogus"],
  ["help", "create", "extra"],
  ["h", "create"],
  [""],
  ["create", "x", "--help"],
  ["create", "--bundle", "a", "-b", "b", "x"],
  ["exec", "-g", "abc", "x", "sh"],
  ["exec", "-td", "x"],
  ["events", "--interval", "5", "x"],
  ["run", "--detach=maybe", "x"],
  ["create", "--bundle"],
  ["-h", "--help"],
  ["--systemd-cgroup=maybe", "list"],
  ["delete", "--force=", "x"],
  ["update", "--pids-limit", "1.5", "x"],
  ["update", "--kernel-memory"],
  ["spec", "--bundle", "/nonexistent-bundle"],
  ["--log", "/nonexistent-dir/log", "state"],
];

Deno.test({
  name: `help: usage errors match runc 1.1.5 (stdout, stderr, exit code)${refSkip(noRunc)}`,
  ignore: noRunc,
  async fn() {
    const dir = Deno.makeTempDirSync();
    try {
      for (const c of USAGE_CASES) {
        const args = ["--root", `${dir}/root`, ...c];
        const ref = await execute(RUNC, args, dir);
        const ours = await execute(Deno.execPath(), ["run", "-A", MAIN, ...args], dir);
        ref.stdout = dropVersion(ref.stdout);
        ours.stdout = dropVersion(ours.stdout);
        assertEquals(ours, ref, `runc ${c.join(" ")}`);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `help: runc spec writes runc's config.json bytes${refSkip(noRunc)}`,
  ignore: noRunc,
  async fn() {
    const dir = Deno.makeTempDirSync();
    try {
      for (const rootless of [[], ["--rootless"]]) {
        Deno.mkdirSync(`${dir}/a`);
        Deno.mkdirSync(`${dir}/b`);
        const ref = await execute(RUNC, ["spec", "-b", `${dir}/a`, ...rootless], dir);
        const ours = await execute(Deno.execPath(), [
          "run",
          "-A",
          MAIN,
          "spec",
          "-b",
          `${dir}/b`,
          ...rootless,
        ], dir);
        assertEquals(ours, ref);
        assertEquals(
          Deno.readFileSync(`${dir}/b/config.json`),
          Deno.readFileSync(`${dir}/a/config.json`),
        );
        const again = await execute(
          Deno.execPath(),
          ["run", "-A", MAIN, "spec", "-b", `${dir}/b`],
          dir,
        );
        assertEquals(
          again.stderr,
          'time="T" level=error msg="File config.json exists. Remove it first"\n',
        );
        Deno.removeSync(`${dir}/a`, { recursive: true });
        Deno.removeSync(`${dir}/b`, { recursive: true });
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
