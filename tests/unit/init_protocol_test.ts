import { decodeRecord, encodeOp, Opcode, RECORD_SIZE, Tag } from "../../core/init/protocol.ts";
import { assertEquals, assertThrows } from "./_assert.ts";

Deno.test("encodeOp lays out the header and NUL-terminated strings as csrc/protocol.h", () => {
  const bytes = encodeOp({ op: Opcode.MOUNT, num: [0x1000, 2], str: ["src", "/dst", "", "x=1"] });
  const view = new DataView(bytes.buffer);
  assertEquals(view.getUint32(0, true), Opcode.MOUNT);
  assertEquals(view.getUint32(4, true), 4);
  assertEquals(view.getBigInt64(8, true), 0x1000n);
  assertEquals(view.getBigInt64(16, true), 2n);
  assertEquals(view.getBigInt64(24, true), 0n);
  const text = new TextDecoder().decode(bytes.subarray(40));
  assertEquals(text, "src\0/dst\0\0x=1\0");
});

Deno.test("encodeOp keeps negative and 64-bit numbers", () => {
  const view = new DataView(encodeOp({ op: Opcode.SETRLIMIT, num: [7, -1n, 2n ** 62n] }).buffer);
  assertEquals(view.getBigInt64(16, true), -1n);
  assertEquals(view.getBigInt64(24, true), 2n ** 62n);
});

Deno.test("encodeOp refuses NUL bytes, too many strings and numbers", () => {
  assertThrows(() => encodeOp({ op: Opcode.CHDIR, str: ["/a\0b"] }), "NUL");
  assertThrows(() => encodeOp({ op: Opcode.EXEC, str: new Array(65).fill("x") }), "more than 64");
  assertThrows(() => encodeOp({ op: Opcode.CAPS, num: [1, 2, 3, 4, 5] }), "more than 4");
  assertThrows(() => encodeOp({ op: Opcode.EXEC, str: ["x".repeat(140000)] }), "too large");
});

Deno.test("decodeRecord reads tag, index, errno, pid and the message", () => {
  const buf = new Uint8Array(RECORD_SIZE);
  const view = new DataView(buf.buffer);
  view.setUint32(0, Tag.ERROR, true);
  view.setInt32(4, 12, true);
  view.setInt32(8, 1, true);
  view.setInt32(12, 0, true);
  buf.set(new TextEncoder().encode("mount proc to /proc"), 16);
  assertEquals(decodeRecord(buf), {
    tag: Tag.ERROR,
    index: 12,
    err: 1,
    pid: 0,
    msg: "mount proc to /proc",
  });
  assertThrows(() => decodeRecord(new Uint8Array(10)), "Short record");
});
