import {
  actionValue,
  compileSeccomp,
  enosysPatch,
  FLAG_NEW_LISTENER,
} from "../../core/seccomp/compile.ts";
import { libseccomp } from "../../ffi/libseccomp.ts";
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { skipName } from "../integration/_util.ts";

/** Why the tests that compile with libseccomp cannot run here, or undefined when they can. */
const noLibseccomp = libseccomp() === undefined
  ? "needs libseccomp.so.2 (apt-get install libseccomp2)"
  : undefined;

Deno.test("actions have libseccomp's values; errnoRet defaults to EPERM", () => {
  assertEquals(actionValue("SCMP_ACT_ERRNO", undefined), 0x00050001);
  assertEquals(actionValue("SCMP_ACT_ERRNO", 38), 0x00050026);
  assertEquals(actionValue("SCMP_ACT_KILL", undefined), 0);
  assertEquals(actionValue("SCMP_ACT_KILL_THREAD", undefined), 0);
  assertEquals(actionValue("SCMP_ACT_KILL_PROCESS", undefined), 0x80000000);
  assertEquals(actionValue("SCMP_ACT_NOTIFY", undefined), 0x7fc00000);
  assertThrows(() => actionValue("SCMP_ACT_NOPE", undefined), "invalid action");
});

/** Runs a BPF program (just the instructions the patch uses) on a syscall. */
function run(prog: Uint8Array, arch: number, nr: number): number {
  const v = new DataView(prog.buffer, prog.byteOffset, prog.byteLength);
  let a = 0;
  for (let pc = 0; pc < prog.length / 8; pc++) {
    const code = v.getUint16(pc * 8, true),
      jt = v.getUint8(pc * 8 + 2),
      jf = v.getUint8(pc * 8 + 3);
    const k = v.getUint32(pc * 8 + 4, true);
    if (code === 0x20) a = k === 4 ? arch : nr;
    else if (code === 0x15) pc += a === k ? jt : jf;
    else if (code === 0x25) pc += a > k ? jt : jf;
    else if (code === 0x05) pc += k;
    else if (code === 0x06) return k;
    else return -1; // the original program starts here
  }
  return -1;
}

Deno.test("the ENOSYS patch answers syscalls above each architecture's maximum, and only those", () => {
  const original = new Uint8Array([0xff, 0, 0, 0, 0, 0, 0, 0]); // not an instruction the walker knows
  const prog = enosysPatch(original, [{ arch: 0xc000003e, max: 300 }, {
    arch: 0x40000003,
    max: 100,
  }]);
  assertEquals(prog.length, 8 * (4 * 2 + 2) + 8);
  assertEquals(run(prog, 0xc000003e, 301), 0x00050026);
  assertEquals(run(prog, 0xc000003e, 300), -1);
  assertEquals(run(prog, 0x40000003, 101), 0x00050026);
  assertEquals(run(prog, 0x40000003, 50), -1);
  assertEquals(run(prog, 0x12345678, 9999), -1, "other architectures go to the filter");
  assertEquals(enosysPatch(original, [{ arch: 1, max: -1 }]), original);
});

Deno.test({
  name: skipName(
    "a profile compiles with libseccomp; unknown names are skipped; notify asks for a listener",
    noLibseccomp,
  ),
  ignore: !!noLibseccomp,
  fn: () => {
    const lib = libseccomp()!;
    const f = compileSeccomp(lib, {
      defaultAction: "SCMP_ACT_ERRNO",
      flags: ["SECCOMP_FILTER_FLAG_LOG"],
      syscalls: [
        { names: ["read", "no_such_syscall"], action: "SCMP_ACT_ALLOW" },
        { names: ["mkdir"], action: "SCMP_ACT_NOTIFY" },
      ],
    });
    assert(f.program.length > 0 && f.program.length % 8 === 0);
    assertEquals(f.notify, true);
    assertEquals(f.flags, 2 | FLAG_NEW_LISTENER);
    assertThrows(
      () =>
        compileSeccomp(lib, { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_NOPE"] }),
      "unrecognized architecture",
    );
    assertThrows(
      () => compileSeccomp(lib, { defaultAction: "SCMP_ACT_ALLOW", flags: ["X"] }),
      "not known",
    );
  },
});

Deno.test({
  name: skipName(
    "notify is refused where the listener could never reach the agent (runc's words)",
    noLibseccomp,
  ),
  ignore: !!noLibseccomp,
  fn: () => {
    const lib = libseccomp()!;
    const notify = (names: string[]) =>
      compileSeccomp(lib, {
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names, action: "SCMP_ACT_NOTIFY" }],
      });
    assertThrows(
      () => notify(["mkdir", "write"]),
      "SCMP_ACT_NOTIFY cannot be used for the write syscall",
    );
    assertThrows(
      () => notify(["sendmsg"]),
      "SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall",
    );
    assertEquals(notify(["read", "close"]).notify, true);
    assertThrows(
      () => compileSeccomp(lib, { defaultAction: "SCMP_ACT_NOTIFY" }),
      "SCMP_ACT_NOTIFY cannot be used as default action",
    );
    assertThrows(
      () =>
        compileSeccomp({ ...lib, apiLevel: () => 5 }, {
          defaultAction: "SCMP_ACT_ALLOW",
          syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }],
        }),
      "seccomp notify unsupported: API level: got 5, want at least 6",
    );
  },
});
