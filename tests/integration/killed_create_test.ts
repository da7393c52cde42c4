/**
 * A CLI killed in the middle of `create` (an engine's shim dying, the OOM
 * killer) leaves either nothing or what `delete --force` removes whole: no
 * process, no cgroup, no mount, no state. Each named point of create is hit
 * by RUNC_TEST_KILL_AT (core/init/kill_points.ts), then a sweep of delays
 * kills it wherever it happens to be.
 */
import { assert, assertEquals } from "../unit/_assert.ts";
import { isRoot, needsRunc, RUNC, type Sandbox, skipName, withSandbox } from "./_util.ts";
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

/** rmdir of a cgroup directory and its sub-cgroups, deepest first; what is busy stays. */
function removeCgroupTree(dir: string): void {
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) removeCgroupTree(`${dir}/${e.name}`);
  }
  try {
    Deno.removeSync(dir);
  } catch { /* busy or gone */ }
}

async function waitUntil(cond: () => boolean, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
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
  await child.status;
  const what = "point" in kill ? `killed at ${kill.point}` : `killed after ${kill.afterMs} ms`;
  // Until it is recorded the init dies with its CLI; after, delete --force finds it.
  const r = await sb.run(["delete", "--force", id]);
  assertEquals(r.code, 0, `${what}: delete --force: ${r.stderr}`);
  assertEquals(await sb.ids(), [], `${what}: a state directory is left`);
  const left = () => stubProcesses().filter((p) => !before.has(p));
  assert(await waitUntil(() => left().length === 0), `${what}: processes left: ${left()}`);
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
  fn: () =>
    withSandbox(async (sb) => {
      const parent = `/runc-it-killed-${crypto.randomUUID().slice(0, 8)}`;
      try {
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
      } finally {
        // Also when a check failed: what a failing case left under the parent goes first.
        if (isRoot) { for (const d of cgroupDirs(parent)) removeCgroupTree(d); }
      }
    }),
});
