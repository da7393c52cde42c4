import { planExec } from "../../core/init/plan_exec.ts";
import { CLONE_FLAGS } from "../../core/os/namespaces.ts";
import { Opcode } from "../../core/init/protocol.ts";
import { type ExecOptions, execProcess } from "../../core/container/exec.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";

const names = Object.fromEntries(Object.entries(Opcode).map(([k, v]) => [v, k]));

Deno.test("exec joins the init's namespaces (user first, mount last), clones once, and execs without a fifo", () => {
  const ops = planExec({
    process: { args: ["true"], cwd: "/", user: { uid: 0, gid: 0 }, terminal: true },
    namespaces: [{ type: "mount" }, { type: "network" }, { type: "user" }, { type: "pid" }],
    initPid: 42,
    id: "c1",
    extraFds: 2,
  });
  assertEquals(ops[0], { op: Opcode.SWEEP_FDS, num: [2] });
  assertEquals(ops.slice(1, 6).map((o) => o.str), [
    ["/proc/42/ns/user", "user"],
    ["/proc/42/ns/net", "network"],
    ["/proc/42/ns/pid", "pid"],
    ["/proc/42/ns/mnt", "mount"],
    undefined,
  ]);
  assertEquals(ops[1]!.num, [CLONE_FLAGS.user!]);
  const k = ops.map((o) => names[o.op]);
  assertEquals(k.slice(5, 11), [
    "JOIN_NS",
    "CLONE",
    "WAIT_PARENT",
    "SET_ROOT_IDS",
    "SETSID",
    "JOIN_KEYRING",
  ]);
  assertEquals(ops[6]!.num, [0]);
  assert(k.includes("CONSOLE") && !k.includes("WAIT_FIFO") && !k.includes("MOUNT"), k.join(","));
  assertEquals(ops.find((o) => o.op === Opcode.CONSOLE)!.num![0], 0, "no /dev/console for exec");
  assertEquals(ops.at(-1)!.num, [1]);
});

const flags = (over: Partial<ExecOptions>): ExecOptions => ({
  root: "/run/runc",
  id: "c1",
  args: ["sh"],
  env: [],
  additionalGids: [],
  caps: [],
  preserveFds: 0,
  detach: false,
  ignorePaused: false,
  ...over,
});

Deno.test("exec's process is the container's with runc's flag overrides", async () => {
  const base = {
    args: ["sleep"],
    cwd: "/",
    env: ["PATH=/bin"],
    terminal: true,
    user: { uid: 0, gid: 0 },
    capabilities: { bounding: ["CAP_KILL"], inheritable: [] },
  };
  const p = await execProcess(
    base,
    flags({
      args: ["id"],
      cwd: "/tmp",
      env: ["A=1"],
      user: "5:6",
      additionalGids: [7],
      caps: ["CAP_NET_RAW"],
    }),
  );
  assertEquals(p.args, ["id"]);
  assertEquals(p.cwd, "/tmp");
  assertEquals(p.env, ["PATH=/bin", "A=1"]);
  assertEquals(p.terminal, false, "terminal only with -t");
  assertEquals(p.user, { uid: 5, gid: 6, additionalGids: [7] });
  assertEquals(p.capabilities!.bounding, ["CAP_KILL", "CAP_NET_RAW"]);
  assertEquals(p.capabilities!.inheritable, [], "--cap never reaches the inheritable set");
  assertEquals(base.args, ["sleep"], "the container's process is not changed");
  await assertRejects(
    () => execProcess(base, flags({ user: "x" })),
    "parsing x as int for uid failed",
  );
  await assertRejects(() => execProcess(base, flags({ args: [] })), "args must not be empty");
  await assertRejects(
    () => execProcess(base, flags({ cwd: "tmp" })),
    "cwd must be an absolute path",
  );
  await assertRejects(
    () => execProcess(base, flags({ additionalGids: [-1] })),
    "additional-gids must be a positive number -1",
  );
});

Deno.test("an exec'd process gets the container's oom_score_adj, not the caller's", () => {
  const plan = (oomScoreAdj?: number) =>
    planExec({
      process: { args: ["true"], cwd: "/", user: { uid: 0, gid: 0 }, oomScoreAdj: 500 },
      namespaces: [{ type: "pid" }],
      initPid: 42,
      id: "c1",
      extraFds: 0,
      oomScoreAdj,
    }).filter((o) => o.op === Opcode.WRITE_FILE).map((o) => o.str);
  assertEquals(plan(-200), [["/proc/self/oom_score_adj", "-200"]]);
  // The process's own (from -p) does not count: the container's config says.
  assertEquals(plan(undefined), []);
});

Deno.test("with --debug an exec says it is about to exec, in runc's words", () => {
  const ops = planExec({
    process: { args: ["true"], cwd: "/", user: { uid: 0, gid: 0 } },
    namespaces: [],
    initPid: 42,
    id: "c1",
    extraFds: 0,
    debug: true,
  });
  assertEquals(ops.filter((o) => o.op === Opcode.DEBUG).map((o) => o.str), [[
    "setns_init: about to exec",
  ]]);
});
