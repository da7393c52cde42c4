import {
  type ContainerState,
  containerStatus,
  listIds,
  processStat,
  readState,
  rfc3339Nano,
  stateDir,
  validateId,
  writeState,
} from "../../core/state/state.ts";
import { assert, assertEquals, assertRejects, assertThrows } from "./_assert.ts";

function sample(id: string, pid: number, start: string): ContainerState {
  return {
    id,
    initPid: pid,
    initStartTime: start,
    bundle: "/b",
    rootfs: "/b/rootfs",
    created: rfc3339Nano(),
    owner: "",
    config: { ociVersion: "1.0.2-dev" },
  };
}

Deno.test("container ids are checked as runc checks them", () => {
  for (const ok of ["a", "A-b_c.d+e", "123"]) validateId(ok);
  for (const bad of ["", ".", "..", "a/b", "a b", "../x", "a\0"]) {
    assertThrows(() => validateId(bad), `invalid id format: ${bad}`);
  }
  assertThrows(() => stateDir("/run/runc", "../etc"), "invalid id format");
});

Deno.test("state is written atomically and read back; a missing one is runc's error", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/c1`);
    const st = sample("c1", Deno.pid, processStat(Deno.pid)!.startTime);
    await writeState(`${root}/c1`, st);
    assertEquals(await readState(root, "c1"), st);
    assertEquals(await listIds(root), ["c1"]);
    await assertRejects(() => readState(root, "nope"), "container does not exist");
    assertEquals(await listIds(`${root}/missing`), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("status comes from the live process: running, created, stopped, reused pid", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/c`);
    const start = processStat(Deno.pid)!.startTime;
    assertEquals(containerStatus(root, sample("c", Deno.pid, start)), "running");
    await Deno.writeTextFile(`${root}/c/exec.fifo`, "");
    assertEquals(containerStatus(root, sample("c", Deno.pid, start)), "created");
    assertEquals(containerStatus(root, sample("c", Deno.pid, `${start}1`)), "stopped");
    assertEquals(containerStatus(root, sample("c", 0, start)), "stopped");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("timestamps look like Go's RFC3339Nano", () => {
  const t = rfc3339Nano(BigInt(Date.UTC(2026, 10, 28, 0, 21, 24)) * 1_000_000n + 586196961n);
  assertEquals(t, "2026-11-28T00:21:24.586196961Z");
  assertEquals(rfc3339Nano(BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n), "2026-01-01T00:00:00Z");
  assertEquals(
    rfc3339Nano(BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n + 500_000_000n),
    "2026-01-01T00:00:00.5Z",
  );
  assert(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(rfc3339Nano()));
});
