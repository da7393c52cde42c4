import { assertEquals } from "./_assert.ts";
import { formatLine, goJSONString, goQuote, rfc3339 } from "../../core/log.ts";
import { osErrorText } from "../../core/os/errno.ts";

const T = new Date(Date.UTC(2026, 10, 28, 0, 21, 24));
const utc = new Date().getTimezoneOffset() === 0;
// The expected lines carry local times written for UTC.
const utcSkip = utc ? "" : " (skipped: the local time zone is not UTC)";

Deno.test(`log: text lines as logrus writes them${utcSkip}`, { ignore: !utc }, () => {
  assertEquals(
    formatLine("error", "container does not exist", {}, T, "text"),
    'time="2026-11-28T00:21:24Z" level=error msg="container does not exist"\n',
  );
  assertEquals(
    formatLine("warning", "ok", {}, T, "text"),
    'time="2026-11-28T00:21:24Z" level=warning msg=ok\n',
  );
  assertEquals(formatLine("error", "", {}, T, "text"), 'time="2026-11-28T00:21:24Z" level=error\n');
  assertEquals(
    formatLine("error", "No help topic for 'foo'\n", {}, T, "text"),
    `time="2026-11-28T00:21:24Z" level=error msg="No help topic for 'foo'\\n"\n`,
  );
  assertEquals(
    formatLine("debug", 'runc: "state" x', { pid: 5, b: "a b" }, T, "text"),
    `time="2026-11-28T00:21:24Z" level=debug msg="runc: \\"state\\" x" b="a b" pid=5\n`,
  );
});

Deno.test(`log: json lines as logrus writes them${utcSkip}`, { ignore: !utc }, () => {
  assertEquals(
    formatLine("error", 'a "b" <c>\n', {}, T, "json"),
    '{"level":"error","msg":"a \\"b\\" \\u003cc\\u003e\\n","time":"2026-11-28T00:21:24Z"}\n',
  );
  assertEquals(
    formatLine("info", "m", { zz: 1, aa: true }, T, "json"),
    '{"aa":true,"level":"info","msg":"m","time":"2026-11-28T00:21:24Z","zz":1}\n',
  );
});

Deno.test("log: coloured layout for terminals", () => {
  const line = formatLine("error", "No help topic for 'foo'\n", {}, T, "color");
  assertEquals(
    line.replace(/\[\d{4}\]/, "[0000]"),
    "\x1b[31mERRO\x1b[0m[0000] No help topic for 'foo'" + " ".repeat(22) + "\n",
  );
  const warn = formatLine("warning", "x".repeat(50), { k: "v" }, T, "color");
  assertEquals(
    warn.replace(/\[\d{4}\]/, "[0000]"),
    `\x1b[33mWARN\x1b[0m[0000] ${"x".repeat(50)}  \x1b[33mk\x1b[0m=v\n`,
  );
});

Deno.test("log: Go's %q", () => {
  assertEquals(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assertEquals(goQuote("\n\t\x07\x1b\x7f"), '"\\n\\t\\a\\x1b\\x7f"');
  assertEquals(goQuote("é 日本"), '"é 日本"');
  assertEquals(goQuote("\u00a0\u200b"), '"\\u00a0\\u200b"');
  assertEquals(goQuote("\u{e0001}"), '"\\U000e0001"');
});

Deno.test("log: Go's JSON strings", () => {
  assertEquals(goJSONString("<&>\u2028"), '"\\u003c\\u0026\\u003e\\u2028"');
  assertEquals(goJSONString("\b\f\x01\\b"), '"\\u0008\\u000c\\u0001\\\\b"');
  assertEquals(goJSONString("é"), '"é"');
});

Deno.test("log: RFC 3339 in UTC", { ignore: !utc }, () => {
  assertEquals(rfc3339(T), "2026-11-28T00:21:24Z");
});

Deno.test("log: Deno errors worded like Go", () => {
  try {
    Deno.openSync("/nonexistent-dir-for-test/x");
  } catch (err) {
    assertEquals(osErrorText(err), "no such file or directory");
  }
});

Deno.test("log: --log appends lines to a 0644 file", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/log.json`;
    const script = `
      import { configureLog, logDebug, logError, logInfo, logToStderr } from ${
      JSON.stringify(new URL("../../core/log.ts", import.meta.url).href)
    };
      configureLog({ debug: false, format: "json", file: ${JSON.stringify(file)} });
      logDebug("hidden"); logInfo("one"); logError("two");
      if (logToStderr()) throw new Error("still stderr");`;
    for (let i = 0; i < 2; i++) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--no-config", script],
        stderr: "piped",
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    }
    const lines = Deno.readTextFileSync(file).trim().split("\n").map((l) => JSON.parse(l).msg);
    assertEquals(lines, ["one", "two", "one", "two"]);
    assertEquals(Deno.statSync(file).mode! & 0o777, 0o644 & ~umask());
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

function umask(): number {
  const m = /^Umask:\s*([0-7]+)$/m.exec(Deno.readTextFileSync("/proc/self/status"));
  return m === null ? 0o022 : parseInt(m[1]!, 8);
}
