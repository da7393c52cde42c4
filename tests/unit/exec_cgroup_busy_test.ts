import { assertEquals, assertThrows } from "./_assert.ts";
import { joinCgroups } from "../../core/cgroups/container.ts";
import type { CgroupSys } from "../../core/os/sys.ts";

const EBUSY = 16;

/** writeEach that refuses the container's own directory with EBUSY and records the rest. */
function fake(busy: string, written: string[]): Pick<CgroupSys, "writeEach"> {
  return {
    writeEach: (paths: string[]) =>
      Promise.resolve(paths.map((p) => {
        if (p === `${busy}/cgroup.procs` || p === busy) return EBUSY;
        written.push(p);
        return 0;
      })),
  };
}

Deno.test("exec on cgroup v2: EBUSY from the container's cgroup (domain controllers below it) joins the init's cgroup, as runc", async () => {
  const proc = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${proc}/42`);
    await Deno.writeTextFile(`${proc}/42/cgroup`, "0::/machine.slice/c.scope/foo\n");
    const dir = "/fake/cg/machine.slice/c.scope";
    const written: string[] = [];
    await joinCgroups(fake(dir, written), { "": dir }, 7, false, 42, {
      proc,
      cgroupRoot: "/fake/cg",
    });
    assertEquals(written.length, 1);
    assertEquals(written[0]!.startsWith("/fake/cg/machine.slice/c.scope/foo"), true, written[0]);
    // Without the init's pid (or on v1) the error stands.
    await assertRejects(
      () => joinCgroups(fake(dir, []), { "": dir }, 7, false, 0),
      "device or resource busy",
    );
  } finally {
    await Deno.remove(proc, { recursive: true });
  }
});

async function assertRejects(fn: () => Promise<unknown>, includes: string): Promise<void> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assertThrows(() => {
    if (err) throw err;
  }, includes);
}
