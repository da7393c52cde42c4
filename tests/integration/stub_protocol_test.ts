/**
 * The init stub refuses a malformed program with a clear error before it
 * runs any of it: a wrong header, a size that lies, an unknown op, more
 * strings than an op takes, an unterminated string, negative or mismatched
 * counts. Each program is sent to the real stub (no root needed).
 */
import { assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { needsRoot, needsRunc, skipName } from "./_util.ts";
import {
  encodeProgram,
  type Op,
  Opcode,
  PROGRAM_HEADER_SIZE,
  RecordReader,
  Tag,
} from "../../core/init/protocol.ts";
import { ops } from "../../core/init/ops.ts";

const why = needsRunc();
const HEADER = { flags: 0, cliPid: Deno.pid, sigIgnored: 0n };

/** Runs the stub on raw program bytes; its exit code and the first error it sends. */
async function runStub(bytes: Uint8Array<ArrayBuffer>): Promise<{ code: number; error: string }> {
  const { ffiSys: sys } = await import("../../ffi/helper.ts");
  const [ours, theirs] = sys.socketpair();
  const pid = sys.spawnInitStub(theirs, "/");
  sys.close(theirs);
  try {
    sys.send(ours, bytes);
    const buf = new Uint8Array(65536);
    const reader = new RecordReader();
    let error = "";
    for (;;) {
      const { n } = await sys.recvWithFd(ours, buf, 5000);
      if (n === 0) break;
      const rec = reader.push(buf.subarray(0, n));
      if (rec?.tag === Tag.ERROR && !error) error = `${rec.text} (errno ${rec.err})`;
    }
    const { status } = await sys.waitpid(pid);
    return { code: (status >> 8) & 0xff, error };
  } finally {
    sys.close(ours);
  }
}

function program(list: Op[]): Uint8Array<ArrayBuffer> {
  return encodeProgram(list, HEADER);
}

Deno.test({
  name: skipName(
    "a malformed init program is refused, with what is wrong, before any op runs",
    why,
  ),
  ignore: !!why,
  async fn() {
    const cases: [string, Uint8Array<ArrayBuffer>, string][] = [];
    const bad = program([ops.exit()]);
    new DataView(bad.buffer).setUint32(0, 0x12345678, true);
    cases.push(["magic", bad, "not an init program of this runc"]);

    const longer = program([ops.exit()]);
    new DataView(longer.buffer).setBigUint64(8, BigInt(PROGRAM_HEADER_SIZE + 8), true);
    cases.push(["size", longer, "longer than its header says"]);

    cases.push(["unknown op", program([{ op: 99 as Opcode }]), "unknown op 99"]);
    cases.push([
      "too many strings",
      program([{ op: Opcode.CHDIR, str: ["/a", "/b"], num: [0] }]),
      "2 strings where 1 to 1 are allowed",
    ]);
    cases.push([
      "too few strings",
      program([{ op: Opcode.MOUNT, str: ["a"] }]),
      "1 strings where 4 to 4",
    ]);

    const unterminated = program([ops.chdir("/abcdefg", 0)]);
    // The string's NUL and the padding become letters.
    for (let i = unterminated.length - 8; i < unterminated.length; i++) unterminated[i] = 0x61;
    cases.push(["unterminated", unterminated, "is not terminated"]);

    cases.push([
      "negative argc",
      program([{ op: Opcode.EXEC, num: [-1], str: ["sh"] }]),
      "exec: -1 arguments in 1 strings",
    ]);
    cases.push([
      "argc beyond the strings",
      program([{ op: Opcode.EXEC, num: [5], str: ["sh"] }]),
      "exec: 5 arguments in 1 strings",
    ]);
    const hook = ops.runHook({
      path: "/bin/true",
      args: ["true"],
      env: [],
      timeout: 0,
      stateBefore: "{}",
      stateAfter: "",
      withPid: false,
      label: "h",
    });
    cases.push([
      "hook counts",
      program([{ ...hook, num: [1, -3, 0, 0] }, ops.exit()]),
      "hook: 1 arguments and -3 variables in 5 strings",
    ]);
    cases.push(["negative sweep", program([ops.sweepFds(-1)]), "sweep fds: -1 kept fds"]);
    for (const [what, bytes, text] of cases) {
      const { code, error } = await runStub(bytes);
      assertEquals(code, 1, `${what}: exit code (${error})`);
      assertStringIncludes(error, text, what);
      assertStringIncludes(error, "(errno 71)", `${what}: EPROTO`);
    }
  },
});

Deno.test({
  name: skipName("the C is built hardened: full RELRO and bound at start", why),
  ignore: !!why,
  async fn() {
    const lib =
      new URL(`../../build/csrc/${Deno.build.arch}/libruncffi.so`, import.meta.url).pathname;
    const run = async (...args: string[]) =>
      new TextDecoder().decode(
        (await new Deno.Command("readelf", { args, stdout: "piped" }).output()).stdout,
      );
    assertStringIncludes(await run("-lW", lib), "GNU_RELRO");
    assertStringIncludes(await run("-dW", lib), "BIND_NOW");
    assertStringIncludes(await run("-sW", lib), "__stack_chk_fail");
  },
});

const clones = needsRoot("clones into a new user and mount namespace");
Deno.test({
  name: skipName(
    "a bind source the stub cannot open for the init is reported, naming it, before the init's own word",
    clones,
  ),
  ignore: !!clones,
  async fn() {
    const NEWNS = 0x00020000, NEWUSER = 0x10000000;
    const { code, error } = await runStub(program([
      ops.clone(NEWNS | NEWUSER),
      ops.waitParent(true),
      ops.mount({
        source: "/nonexistent/source",
        target: "/x",
        flags: 0x1000,
        kind: 1,
        sourceIndex: 1,
      }),
      ops.exit(),
    ]));
    assertEquals(code, 0, "the stub's part ends at the clone");
    // The stub's own error (ENOENT), first: the init's "receive bind source" comes after.
    assertEquals(error, "open bind source /nonexistent/source (errno 2)");
  },
});
