import { decideRootless, kernelTooOld, kernelVersion, MIN_KERNEL } from "../../core/os/host.ts";
import { assertEquals, assertThrows } from "./_assert.ts";

Deno.test("the kernel check: Linux 4.14 or later, a clear error below", () => {
  assertEquals(MIN_KERNEL, { major: 4, minor: 14 });
  assertEquals(kernelVersion("6.1.0-26-amd64"), { major: 6, minor: 1 });
  assertEquals(kernelTooOld("4.14.0"), undefined);
  assertEquals(kernelTooOld("5.10.0-35-amd64"), undefined);
  assertEquals(kernelTooOld("6.18.1"), undefined);
  assertEquals(
    kernelTooOld("4.9.0-19-amd64"),
    "this kernel (4.9.0-19-amd64) is too old: runc needs Linux 4.14 or later",
  );
  assertEquals(kernelTooOld("3.10.0-1160.el7.x86_64")?.startsWith("this kernel (3.10"), true);
  // An unusual release string is left to the syscalls themselves.
  assertEquals(kernelTooOld("weird"), undefined);
});

Deno.test("rootless is decided once, as runc 1.1 decides it", () => {
  const root = { euid: 0, inUserNS: () => false };
  const user = { euid: 1000, inUserNS: () => false };
  const rootInUserns = { euid: 0, inUserNS: () => true };
  assertEquals(decideRootless("auto", root), { euid: false, cgroups: false });
  assertEquals(decideRootless("", user), { euid: true, cgroups: true });
  assertEquals(decideRootless("auto", rootInUserns), { euid: false, cgroups: true });
  assertEquals(decideRootless("true", root), { euid: false, cgroups: true });
  assertEquals(decideRootless("false", user), { euid: true, cgroups: false });
  assertEquals(decideRootless("1", root).cgroups, true);
  assertThrows(
    () => decideRootless("maybe", root),
    'strconv.ParseBool: parsing "maybe": invalid syntax',
  );
});
