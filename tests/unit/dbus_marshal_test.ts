// D-Bus marshalling against byte sequences worked out by hand from the
// specification's alignment rules (little-endian).
import { assertEquals, assertThrows } from "./_assert.ts";
import { marshal, splitSignature, unmarshal } from "../../core/dbus/marshal.ts";
import {
  decodeMessage,
  encodeMessage,
  messageLength,
  MessageType,
} from "../../core/dbus/message.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

function roundTrip(sig: string, values: unknown[], expected: Uint8Array) {
  const got = marshal(sig, values);
  assertEquals(got, expected, `marshal ${sig}`);
  assertEquals(unmarshal(sig, got), values, `unmarshal ${sig}`);
}

Deno.test("marshal: basic types with their alignment", () => {
  roundTrip("y", [7], bytes(7));
  roundTrip("b", [true], bytes(1, 0, 0, 0));
  // y then u: the u is padded to offset 4.
  roundTrip("yu", [1, 0x01020304], bytes(1, 0, 0, 0, 4, 3, 2, 1));
  // y then t: padded to offset 8.
  roundTrip("yt", [1, 2n], bytes(1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0));
  roundTrip("x", [-1n], bytes(255, 255, 255, 255, 255, 255, 255, 255));
  roundTrip("i", [-2], bytes(0xfe, 0xff, 0xff, 0xff));
  // s: u32 length, bytes, nul; o the same.
  roundTrip("s", ["ab"], bytes(2, 0, 0, 0, 0x61, 0x62, 0));
  roundTrip("o", ["/a"], bytes(2, 0, 0, 0, 0x2f, 0x61, 0));
  // g: one length byte.
  roundTrip("g", ["as"], bytes(2, 0x61, 0x73, 0));
  roundTrip("d", [1], bytes(0, 0, 0, 0, 0, 0, 0xf0, 0x3f));
});

Deno.test("marshal: arrays pad to the element's alignment, not counted in the length", () => {
  roundTrip("as", [["a", "b"]], bytes(14, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 1, 0, 0, 0, 0x62, 0));
  // at: length 8, then 4 bytes of padding to offset 8, then the element.
  roundTrip("at", [[5n]], bytes(8, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0));
  // An empty array of structs still pads to 8 after its length.
  roundTrip("a(sv)", [[]], bytes(0, 0, 0, 0, 0, 0, 0, 0));
  roundTrip("ay", [bytes(1, 2, 3)], bytes(3, 0, 0, 0, 1, 2, 3));
  roundTrip("au", [[1]], bytes(4, 0, 0, 0, 1, 0, 0, 0));
});

Deno.test("marshal: structs, variants and a(sv) as systemd's properties", () => {
  // (sv) with v = b true: s "D" (4+1+1 = 6 bytes), v: g "b" (3 bytes) at 6,
  // then the boolean aligned to 12.
  roundTrip(
    "a(sv)",
    [[["D", { sig: "b", value: true }]]],
    bytes(16, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x44, 0, 1, 0x62, 0, 0, 0, 0, 1, 0, 0, 0),
  );
  // v holding a t: g "t" then padding to 8.
  roundTrip(
    "v",
    [{ sig: "t", value: 1n }],
    bytes(1, 0x74, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0),
  );
  // A dict entry a{sy}.
  roundTrip("a{sy}", [[["k", 9]]], bytes(7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x6b, 0, 9));
});

Deno.test("marshal: values that do not fit are refused", () => {
  assertThrows(() => marshal("y", [256]), "cannot marshal 256");
  assertThrows(() => marshal("u", [-1]), "cannot marshal");
  assertThrows(() => marshal("t", [-1n]), "cannot marshal");
  assertThrows(() => marshal("b", [1]), "cannot marshal");
  assertThrows(() => marshal("o", ["not/a/path"]), "invalid object path");
  assertThrows(() => marshal("s", ["a\0b"]), "cannot marshal");
  assertThrows(() => marshal("su", ["x"]), "takes 2 values");
  assertThrows(() => splitSignature("a(s"), "unclosed");
  assertThrows(() => splitSignature("a"), "ends early");
  assertThrows(() => unmarshal("s", bytes(5, 0, 0, 0, 0x61)), "message ends early");
});

Deno.test("message: a method call's header as the specification lays it out", () => {
  const m = encodeMessage({
    type: MessageType.METHOD_CALL,
    serial: 1,
    path: "/",
    member: "M",
    signature: "u",
    body: [7],
  });
  // l, METHOD_CALL, flags 0, version 1, body length 4, serial 1.
  assertEquals([...m.subarray(0, 12)], [0x6c, 1, 0, 1, 4, 0, 0, 0, 1, 0, 0, 0]);
  // Fields: (1, o "/") (3, s "M") (8, g "u"), each struct 8-aligned.
  const fields = [
    1,
    1,
    0x6f,
    0,
    1,
    0,
    0,
    0,
    0x2f,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    3,
    1,
    0x73,
    0,
    1,
    0,
    0,
    0,
    0x4d,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    8,
    1,
    0x67,
    0,
    1,
    0x75,
    0,
  ];
  assertEquals([...m.subarray(12, 16)], [fields.length, 0, 0, 0]);
  assertEquals([...m.subarray(16, 16 + fields.length)], fields);
  // Padding to 8, then the body.
  assertEquals([...m.subarray(56)], [7, 0, 0, 0]);
  assertEquals(messageLength(m), m.length);
  assertEquals(messageLength(m.subarray(0, 10)), 0);
  const d = decodeMessage(m);
  assertEquals([d.type, d.serial, d.path, d.member, d.signature, d.body], [1, 1, "/", "M", "u", [
    7,
  ]]);
});

Deno.test("message: a big-endian message decodes too", () => {
  // B, METHOD_RETURN, flags 0, version 1, body 4, serial 2, fields:
  // (5, u 1) (8, g "u"), body u 0x01020304.
  const m = bytes(
    0x42,
    2,
    0,
    1,
    0,
    0,
    0,
    4,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    15,
    5,
    1,
    0x75,
    0,
    0,
    0,
    0,
    1,
    8,
    1,
    0x67,
    0,
    1,
    0x75,
    0,
    0,
    1,
    2,
    3,
    4,
  );
  assertEquals(messageLength(m), m.length);
  const d = decodeMessage(m);
  assertEquals([d.type, d.replySerial, d.signature, d.body], [2, 1, "u", [0x01020304]]);
  assertThrows(
    () => messageLength(bytes(0x58, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
    "byte order",
  );
});
