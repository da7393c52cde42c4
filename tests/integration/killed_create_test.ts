/**
 * A CLI killed in the middle of `create` (an engine's shim dying, the OOM
 * killer) leaves either nothing or what `delete --force` removes whole: no
 * process, no cgroup, no mount, no state. Each named point of create is hit
 * by RUNC_TEST_KILL_AT (core/init/kill_points.ts), then a sweep of delays
 * kills it wherever it happens to be.
 */
import { assert, assertEquals } from "../unit/_assert.ts";
import { isRoot, needsRunc, RUNC, type Sandbox, skipName, withSandbox } from "./_util.ts";
import { removeCgroupDirs, until } from "./_cgroup_util.ts";
import { KILL_AT_ENV, KILL_POINTS } from "../../core/init/kill_points.ts";

const why = needsRunc();

/** Processes running the init stub (their exe is its sealed memfd). */
function stubProcesses(): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (Deno.readLinkSync(`/proc/${e.name}/exe`).startsWith("/memfd:runc-init")) {
        pids.push(Number(e.name));
      }
    } catch { /* gone, or not ours to see */ }
  }
  return pids;
}

/** The container's cgroup directories that exist, in every v1 hierarchy and the unified one. */
function cgroupDirs(path: string): string[] {
  const found: string[] = [];
  for (const e of Deno.readDirSync("/sys/fs/cgroup")) {
    try {
      if (Deno.statSync(`/sys/fs/cgroup/${e.name}${path}`).isDirectory) {
        found.push(`/sys/fs/cgroup/${e.name}${path}`);
      }
    } catch { /* not there */ }
  }
  return found;
}

/** Kills `runc create ID` at a point or after a delay, then checks what delete --force leaves. */
async function killedCreate(
  sb: Sandbox,
  id: string,
  cgroup: string,
  kill: { point: string } | { afterMs: number },
): Promise<void> {
  const before = new Set(stubProcesses());
  const child = new Deno.Command(RUNC, {
    args: ["--root", sb.root, "create", id],
    cwd: sb.bundle,
    env: "point" in kill ? { [KILL_AT_ENV]: kill.point } : {},
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  if ("afterMs" in kill) {
    await new Promise((r) => setTimeout(r, kill.afterMs));
    try {
      child.kill("SIGKILL");
    } catch { /* it finished first */ }
  }
  const status = await child.status;
  const what = "point" in kill ? `killed at ${kill.point}` : `killed after ${kill.afterMs} ms`;
  if ("point" in kill) {
    // Killed there, not ended some other way: a point create no longer reaches fails here.
    assertEquals(
      status.signal,
      "SIGKILL",
      `${what}: create was not killed (exit code ${status.code}, signal ${status.signal})`,
    );
  }
  // Until it is recorded the init dies with its CLI; after, delete --force finds it.
  const r = await sb.run(["delete", "--force", id]);
  assertEquals(r.code, 0, `${what}: delete --force: ${r.stderr}`);
  assertEquals(await sb.ids(), [], `${what}: a state directory is left`);
  const left = () => stubProcesses().filter((p) => !before.has(p));
  await until(() => left().length === 0, 3000);
  const stray = left();
  // Also when the check fails: what this create left is not left to the next case.
  for (const p of stray) {
    try {
      Deno.kill(p, "SIGKILL");
    } catch { /* gone meanwhile */ }
  }
  assertEquals(stray, [], `${what}: processes left`);
  if (isRoot) assertEquals(cgroupDirs(cgroup), [], `${what}: cgroups left`);
  assert(
    !Deno.readTextFileSync("/proc/self/mountinfo").includes(sb.bundle),
    `${what}: a mount is left`,
  );
}

Deno.test({
  name: skipName(
    "a CLI killed at any point of create leaves what delete --force removes whole",
    why,
  ),
  ignore: !!why,
  fn: async () => {
    const parent = `/runc-it-killed-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await withSandbox(async (sb) => {
        for (const [i, point] of KILL_POINTS.entries()) {
          const cgroup = `${parent}/k${i}`;
          await sb.editSpec((s) => {
            s.process!.args = ["sleep", "100"];
            if (isRoot) s.linux!.cgroupsPath = cgroup;
            // With a hook the CLI runs, so that the hook point is reached too.
            s.hooks = { prestart: [{ path: "/bin/true" }] };
          });
          await killedCreate(sb, `k${i}`, cgroup, { point });
        }
        for (let ms = 5; ms <= 150; ms += 5) {
          const cgroup = `${parent}/d${ms}`;
          await sb.editSpec((s) => {
            if (isRoot) s.linux!.cgroupsPath = cgroup;
          });
          await killedCreate(sb, `d${ms}`, cgroup, { afterMs: ms });
        }
      });
    } finally {
      // Also when a check failed, once the sandbox's delete --force has run: what
      // a failing case left under the parent, thawed and killed, deepest first.
      if (isRoot) removeCgroupDirs(cgroupDirs(parent));
    }
  },
});
