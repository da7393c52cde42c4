import { assert, assertEquals, assertThrows } from "./_assert.ts";
import {
  blkioWeightToIoWeight,
  cpuSharesToWeight,
  memorySwapToV2,
} from "../../core/cgroups/v2/convert.ts";
import { deviceFilter, encodeProgram, type Insn } from "../../core/cgroups/v2/bpf.ts";
import { containerRules, DeviceEmulator, type DeviceRule } from "../../core/cgroups/devices.ts";
import { ownCgroups, parseSystemdPath, v2Path } from "../../core/cgroups/paths.ts";
import { cleanPathInside as cleanPath } from "../../core/os/path.ts";
import { emptyStats, eventLine, statsJson } from "../../core/cgroups/stats.ts";
import { parseCpuList } from "../../core/cgroups/v1/cpuset.ts";
import { parseBlkio } from "../../core/cgroups/v1/blkio.ts";
import { parseIoStat } from "../../core/cgroups/v2/io.ts";
import {
  ramInBytes,
  resourcesFromFlags,
  resourcesFromJson,
} from "../../core/container/update_request.ts";

Deno.test("v1 to v2 conversions match runc's", () => {
  assertEquals(cpuSharesToWeight(0n), 0n);
  assertEquals(cpuSharesToWeight(2n), 1n);
  assertEquals(cpuSharesToWeight(1024n), 39n);
  assertEquals(cpuSharesToWeight(262144n), 10000n);
  assertEquals(blkioWeightToIoWeight(10), 1);
  assertEquals(blkioWeightToIoWeight(1000), 10000);
  assertEquals(blkioWeightToIoWeight(500), 4950);
  assertEquals(memorySwapToV2(0n, -1n), -1n);
  assertEquals(memorySwapToV2(-1n, 100n), -1n);
  assertEquals(memorySwapToV2(300n, 100n), 200n);
  assertThrows(() => memorySwapToV2(50n, 100n), "memory+swap limit should be >= memory limit");
  assertThrows(() => memorySwapToV2(50n, 0n), "unable to set swap limit without memory limit");
});

Deno.test("paths: /proc/self/cgroup, CleanPath, v2 parent, systemd form", () => {
  const own = ownCgroups("12:cpu,cpuacct:/a\n4:memory:/m/x\n1:name=systemd:/s\n0::/u/me\n");
  assertEquals(own.get("cpu"), "/a");
  assertEquals(own.get("cpuacct"), "/a");
  assertEquals(own.get("name=systemd"), "/s");
  assertEquals(own.get(""), "/u/me");
  assertEquals(cleanPath("../../x/./y/"), "x/y");
  assertEquals(cleanPath("/a/../../b"), "/b");
  assertEquals(v2Path("/sys/fs/cgroup", "c1", own), "/sys/fs/cgroup/u/c1");
  assertEquals(parseSystemdPath("system.slice:docker:abc", "id"), {
    slice: "system.slice",
    prefix: "docker",
    name: "abc",
  });
  assertThrows(
    () => parseSystemdPath("a:b", "id"),
    `expected cgroupsPath to be of format "slice:prefix:name"`,
  );
});

Deno.test("devices: defaults, emulator reduction and v1 transitions", () => {
  const rules = containerRules([{ allow: false, access: "rwm" }], ["/dev/null"]);
  assertEquals(rules.length, 1 + 10); // /dev/null's default rule left to the spec's device
  const emu = DeviceEmulator.of(rules);
  assertEquals(emu.defaultAllow, false);
  assertEquals(emu.rules()[0], { type: "a", major: -1, minor: -1, access: "rwm", allow: false });
  // allow-all then deny one: a deny list with one exception
  const bl = DeviceEmulator.of([
    { type: "a", major: -1, minor: -1, access: "rwm", allow: true },
    { type: "c", major: 1, minor: 3, access: "w", allow: false },
  ]);
  assertEquals(bl.rules().map((r) => `${r.allow} ${r.type} ${r.major}:${r.minor} ${r.access}`), [
    "true a -1:-1 rwm",
    "false c 1:3 w",
  ]);
  // a hole in a wildcard is refused
  assertThrows(
    () =>
      DeviceEmulator.of([
        { type: "a", major: -1, minor: -1, access: "rwm", allow: false },
        { type: "c", major: -1, minor: -1, access: "rwm", allow: true },
        { type: "c", major: 1, minor: 3, access: "r", allow: false },
      ]),
    "cannot punch hole",
  );
  // from devices.list to a target: only the differences
  const cur = DeviceEmulator.fromList("c 1:3 rwm\nc 1:5 rwm\n");
  const target = DeviceEmulator.of([
    { type: "a", major: -1, minor: -1, access: "rwm", allow: false },
    { type: "c", major: 1, minor: 3, access: "rwm", allow: true },
    { type: "c", major: 1, minor: 9, access: "r", allow: true },
  ]);
  assertEquals(
    cur.transition(target).map((r) => `${r.allow} ${r.type} ${r.major}:${r.minor} ${r.access}`),
    [
      "false c 1:5 rwm",
      "true c 1:9 r",
    ],
  );
  assertEquals(DeviceEmulator.fromList("a *:* rwm\n").defaultAllow, true);
});

/** Runs a device filter on one access, as the kernel would (a tiny eBPF interpreter). */
function run(prog: Insn[], type: "c" | "b", major: number, minor: number, access: string): number {
  const acc = [...access].reduce(
    (b, c) => b | ({ m: 1, r: 2, w: 4 } as Record<string, number>)[c]!,
    0,
  );
  const ctx = [((acc << 16) | (type === "c" ? 2 : 1)) >>> 0, major, minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0; pc < prog.length; pc++) {
    const x = prog[pc]!;
    switch (x.code) {
      case 0x61:
        r[x.dst] = ctx[x.off / 4]!;
        break;
      case 0x54:
        r[x.dst] = (r[x.dst]! & x.imm) >>> 0;
        break;
      case 0x74:
        r[x.dst] = r[x.dst]! >>> x.imm;
        break;
      case 0xbc:
        r[x.dst] = r[x.src]!;
        break;
      case 0xb4:
        r[x.dst] = x.imm;
        break;
      case 0x55:
        if (r[x.dst] !== x.imm) pc += x.off;
        break;
      case 0x5d:
        if (r[x.dst] !== r[x.src]) pc += x.off;
        break;
      case 0x95:
        return r[0]!;
      default:
        throw new Error(`opcode ${x.code}`);
    }
  }
  throw new Error("fell off the end");
}

Deno.test("bpf: the device filter has runc's shape and decides as v1 would", () => {
  const none = deviceFilter([]);
  assertEquals(none.length, 8); // prologue, then the default (allow: an empty list allows all)
  assertEquals(none[6], { code: 0xb4, dst: 0, src: 0, off: 0, imm: 1 });
  const rules: DeviceRule[] = containerRules([
    { allow: false, access: "rwm" },
    { allow: true, type: "b", major: 8, minor: 0, access: "r" },
  ]);
  const prog = deviceFilter(rules);
  // block for c 1:3 rwm: type, major, minor, verdict (no access test for rwm)
  const first = prog.findIndex((x) => x.code === 0x55 && x.dst === 4 && x.imm === 1);
  assert(first > 6);
  assertEquals(run(prog, "c", 1, 3, "rw"), 1);
  assertEquals(run(prog, "c", 1, 3, "m"), 1);
  assertEquals(run(prog, "c", 4, 1, "r"), 0);
  assertEquals(run(prog, "c", 4, 1, "m"), 1); // c *:* m
  assertEquals(run(prog, "b", 8, 0, "r"), 1);
  assertEquals(run(prog, "b", 8, 0, "w"), 0);
  assertEquals(run(prog, "c", 136, 7, "rw"), 1); // c 136:* rwm
  assertEquals(run(prog, "c", 10, 200, "w"), 1);
  const bytes = encodeProgram(prog);
  assertEquals(bytes.length, prog.length * 8);
  assertEquals([...bytes.subarray(0, 8)], [0x61, 0x12, 0, 0, 0, 0, 0, 0]);
  const deny = deviceFilter([
    { type: "a", major: -1, minor: -1, access: "rwm", allow: true },
    { type: "c", major: 1, minor: 3, access: "rwm", allow: false },
  ]);
  assertEquals(run(deny, "c", 1, 3, "r"), 0);
  assertEquals(run(deny, "c", 1, 5, "r"), 1);
});

Deno.test("stats: parsers and runc's JSON shape", () => {
  assertEquals(parseCpuList("0-2,5\n"), [0, 1, 2, 5]);
  assertEquals(parseBlkio("8:0 Read 10\n8:0 Write 5\nTotal 15\n"), [
    { major: 8, minor: 0, op: "Read", value: 10 },
    { major: 8, minor: 0, op: "Write", value: 5 },
  ]);
  assertEquals(parseIoStat("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0\n").ios.length, 2);
  const s = emptyStats();
  s.memory.usage.limit = 9223372036854771712;
  s.memory.raw = { b: 0, a: 1 };
  s.pids.current = 1;
  const line = eventLine("stats", "c1", statsJson(s));
  assert(
    line.startsWith(
      `{"type":"stats","id":"c1","data":{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}}`,
    ),
    line,
  );
  assert(line.includes(`"usage":{"limit":9223372036854771712,"failcnt":0}`), line);
  assert(line.includes(`"raw":{"a":1,"b":0}`), line);
  assert(line.includes(`"pids":{"current":1}`), line);
  assert(line.endsWith(`"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}`), line);
  assertEquals(eventLine("oom", "c1"), `{"type":"oom","id":"c1"}`);
});

Deno.test("update: flags and -r documents as runc 1.1 reads them", () => {
  assertEquals(ramInBytes("512m"), 536870912n);
  assertEquals(ramInBytes("1.5g"), 1610612736n);
  assertEquals(ramInBytes("100"), 100n);
  assertThrows(() => ramInBytes("lots"), "invalid size: 'lots'");
  const warnings: string[] = [];
  const r = resourcesFromFlags(
    {
      memory: "10m",
      "memory-swap": "-1",
      "cpu-quota": "-1",
      "cpu-share": "100",
      "pids-limit": 20,
      "blkio-weight": 0,
      "kernel-memory": "1m",
    },
    (w) => warnings.push(w),
  );
  assertEquals(r, {
    memory: { limit: 10485760, swap: -1 },
    cpu: { shares: 100, quota: -1 },
    pids: { limit: 20 },
  });
  assertEquals(warnings, ["Kernel memory settings are ignored and will be removed"]);
  assertThrows(
    () => resourcesFromFlags({ "cpu-period": "x" }, () => {}),
    `invalid value for cpu-period: strconv.ParseUint: parsing "x": invalid syntax`,
  );
  assertEquals(
    resourcesFromJson(
      `{"memory":{"limit":0},"pids":{"limit":5},"devices":[{"allow":true}]}`,
      () => {},
    ),
    { pids: { limit: 5 } },
  );
});
