import { assertEquals, assertThrows } from "./_assert.ts";
import {
  checkParentPath,
  criuConfigFile,
  criuVersionNumber,
  dumpExtMounts,
  emptyNsMask,
  manageCgroupsMode,
  type MountContext,
  parsePageServer,
  restoreExtMounts,
  restoreMountPoints,
  secureJoin,
} from "../../core/criu/options.ts";
import {
  CgMode,
  decodeReq,
  decodeResp,
  encodeReq,
  encodeResp,
  ReqType,
} from "../../core/criu/rpc.ts";
import type { Spec } from "../../core/spec/types.ts";

const links: Record<string, string> = {
  "/r/conf": "/real/conf",
  "/r/rel": "../real",
  "/r/loop": "/loop",
};
const look = { readlink: (p: string) => links[p] };

Deno.test("secureJoin follows symlinks inside the rootfs and never above it", () => {
  assertEquals(secureJoin("/r", "/conf", look), "/real/conf");
  assertEquals(secureJoin("/r", "/conf/x/../y", look), "/real/conf/y");
  assertEquals(secureJoin("/r", "/rel/a", look), "/real/a");
  assertEquals(secureJoin("/r", "/../../etc", look), "/etc");
  assertEquals(secureJoin("/r", "data", look), "/data");
  assertThrows(() => secureJoin("/r", "/loop", look), "too many levels of symlinks");
});

Deno.test("the flags as runc turns them into CRIU's settings", () => {
  assertEquals(emptyNsMask([]), 0x40000000);
  assertEquals(emptyNsMask(["ipc", "uts"]), 0x40000000 | 0x08000000 | 0x04000000);
  assertThrows(() => emptyNsMask(["time"]), 'namespace "time" is not supported');
  assertEquals(manageCgroupsMode(undefined), undefined);
  assertEquals(manageCgroupsMode("soft"), CgMode.SOFT);
  assertEquals(manageCgroupsMode("strict"), CgMode.STRICT);
  assertEquals(manageCgroupsMode("ignore"), CgMode.IGNORE);
  assertThrows(() => manageCgroupsMode("hard"), "Invalid manage cgroups mode");
  assertEquals(parsePageServer("10.0.0.1:8000"), { address: "10.0.0.1", port: 8000 });
  assertEquals(parsePageServer("[::1]:27"), { address: "::1", port: 27 });
  assertThrows(() => parsePageServer("host"), "Use --page-server ADDRESS:PORT");
  assertThrows(() => parsePageServer(":80"), "Use --page-server ADDRESS:PORT");
  assertThrows(() => parsePageServer("h:http"), "Invalid port number");
  assertEquals(criuConfigFile({ ociVersion: "1" } as Spec), "/etc/criu/runc.conf");
  assertEquals(
    criuConfigFile({ annotations: { "org.criu.config": "" } } as unknown as Spec),
    undefined,
  );
  assertEquals(criuVersionNumber({ major_number: 3, minor_number: 17, sublevel: 1 }), 31701);
  assertEquals(criuVersionNumber({ major_number: 3, minor_number: 17, gitid: "abc" }), 31800);
  assertThrows(() => checkParentPath("/p", "/img", () => true), "must be relative");
  assertThrows(
    () => checkParentPath("../p", "/img/x", () => undefined),
    "invalid --parent-path: stat /img/p: no such file or directory",
  );
});

function ctx(spec: Partial<Spec>, cgroupPaths: Record<string, string>): MountContext {
  return {
    spec: spec as Spec,
    rootfs: "/r",
    bundle: "/b",
    cgroupPaths,
    look,
  };
}

Deno.test("external mounts of a dump and a restore: binds, cgroups, masked files, devices", () => {
  const spec: Partial<Spec> = {
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      { destination: "/dev", type: "tmpfs", source: "tmpfs" },
      { destination: "/dev/pts", type: "devpts", source: "devpts" },
      { destination: "/conf", source: "cfg", options: ["bind"] },
      { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup" },
    ],
    linux: {
      namespaces: [{ type: "mount" }, { type: "network" }],
      maskedPaths: ["/proc/kcore", "/proc/acpi"],
      devices: [{ path: "/dev/fuse", type: "c", major: 10, minor: 229 }],
    },
  };
  const v2 = ctx(spec, { "": "/sys/fs/cgroup/c1" });
  const dump = dumpExtMounts(v2, (p) => p === "/proc/kcore");
  assertEquals(dump.slice(0, 3), [
    { key: "/real/conf", val: "/real/conf" },
    { key: "/sys/fs/cgroup", val: "/sys/fs/cgroup" },
    { key: "/proc/kcore", val: "/dev/null" },
  ]);
  assertEquals(dump.at(-1), { key: "/dev/fuse", val: "/dev/fuse" });
  assertEquals(dump.length, 3 + 7);
  const restore = restoreExtMounts(v2);
  assertEquals(restore.slice(0, 3), [
    { key: "/real/conf", val: "/b/cfg" },
    { key: "/sys/fs/cgroup", val: "/sys/fs/cgroup/c1" },
    { key: "/dev/null", val: "/dev/null" },
  ]);
  // cgroup v1: one bind per controller; with a cgroup namespace, none.
  const v1 = ctx(spec, { memory: "/sys/fs/cgroup/memory/c1", "name=systemd": "/x/c1", "": "/u" });
  assertEquals(restoreExtMounts(v1).slice(1, 3), [
    { key: "/sys/fs/cgroup/memory", val: "/sys/fs/cgroup/memory/c1" },
    { key: "/sys/fs/cgroup/systemd", val: "/x/c1" },
  ]);
  const ns = ctx(
    { ...spec, linux: { ...spec.linux, namespaces: [{ type: "cgroup" }] } },
    { "": "/u" },
  );
  assertEquals(restoreExtMounts(ns).some((m) => m.key === "/sys/fs/cgroup"), false);
  // Mount points: none under a tmpfs, none for cgroup; binds carry their source.
  assertEquals(restoreMountPoints(v2), [
    { destination: "/proc" },
    { destination: "/dev" },
    { destination: "/conf", bindSource: "/b/cfg" },
  ]);
});

Deno.test("CRIU's messages round-trip through protobufjs with rpc.proto's field numbers", () => {
  const bytes = encodeReq({
    type: ReqType.RESTORE,
    opts: {
      images_dir_fd: 5,
      lsm_mount_context: "ctx",
      ext_mnt: [{ key: "/a", val: "/b" }],
      inherit_fd: [{ key: "pipe:[1]", fd: 1 }],
      empty_ns: 0x40000000,
    },
  });
  // type = 2 (field 1), then opts (field 2, length-delimited)
  assertEquals([...bytes.subarray(0, 3)], [0x08, 0x02, 0x12]);
  const back = decodeReq(bytes);
  assertEquals(back.opts?.lsm_mount_context, "ctx");
  assertEquals(back.opts?.ext_mnt, [{ key: "/a", val: "/b" }]);
  assertEquals(back.opts?.empty_ns, 0x40000000);
  // lsm_mount_context is field 63: tag (63 << 3 | 2) = 0x1fa as a varint.
  assertEquals(bytes.includes(0xfa), true);
  const resp = decodeResp(
    encodeResp({
      type: ReqType.VERSION,
      success: true,
      version: { major_number: 3, minor_number: 17, sublevel: 1 },
    }),
  );
  assertEquals(resp.version, { major_number: 3, minor_number: 17, sublevel: 1 });
  assertEquals(
    decodeResp(encodeResp({ type: ReqType.NOTIFY, success: true, notify: { script: "x", pid: 7 } }))
      .notify,
    { script: "x", pid: 7 },
  );
});
