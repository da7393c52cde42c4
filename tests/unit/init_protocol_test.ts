import {
  Chdir,
  CHUNK,
  encodeContinue,
  encodeProgram,
  MAGIC,
  OP_HEADER_SIZE,
  Opcode,
  PROGRAM_HEADER_SIZE,
  ProgramFlag,
  RecordReader,
  Tag,
  VERSION,
} from "../../core/init/protocol.ts";
import { ops } from "../../core/init/ops.ts";
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { recordBytes } from "./_fake_sys.ts";

const HEADER = { flags: ProgramFlag.DEBUG, sigIgnored: 0x4n };

Deno.test("encodeProgram lays out the header, each op and its strings as csrc/protocol.h", () => {
  const bytes = encodeProgram([
    ops.mount({ source: "src", target: "/dst", data: "x=1", flags: 0x1000, kind: 2 }),
    ops.ready(),
  ], HEADER);
  const view = new DataView(bytes.buffer);
  assertEquals(view.getUint32(0, true), MAGIC);
  assertEquals(view.getUint32(4, true), VERSION);
  assertEquals(Number(view.getBigUint64(8, true)), bytes.length);
  assertEquals(view.getUint32(16, true), 2);
  assertEquals(view.getUint32(20, true), ProgramFlag.DEBUG);
  assertEquals(view.getBigUint64(24, true), 0n, "reserved");
  assertEquals(view.getBigUint64(32, true), 0x4n);
  const op = PROGRAM_HEADER_SIZE;
  assertEquals(view.getUint32(op, true), Opcode.MOUNT);
  assertEquals(view.getUint32(op + 4, true), 4);
  const size = Number(view.getBigUint64(op + 8, true));
  assertEquals(size % 8, 0, "ops are padded to 8 bytes");
  assertEquals(view.getBigInt64(op + 16, true), 0x1000n);
  assertEquals(view.getBigInt64(op + 24, true), 2n);
  assertEquals(view.getBigInt64(op + 32, true), 0o755n);
  const text = new TextDecoder().decode(bytes.subarray(op + OP_HEADER_SIZE, op + size));
  assertEquals(text.replace(/\0+$/, "\0"), "src\0/dst\0\0x=1\0");
  assertEquals(view.getUint32(op + size, true), Opcode.READY);
  assertEquals(op + size + OP_HEADER_SIZE, bytes.length);
});

Deno.test("encodeProgram keeps negative and 64-bit numbers", () => {
  const bytes = encodeProgram([ops.setrlimit(7, -1n, 2n ** 62n)], HEADER);
  const view = new DataView(bytes.buffer);
  assertEquals(view.getBigInt64(PROGRAM_HEADER_SIZE + 24, true), -1n);
  assertEquals(view.getBigInt64(PROGRAM_HEADER_SIZE + 32, true), 2n ** 62n);
});

Deno.test("no limit but the kernel's: thousands of strings, strings of 128 KiB", () => {
  const env = Array.from(
    { length: 5000 },
    (_, i) => `SERVICE_${i}_PORT=tcp://10.0.0.${i % 250}:80`,
  );
  const big = "x".repeat(128 * 1024 - 1);
  const bytes = encodeProgram([ops.exec(["java", big], env)], HEADER);
  assert(bytes.length > 2 * CHUNK, "a program longer than a message");
  assertEquals(new DataView(bytes.buffer).getUint32(PROGRAM_HEADER_SIZE + 4, true), 5002);
});

Deno.test("encodeProgram refuses NUL bytes and a fifth number", () => {
  assertThrows(() => encodeProgram([ops.chdir("/a\0b", Chdir.CWD)], HEADER), "NUL");
  assertThrows(
    () => encodeProgram([{ op: Opcode.CAPS, num: [1, 2, 3, 4, 5] }], HEADER),
    "more than 4",
  );
});

Deno.test("CONTINUE is an op header alone", () => {
  const bytes = encodeContinue();
  const view = new DataView(bytes.buffer);
  assertEquals(bytes.length, OP_HEADER_SIZE);
  assertEquals(view.getUint32(0, true), Opcode.CONTINUE);
});

/** A record as the stub sends it (index 12, pid 99), by the fake stub's encoder. */
function record(tag: number, text: string, more = false, err = 0): Uint8Array {
  return recordBytes({ tag, index: 12, err, pid: 99, text, more });
}

Deno.test("records: tag, index, errno, pid and a text of any length, in parts", () => {
  const r = new RecordReader();
  assertEquals(r.push(record(Tag.ERROR, "mount proc to /proc", false, 1)), {
    tag: Tag.ERROR,
    index: 12,
    err: 1,
    pid: 99,
    text: "mount proc to /proc",
  });
  assertEquals(r.push(record(Tag.ERROR, "error running hook: ", true)), undefined);
  assertEquals(r.push(record(Tag.ERROR, "stdout: ", true)), undefined);
  assertEquals(
    r.push(record(Tag.ERROR, "x".repeat(70000)))?.text,
    `error running hook: stdout: ${"x".repeat(70000)}`,
  );
  assertThrows(() => r.push(new Uint8Array(10)), "Short record");
  const bad = record(Tag.DEBUG, "abc");
  new DataView(bad.buffer).setUint32(20, 10, true);
  assertThrows(() => r.push(bad), "says its text has 10");
});
