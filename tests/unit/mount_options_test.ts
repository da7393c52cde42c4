import { MOUNT_ATTR, MS, parseMountOptions, recursiveAttrs } from "../../core/mounts/options.ts";
import { assertEquals } from "./_assert.ts";

Deno.test("flags, data and propagation are told apart", () => {
  const p = parseMountOptions(["nosuid", "noexec", "newinstance", "ptmxmode=0666", "rslave"]);
  assertEquals(p.flags, MS.NOSUID | MS.NOEXEC);
  assertEquals(p.data, "newinstance,ptmxmode=0666");
  assertEquals(p.propagation, [MS.SLAVE | MS.REC]);
  assertEquals(p.recursive, []);
});

Deno.test("later options clear earlier ones as in runc", () => {
  assertEquals(parseMountOptions(["ro", "rw"]).flags, 0);
  assertEquals(parseMountOptions(["nosuid", "suid", "nodev"]).flags, MS.NODEV);
  assertEquals(parseMountOptions(["rbind"]).flags, MS.BIND | MS.REC);
});

Deno.test("recursive attributes are kept apart", () => {
  assertEquals(parseMountOptions(["rro", "rnosuid"]).recursive, ["rro", "rnosuid"]);
});

Deno.test("no options means no flags", () => {
  assertEquals(parseMountOptions(), { flags: 0, propagation: [], recursive: [], data: "" });
});

Deno.test("recursive options become mount_setattr masks as runc makes them", () => {
  assertEquals(recursiveAttrs(["rro", "rnosuid"]), {
    set: MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID,
    clr: 0,
  });
  assertEquals(recursiveAttrs(["rro", "rrw"]), { set: 0, clr: MOUNT_ATTR.RDONLY });
  assertEquals(recursiveAttrs(["rnoatime"]), { set: MOUNT_ATTR.NOATIME, clr: MOUNT_ATTR.ATIME });
  assertEquals(recursiveAttrs(["rstrictatime", "rrelatime"]), {
    set: MOUNT_ATTR.RELATIME,
    clr: MOUNT_ATTR.ATIME,
  });
  assertEquals(recursiveAttrs(["nosuid"]), { set: 0, clr: 0 });
});
