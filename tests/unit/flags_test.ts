import { assertEquals } from "./_assert.ts";
import type { Flag } from "../../cli/command.ts";
import {
  checkForms,
  parseFlags,
  parseGoBool,
  parseGoDuration,
  parseGoInt,
  reorderArgs,
} from "../../cli/flags.ts";
import { command as create } from "../../cli/create.ts";
import { command as exec } from "../../cli/exec.ts";
import { command as events } from "../../cli/events.ts";
import { HELP_FLAG } from "../../cli/app.ts";

const createFlags: Flag[] = [...create.flags, HELP_FLAG];
const execFlags: Flag[] = [...exec.flags, HELP_FLAG];

Deno.test("flags: long, short, single-dash long, and = forms", () => {
  for (
    const argv of [
      ["--bundle", "/b", "x"],
      ["--bundle=/b", "x"],
      ["-b", "/b", "x"],
      ["-b=/b", "x"],
      ["-bundle", "/b", "x"],
    ]
  ) {
    const p = parseFlags(createFlags, argv);
    assertEquals(p.error, undefined, argv.join(" "));
    assertEquals(p.values.bundle, "/b", argv.join(" "));
    assertEquals(p.args, ["x"]);
    assertEquals([...p.set], ["bundle"]);
  }
});

Deno.test("flags: defaults are filled in", () => {
  const p = parseFlags(createFlags, ["x"]);
  assertEquals(p.values, {
    bundle: "",
    "console-socket": "",
    "pid-file": "",
    "no-pivot": false,
    "no-new-keyring": false,
    "preserve-fds": 0,
    help: false,
  });
  assertEquals(parseFlags(events.flags, []).values.interval, 5000);
});

Deno.test("flags: booleans take a value only after =", () => {
  const run = [{ name: "detach", aliases: ["d"], kind: "bool", usage: "" }] satisfies Flag[];
  assertEquals(parseFlags(run, ["--detach", "x"]).values.detach, true);
  assertEquals(parseFlags(run, ["--detach", "x"]).args, ["x"]);
  assertEquals(parseFlags(run, ["--detach=false", "x"]).values.detach, false);
  assertEquals(parseFlags(run, ["-d=T"]).values.detach, true);
  assertEquals(
    parseFlags(run, ["--detach=maybe"]).error,
    'invalid boolean value "maybe" for -detach: parse error',
  );
  assertEquals(
    parseFlags(run, ["--detach="]).error,
    'invalid boolean value "" for -detach: parse error',
  );
});

Deno.test("flags: stringSlice and int64Slice collect", () => {
  const p = parseFlags(execFlags, ["-e", "A=1", "-e=B=2", "-g", "10", "-g", "20", "ctr", "sh"]);
  assertEquals(p.values.env, ["A=1", "B=2"]);
  assertEquals(p.values["additional-gids"], [10, 20]);
  assertEquals(p.args, ["ctr", "sh"]);
  assertEquals(
    parseFlags(execFlags, ["-g", "0x10"]).error,
    'invalid value "0x10" for flag -g: strconv.ParseInt: parsing "0x10": invalid syntax',
  );
});

Deno.test("flags: Go's errors for bad flags and values", () => {
  const cases: [string[], string][] = [
    [["--bogus", "x"], "flag provided but not defined: -bogus"],
    [["-bogus"], "flag provided but not defined: -bogus"],
    [["--preserve-fds=abc", "x"], 'invalid value "abc" for flag -preserve-fds: parse error'],
    [
      ["--preserve-fds", "99999999999999999999"],
      'invalid value "99999999999999999999" for flag -preserve-fds: value out of range',
    ],
    [["--preserve-fds="], 'invalid value "" for flag -preserve-fds: parse error'],
    [["--bundle"], "flag needs an argument: -bundle"],
    [["---bundle", "x"], "bad flag syntax: ---bundle"],
    [["-=x"], "bad flag syntax: -=x"],
    [["--help", "--bogus"], "flag provided but not defined: -bogus"],
  ];
  for (const [argv, want] of cases) {
    assertEquals(parseFlags(createFlags, argv, true).error, want, argv.join(" "));
  }
});

Deno.test("flags: parsing stops at the first argument and after --", () => {
  assertEquals(parseFlags(createFlags, ["x", "--bogus"]).args, ["x", "--bogus"]);
  assertEquals(parseFlags(createFlags, ["--", "-x"]).args, ["-x"]);
  assertEquals(parseFlags(createFlags, ["-", "x"]).args, ["-", "x"]);
  assertEquals(parseFlags(createFlags, ["--bundle", "--x", "y"]).values.bundle, "--x");
});

Deno.test("flags: urfave reorders known flags written after arguments", () => {
  assertEquals(reorderArgs(createFlags, ["x", "--bundle", "/b"]), ["--bundle", "/b", "x"]);
  assertEquals(reorderArgs(createFlags, ["x", "--bogus"]), ["x", "--bogus"]);
  assertEquals(reorderArgs(createFlags, ["x", "--", "-b", "y"]), ["--", "x", "-b", "y"]);
  assertEquals(reorderArgs(createFlags, ["x", "--pid-file"]), ["--pid-file", "x"]);
  const p = parseFlags(createFlags, ["x", "-b=/b", "--help"], true);
  assertEquals([p.values.bundle, p.values.help, p.args], ["/b", true, ["x"]]);
  // `runc create x --pid-file` takes x as the pid file, as runc does.
  assertEquals(parseFlags(createFlags, ["x", "--pid-file"], true).args, []);
});

Deno.test("flags: two forms of one flag are refused", () => {
  const p = parseFlags(createFlags, ["--bundle", "a", "-b", "b", "x"]);
  assertEquals(
    checkForms(createFlags, p.visited),
    "Cannot use two forms of the same flag: b bundle",
  );
  const q = parseFlags(createFlags, ["-b", "a", "-b", "b", "x"]);
  assertEquals(checkForms(createFlags, q.visited), undefined);
  assertEquals(q.values.bundle, "b");
});

Deno.test("flags: Go integer syntax", () => {
  assertEquals(parseGoInt("0x10", 0, 64, false), 16n);
  assertEquals(parseGoInt("010", 0, 64, false), 8n);
  assertEquals(parseGoInt("0b11", 0, 64, false), 3n);
  assertEquals(parseGoInt("0o17", 0, 64, false), 15n);
  assertEquals(parseGoInt("1_000", 0, 64, false), 1000n);
  assertEquals(parseGoInt("1__0", 0, 64, false), "syntax");
  assertEquals(parseGoInt("_1", 0, 64, false), "syntax");
  assertEquals(parseGoInt("1_000", 10, 64, false), "syntax");
  assertEquals(parseGoInt("-9223372036854775808", 0, 64, false), -9223372036854775808n);
  assertEquals(parseGoInt("-9223372036854775809", 0, 64, false), "range");
  assertEquals(parseGoInt("9223372036854775808", 0, 64, false), "range");
  assertEquals(parseGoInt("18446744073709551615", 0, 64, true), 18446744073709551615n);
  assertEquals(parseGoInt("-1", 0, 64, true), "syntax");
  assertEquals(parseGoInt("+", 0, 64, false), "syntax");
  assertEquals(parseGoInt("0", 0, 64, false), 0n);
  assertEquals(parseGoInt("99999999999999999999x", 0, 64, false), "range");
});

Deno.test("flags: Go booleans and durations", () => {
  assertEquals(["1", "t", "TRUE", "True", "0", "F", "false", "yes"].map(parseGoBool), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    undefined,
  ]);
  assertEquals(parseGoDuration("5s"), 5000);
  assertEquals(parseGoDuration("1h30m"), 5400000);
  assertEquals(parseGoDuration("1.5ms"), 1.5);
  assertEquals(parseGoDuration("-5s"), -5000);
  assertEquals(parseGoDuration("0"), 0);
  assertEquals(parseGoDuration("1.s"), 1000);
  for (const bad of ["5", "", "-", ".s", "1x", "1.5.3s", "s"]) {
    assertEquals(parseGoDuration(bad), undefined, bad);
  }
});
