/**
 * The init stub refuses a malformed program with a clear error before it
 * runs any of it: a wrong header, a size that lies, an unknown op, more
 * strings than an op takes, an unterminated string, negative or mismatched
 * counts. Each program is sent to the real stub (no root needed).
 */
import { assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { needsRoot, needsRunc, skipName, TESTPROG } from "./_util.ts";
import {
  CgroupJoin,
  encodeProgram,
  type Op,
  Opcode,
  PROGRAM_HEADER_SIZE,
  RecordReader,
  Tag,
} from "../../core/init/protocol.ts";
import { ops } from "../../core/init/ops.ts";

const why = needsRunc();
const HEADER = { flags: 0, sigIgnored: 0n };

/** Runs the stub on raw program bytes; its exit code and the first error it sends. */
async function runStub(bytes: Uint8Array<ArrayBuffer>): Promise<{ code: number; error: string }> {
  const { ffiSys: sys } = await import("../../ffi/helper.ts");
  const [ours, theirs] = sys.socketpair();
  const pid = sys.spawnInitStub(theirs, "/");
  sys.close(theirs);
  let reaped = false;
  try {
    sys.send(ours, bytes);
    const buf = new Uint8Array(65536);
    const reader = new RecordReader();
    let error = "";
    for (;;) {
      const { n, fd } = await sys.recvWithFd(ours, buf, 5000);
      if (fd >= 0) sys.close(fd);
      if (n === 0) break;
      const rec = reader.push(buf.subarray(0, n));
      if (rec?.tag === Tag.ERROR && !error) error = `${rec.text} (errno ${rec.err})`;
    }
    const { status } = await sys.waitpid(pid);
    reaped = true;
    return { code: (status >> 8) & 0xff, error };
  } finally {
    sys.close(ours);
    // A send or a receive that failed (a timeout: the stub hangs) leaves the
    // stub running: it is killed and reaped, not left behind.
    if (!reaped) {
      try {
        sys.kill(pid, 9);
      } catch { /* it ended already */ }
      await sys.waitpid(pid).catch(() => {});
    }
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
  name: skipName("a cgroup the stub cannot join fails in runc's words, naming the file", why),
  ignore: !!why,
  async fn() {
    const dir = "/sys/fs/cgroup/runc-no-such-cgroup";
    for (
      const [how, text] of [
        [CgroupJoin.TASKS, `write ${dir}/tasks`],
        [CgroupJoin.CLONE_INTO, `open ${dir}`],
      ] as const
    ) {
      const { code, error } = await runStub(program([ops.joinCgroup(dir, how), ops.exit()]));
      assertEquals(code, 1, error);
      assertEquals(
        error,
        `unable to apply cgroup configuration: failed to write "0": ${text} (errno 2)`,
      );
    }
  },
});

/** readelf's output (stdout: its "no dynamic section" note too), in the C locale. */
async function readelf(...args: string[]): Promise<string> {
  const out = await new Deno.Command("readelf", {
    args,
    env: { LC_ALL: "C" },
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test({
  name: skipName('a /proc path with ".." is refused, even one that stays on procfs', why),
  ignore: !!why,
  async fn() {
    // /proc/PID/task/../comm is the stub's own comm: harmless were it written,
    // and a "net/../../sysrq-trigger" sysctl climbs the same way.
    const { code, error } = await runStub(
      program([ops.writeFile("/proc/self/task/../comm", "x"), ops.exit()]),
    );
    assertEquals(code, 1, error);
    assertStringIncludes(error, '".." in a /proc path');
    assertStringIncludes(error, "(errno 1)");
  },
});

const CSRC = new URL(`../../build/csrc/${Deno.build.arch}/`, import.meta.url).pathname;

Deno.test({
  name: skipName(
    "the C is built hardened: full RELRO and bound at start (libruncffi.so and runc-init)",
    why,
  ),
  ignore: !!why,
  async fn() {
    const lib = `${CSRC}libruncffi.so`;
    assertStringIncludes(await readelf("-lW", lib), "GNU_RELRO");
    assertStringIncludes(await readelf("-dW", lib), "BIND_NOW");
    assertStringIncludes(await readelf("-sW", lib), "__stack_chk_fail");
    // The init stub, linked statically: its RELRO segment as the library's.
    const init = `${CSRC}runc-init`;
    assertStringIncludes(await readelf("-lW", init), "GNU_RELRO");
    // BIND_NOW applies to what a dynamic linker binds: a static executable
    // has no dynamic section, nothing is bound lazily. Should the stub ever
    // be linked dynamically, it must be bound at start like the library.
    const dynamic = await readelf("-dW", init);
    if (!dynamic.includes("There is no dynamic section")) {
      assertStringIncludes(dynamic, "BIND_NOW", "runc-init is dynamic: bound at start");
    }
    // No stack protector check for runc-init: stripped and static, it has no
    // __stack_chk_fail symbol to show, and the canary reads (%fs:0x28 on
    // x86_64) cannot be told from libc's own: Debian's musl and glibc are both
    // built with the protector, so a stub built without it still has them.
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

Deno.test({
  name: skipName(
    "a write that says what it is for names it before Go's `write <path>`; /proc/thread-self is the stub's thread",
    why,
  ),
  ignore: !!why,
  async fn() {
    // The first write goes through (the stub's own thread's name), so the
    // error is the second's: a label no LSM takes, nor the kernel without one.
    const { code, error } = await runStub(program([
      ops.writeFile("/proc/thread-self/comm", "runc-init-test"),
      ops.writeFile("/proc/thread-self/attr/current", "runc-test-bad", "can't set process label"),
      ops.exit(),
    ]));
    assertEquals(code, 1, error);
    assertEquals(error, "can't set process label: write /proc/thread-self/attr/current (errno 22)");
    // An empty `what`: Go's words alone (runc's exec'd process words its errors so).
    const plain = await runStub(program([
      ops.writeFile("/proc/self/attr/runc-none", "x", ""),
      ops.exit(),
    ]));
    assertEquals(plain.error, "open /proc/self/attr/runc-none (errno 2)");
    const bad = await runStub(program([
      ops.writeFile("/proc/self/attr/current", "runc-test-bad", ""),
      ops.exit(),
    ]));
    assertEquals(bad.error, "write /proc/self/attr/current (errno 22)");
  },
});

const xattrs = needsRoot("sets a trusted.* extended attribute");
Deno.test({
  name: skipName("OP_SETXATTR sets an attribute of a path inside the root, or names it", xattrs),
  ignore: !!xattrs,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "runc-xattr-" });
    try {
      await Deno.writeTextFile(`${dir}/f`, "");
      const ok = await runStub(program([
        ops.openRoot(dir),
        ops.setxattr("/f", "trusted.runc-test", "system_u:object_r:x_t:s0"),
        ops.exit(),
      ]));
      assertEquals([ok.code, ok.error], [0, ""]);
      const out = await new Deno.Command(TESTPROG, {
        args: ["getxattr", `${dir}/f`, "trusted.runc-test"],
        stdout: "piped",
      }).output();
      assertEquals(new TextDecoder().decode(out.stdout), "system_u:object_r:x_t:s0\n");
      const missing = await runStub(program([
        ops.openRoot(dir),
        ops.setxattr("/../missing", "trusted.runc-test", "v"),
        ops.exit(),
      ]));
      assertEquals(missing.code, 1);
      assertEquals(missing.error, "open /../missing to set trusted.runc-test (errno 2)");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
