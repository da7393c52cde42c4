// The systemd driver's pure parts: unit names and slices, the unit's cgroup
// paths, resources as unit properties, annotations (runc 1.1's behaviour).
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import {
  expandSlice,
  sliceOf,
  systemdCgroup,
  unitName,
  v1UnitPaths,
  v2UnitPath,
} from "../../core/cgroups/systemd/unit.ts";
import {
  cpuQuotaProperties,
  deviceGroup,
  deviceProperties,
  rangeToBits,
  unifiedProperties,
  v1Properties,
  v2Properties,
} from "../../core/cgroups/systemd/properties.ts";
import { annotationProperties, parseVariant } from "../../core/cgroups/systemd/annotations.ts";
import { hostUid, parseVersion, userBusAddress } from "../../core/cgroups/systemd/bus.ts";
import { showProps } from "../../core/cgroups/systemd/manager.ts";
import { containerResources } from "../../core/cgroups/container.ts";
import { defaultSpec } from "../../core/spec/template.ts";
import type { Property } from "../../core/cgroups/systemd/annotations.ts";

const MAX = 2n ** 64n - 1n;
const map = (props: Property[]) => Object.fromEntries(props.map(([n, v]) => [n, v.value]));
const sigs = (props: Property[]) => Object.fromEntries(props.map(([n, v]) => [n, v.sig]));

Deno.test("systemd: slices expand as systemd names them (runc's ExpandSlice)", () => {
  assertEquals(expandSlice("system.slice"), "/system.slice");
  assertEquals(expandSlice("test-a.slice"), "/test.slice/test-a.slice");
  assertEquals(expandSlice("runc-a-b.slice"), "/runc.slice/runc-a.slice/runc-a-b.slice");
  assertEquals(expandSlice("-.slice"), "/");
  for (
    const bad of ["test", ".slice", "test-.slice", "-test.slice", "test--a.slice", "a/b.slice"]
  ) {
    assertThrows(() => expandSlice(bad), `invalid slice name: ${bad}`);
  }
});

Deno.test("systemd: unit names and default slices", () => {
  const d = systemdCgroup(undefined, "c1", false);
  assertEquals(d, {
    parent: "",
    scope_prefix: "runc",
    name: "c1",
    unit: "runc-c1.scope",
    rootless: false,
  });
  assertEquals(sliceOf(d), "system.slice");
  assertEquals(sliceOf(systemdCgroup("", "c1", true)), "user.slice");
  const p = systemdCgroup("machine.slice:libpod:abc", "c1", false);
  assertEquals([p.unit, sliceOf(p)], ["libpod-abc.scope", "machine.slice"]);
  assertEquals(unitName("x", "my-pod.slice"), "my-pod.slice");
  assertThrows(
    () => systemdCgroup("a:b", "c1", false),
    'expected cgroupsPath to be of format "slice:prefix:name"',
  );
});

Deno.test("systemd: the unit's directories on cgroup v2 and v1", () => {
  const root = systemdCgroup("system.slice:runc-it:c1", "c1", false);
  assertEquals(v2UnitPath("/sys/fs/cgroup", root), "/sys/fs/cgroup/system.slice/runc-it-c1.scope");
  const nested = systemdCgroup("runc-a-b.slice:p:c1", "c1", false);
  assertEquals(
    v2UnitPath("/sys/fs/cgroup", nested),
    "/sys/fs/cgroup/runc.slice/runc-a.slice/runc-a-b.slice/p-c1.scope",
  );
  // Rootless: under the user manager's cgroup, user.slice by default.
  const user = systemdCgroup("", "c1", true);
  assertEquals(
    v2UnitPath("/sys/fs/cgroup", user, "/user.slice/user-1000.slice/user@1000.service"),
    "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/user.slice/runc-c1.scope",
  );
  // v1: PID 1's cgroup less init.scope; the hybrid's unified hierarchy too.
  const mounts = new Map([
    ["devices", "/cg/devices"],
    ["memory", "/cg/memory"],
    ["name=systemd", "/cg/systemd"],
    ["misc", "/cg/misc"],
  ]);
  const init = new Map([["name=systemd", "/init.scope"], ["", "/init.scope"], ["memory", "/"]]);
  assertEquals(v1UnitPaths(mounts, "/cg/unified", init, root), {
    devices: "/cg/devices/system.slice/runc-it-c1.scope",
    memory: "/cg/memory/system.slice/runc-it-c1.scope",
    "name=systemd": "/cg/systemd/system.slice/runc-it-c1.scope",
    "": "/cg/unified/system.slice/runc-it-c1.scope",
  });
  assertThrows(
    () => v1UnitPaths(new Map([["memory", "/m"]]), undefined, init, root),
    "mountpoint for devices not found",
  );
});

Deno.test("systemd: resources as cgroup v2 unit properties", () => {
  const props = v2Properties({
    memory: { limit: 100 * 1024 * 1024, reservation: 50 * 1024 * 1024, swap: 200 * 1024 * 1024 },
    cpu: { shares: 1024, quota: 50000, period: 100000, cpus: "0-1", mems: "0" },
    pids: { limit: 100 },
  }, { version: 252, warn: () => {} });
  assertEquals(map(props), {
    MemoryMax: 104857600n,
    MemoryLow: 52428800n,
    MemorySwapMax: 104857600n,
    CPUWeight: 39n,
    CPUQuotaPeriodUSec: 100000n,
    CPUQuotaPerSecUSec: 500000n,
    TasksMax: 100n,
    AllowedCPUs: new Uint8Array([3]),
    AllowedMemoryNodes: new Uint8Array([1]),
  });
  assertEquals(sigs(props).AllowedCPUs, "ay");
  assertEquals(sigs(props).TasksMax, "t");
  // -1 is systemd's infinity; an old systemd gets neither the period nor the cpusets.
  const old = v2Properties({
    memory: { limit: -1 },
    pids: { limit: -1 },
    cpu: { period: 50000, cpus: "1" },
  }, { version: 241, warn: () => {} });
  assertEquals(map(old), {
    MemoryMax: MAX,
    MemorySwapMax: MAX,
    TasksMax: MAX,
    CPUQuotaPerSecUSec: MAX,
  });
  // Nothing given, nothing set; no devices key, no device properties.
  assertEquals(v2Properties({}, { version: 252, warn: () => {} }), []);
});

Deno.test("systemd: resources as cgroup v1 unit properties", () => {
  const props = v1Properties({
    memory: { limit: 1000000 },
    cpu: { shares: 512, quota: 20000 },
    blockIO: { weight: 300 },
    pids: { limit: 5 },
  }, { version: 252, warn: () => {} });
  assertEquals(map(props), {
    MemoryLimit: 1000000n,
    CPUShares: 512n,
    CPUQuotaPerSecUSec: 200000n,
    BlockIOWeight: 300n,
    TasksMax: 5n,
  });
});

Deno.test("systemd: CPU quota per second rounds up to whole percents (runc's addCpuQuota)", () => {
  assertEquals(map(cpuQuotaProperties(33333n, 100000n, 252)), {
    CPUQuotaPeriodUSec: 100000n,
    CPUQuotaPerSecUSec: 340000n,
  });
  assertEquals(map(cpuQuotaProperties(-1n, 0n, 252)), { CPUQuotaPerSecUSec: MAX });
  assertEquals(cpuQuotaProperties(0n, 0n, 252), []);
});

Deno.test("systemd: cpusets as systemd's byte masks", () => {
  assertEquals(rangeToBits("0"), new Uint8Array([1]));
  assertEquals(rangeToBits("0-3"), new Uint8Array([0x0f]));
  assertEquals(rangeToBits("4-7"), new Uint8Array([0xf0]));
  // Byte i holds CPUs 8i..8i+7.
  assertEquals(rangeToBits("8"), new Uint8Array([0, 1]));
  assertEquals(rangeToBits("0-3,32-33"), new Uint8Array([0x0f, 0, 0, 0, 3]));
  assertEquals(rangeToBits("    , 1   , 3  ,  5-7,\t"), new Uint8Array([0xea]));
  for (const bad of ["", "-", "1-", "-3", "54-53", "1 - 2", "x"]) {
    assertThrows(() => rangeToBits(bad));
  }
});

Deno.test("systemd: unified keys systemd has properties for", () => {
  const props = unifiedProperties({
    "cpu.max": "max 50000",
    "cpu.weight": "200",
    "memory.high": "max",
    "memory.min": " 4096 ",
    "pids.max": "10",
    "cpuset.cpus": "2",
    "io.max": "8:0 rbps=1",
  }, 252);
  assertEquals(map(props), {
    CPUQuotaPeriodUSec: 50000n,
    CPUQuotaPerSecUSec: MAX,
    CPUWeight: 200n,
    MemoryHigh: MAX,
    MemoryMin: 4096n,
    TasksMax: 10n,
    AllowedCPUs: new Uint8Array([4]),
  });
  assertThrows(() => unifiedProperties({ "a/b.max": "1" }, 252), "must be a file name");
  assertThrows(() => unifiedProperties({ "nodot": "1" }, 252), "CONTROLLER.PARAMETER");
  assertThrows(() => unifiedProperties({ "memory.max": "lots" }, 252), "value conversion error");
});

const PROC_DEVICES =
  "Character devices:\n  1 mem\n  5 /dev/tty\n136 pts\n\nBlock devices:\n  8 sd\n";

Deno.test("systemd: runc's default device rules as DevicePolicy and DeviceAllow", () => {
  const spec = defaultSpec({ rootless: false });
  const warned: string[] = [];
  const props = deviceProperties(containerResources(spec).devices!, {
    version: 252,
    warn: (m) => warned.push(m),
    procDevices: () => PROC_DEVICES,
    exists: (p) => p !== "/dev/char/10:200" && p !== "/sys/dev/char/10:200",
  });
  assertEquals(props.map(([n]) => n), ["DevicePolicy", "DeviceAllow", "DeviceAllow"]);
  assertEquals(map(props.slice(0, 1)), { DevicePolicy: "strict" });
  assertEquals(props[1]![1], { sig: "a(ss)", value: [] });
  const allow = props[2]![1].value as [string, string][];
  assertEquals(
    new Set(allow.map(([p, a]) => `${p} ${a}`)),
    new Set([
      "char-* m",
      "block-* m",
      "/dev/char/1:3 rwm",
      "/dev/char/1:5 rwm",
      "/dev/char/1:7 rwm",
      "/dev/char/1:8 rwm",
      "/dev/char/1:9 rwm",
      "/dev/char/5:0 rwm",
      "/dev/char/5:2 rwm",
      "char-pts rwm",
    ]),
  );
  assertEquals(warned, ["skipping device /dev/char/10:200 for systemd: no such device"]);
});

Deno.test("systemd: deny lists cannot be said to systemd", () => {
  const ctx = (w: string[]) => ({ version: 252, warn: (m: string) => w.push(m) });
  const w1: string[] = [];
  assertEquals(map(deviceProperties([{ allow: true, access: "rwm" }], ctx(w1))), {
    DevicePolicy: "auto",
    DeviceAllow: [],
  });
  assertEquals(w1, []);
  const w2: string[] = [];
  const p = deviceProperties([{ allow: true, access: "rwm" }, {
    allow: false,
    type: "c",
    major: 1,
    minor: 3,
    access: "rwm",
  }], ctx(w2));
  assertEquals(map(p), { DevicePolicy: "strict", DeviceAllow: [] });
  assert(w2[0]?.includes("systemd doesn't support blacklist device rules"));
  const w3: string[] = [];
  deviceProperties([{ allow: true, type: "c", minor: 3, access: "r" }], ctx(w3));
  assert(w3[0]?.includes("systemd doesn't support '*:n' device rules"), w3.join());
  assertEquals(deviceGroup(PROC_DEVICES, "b", 8), "sd");
  assertEquals(deviceGroup(PROC_DEVICES, "c", 8), undefined);
});

Deno.test("systemd: org.systemd.property.* annotations with typed values", () => {
  const props = annotationProperties({
    "org.systemd.property.CollectMode": "'inactive-or-failed'",
    "org.systemd.property.TimeoutStopSec": "uint64 5",
    "org.systemd.property.RuntimeMaxSec": "2.5",
    "org.systemd.property.CPUWeight": "@t 123",
    "org.systemd.property.IgnoreOnIsolate": "true",
    "org.systemd.property.Environment": '["A=1", "B=2"]',
    "org.systemd.property.RestartSec": "7",
    "other.annotation": "x",
  });
  assertEquals(props, [
    ["CollectMode", { sig: "s", value: "inactive-or-failed" }],
    ["TimeoutStopUSec", { sig: "t", value: 5000000n }],
    ["RuntimeMaxUSec", { sig: "t", value: 2500000n }],
    ["CPUWeight", { sig: "t", value: 123n }],
    ["IgnoreOnIsolate", { sig: "b", value: true }],
    ["Environment", { sig: "as", value: ["A=1", "B=2"] }],
    ["RestartUSec", { sig: "t", value: 7000000n }],
  ]);
  assertThrows(
    () => annotationProperties({ "org.systemd.property.ab": "1" }),
    "annotation org.systemd.property.ab name incorrect: too short",
  );
  assertThrows(
    () => annotationProperties({ "org.systemd.property.Foo1": "1" }),
    "name incorrect: contains non-alphabetic character",
  );
  assertThrows(
    () => annotationProperties({ "org.systemd.property.TasksMax": "5000000000" }),
    "annotation org.systemd.property.TasksMax=5000000000 value parse error: value out of range",
  );
  assertThrows(
    () => annotationProperties({ "org.systemd.property.TimeoutStopSec": "'x'" }),
    "value parse error: not a number",
  );
  assertEquals(parseVariant("int32 -5"), { sig: "i", value: -5 });
  assertEquals(parseVariant('"a\\tb"'), { sig: "s", value: "a\tb" });
  assertEquals(parseVariant("@ay [1, 2]"), { sig: "ay", value: new Uint8Array([1, 2]) });
  assertEquals(parseVariant("@as []"), { sig: "as", value: [] });
  assertThrows(() => parseVariant("[]"), "cannot infer");
  assertThrows(() => parseVariant("yes"), "unknown word");
  assertThrows(() => parseVariant("'open"), "unterminated string");
});

Deno.test("systemd: versions, the user's bus, the uid outside a user namespace", () => {
  assertEquals(parseVersion("v245.4-1.fc32"), 245);
  assertEquals(parseVersion("252.22-1~deb12u1"), 252);
  assertEquals(
    userBusAddress((k) => ({ DBUS_SESSION_BUS_ADDRESS: "unix:path=/x" })[k]),
    "unix:path=/x",
  );
  assertThrows(
    () => userBusAddress((k) => ({ XDG_RUNTIME_DIR: "/nonexistent/run" })[k]),
    "/nonexistent/run/bus does not exist",
  );
  assertThrows(() => userBusAddress(() => undefined), "XDG_RUNTIME_DIR is not set");
  assertEquals(
    hostUid(0, "         0       1000          1\n         1     100000      65536\n"),
    1000,
  );
  assertEquals(
    hostUid(5, "         0       1000          1\n         1     100000      65536\n"),
    100004,
  );
  assertEquals(hostUid(0, "         0          0 4294967295\n"), 0);
  assertEquals(
    showProps([["Slice", { sig: "s", value: "system.slice" }], ["PIDs", {
      sig: "au",
      value: [7],
    }]]),
    '[{Name:Slice Value:"system.slice"} {Name:PIDs Value:[7]}]',
  );
});
