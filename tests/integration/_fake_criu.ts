/**
 * A stand-in for `criu swrk FD` (run through a wrapper passed as runc's
 * --criu): it answers VERSION with $FAKE_CRIU_VERSION (`3.17.1`), saves every
 * other request's bytes to $FAKE_CRIU_DIR/req-N.bin and fails it, so a test
 * can read what runc would have asked CRIU without a kernel CRIU can dump on.
 * The answers are encoded by hand: this file loads no npm package.
 *
 * @module
 */
import { ffiSys } from "../../ffi/helper.ts";

const fd = Number(Deno.args[1]);
if (Deno.args[0] !== "swrk" || !Number.isInteger(fd)) {
  console.error("usage: fake_criu swrk FD");
  Deno.exit(2);
}
const dir = Deno.env.get("FAKE_CRIU_DIR") ?? "/tmp";
const [major, minor, sub] = (Deno.env.get("FAKE_CRIU_VERSION") ?? "3.17.1").split(".").map(
  Number,
);

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}
const field = (id: number, v: number) => [...varint(id << 3), ...varint(v)];
const message = (
  id: number,
  body: number[],
) => [...varint((id << 3) | 2), ...varint(body.length), ...body];

const buf = new Uint8Array(65536);
const n = await ffiSys.recv(fd, buf, 10000);
const req = buf.subarray(0, n);
// criu_req.type is field 1, first on the wire.
const type = req[0] === 0x08 ? req[1]! : 0;
let resp: number[];
if (type === 10) {
  const version = [...field(1, major!), ...field(2, minor!), ...field(4, sub ?? 0)];
  resp = [...field(1, 10), ...field(2, 1), ...message(10, version)];
} else {
  const count = [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith("req-")).length;
  Deno.writeFileSync(`${dir}/req-${count}.bin`, req);
  resp = [...field(1, type), ...field(2, 0), ...field(7, 95)];
}
ffiSys.send(fd, new Uint8Array(resp));
