/**
 * The CLI's side of the init handshake (core/init/stub.ts) against a fake
 * stub: which handler runs at which record, when CONTINUE goes back, how
 * failures are worded, and that nothing is left open.
 */
import {
  FALLBACKS_ENV,
  InitError,
  programHeader,
  runInit,
  startStubJoined,
} from "../../core/init/stub.ts";
import { ops } from "../../core/init/ops.ts";
import {
  CgroupJoin,
  Chdir,
  encodeProgram,
  MAGIC,
  ProgramFlag,
  Tag,
} from "../../core/init/protocol.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { fakeSys } from "./_fake_sys.ts";

const PROGRAM = [ops.sweepFds(0), ops.clone(0), ops.waitParent(false), ops.ready(), ops.exit()];
const HEADER = { flags: ProgramFlag.DEBUG, sigIgnored: 0n };

Deno.test("create's handshake: pid, hooks, terminal, seccomp listener, ready; CONTINUE after each wait", async () => {
  const { sys, log } = fakeSys([
    { tag: Tag.DEBUG, text: "=> nsexec container setup" },
    { tag: Tag.PID, pid: 42, index: 1 },
    { tag: Tag.HOOKS, afterContinues: 1 },
    { tag: Tag.CONSOLE, fd: 7, afterContinues: 2 },
    { tag: Tag.SECCOMP, fd: 8 },
    { tag: Tag.READY, afterContinues: 3 },
  ]);
  const calls: string[] = [];
  const pid = await runInit(sys, PROGRAM, "/b", {
    onPid: (p) => void calls.push(`pid ${p}`),
    onHooks: (p) => Promise.resolve(void calls.push(`hooks ${p}`)),
    onConsole: (fd) => void calls.push(`console ${fd}`),
    onSeccompListener: (p, fd) => Promise.resolve(void calls.push(`seccomp ${p} ${fd}`)),
    onReady: (p) => void calls.push(`ready ${p}`),
  }, HEADER);
  assertEquals(pid, 42);
  assertEquals(calls, ["pid 42", "hooks 42", "console 7", "seccomp 42 8", "ready 42"]);
  // One CONTINUE for the clone, the hooks, the listener and ready.
  assertEquals(log.continues, 4);
  // The program went first, whole, with the header the stub checks.
  const view = new DataView(log.program.buffer);
  assertEquals(view.getUint32(0, true), MAGIC);
  assertEquals(view.getUint32(16, true), PROGRAM.length);
  assertEquals(view.getUint32(20, true), HEADER.flags);
  assertEquals(log.events[0], "spawn 101");
  // Both ends of the socket are closed; the fds went to their handlers.
  assert(log.closed.includes(100) && log.closed.includes(101), `${log.closed}`);
  assert(!log.closed.includes(7) && !log.closed.includes(8));
});

Deno.test("a failing op is named in runc's words, with Go's errno text", async () => {
  const { sys, log } = fakeSys([
    { tag: Tag.PID, pid: 42, index: 1 },
    { tag: Tag.ERROR, index: 3, err: 2, text: "mount proc to /proc", afterContinues: 1 },
  ]);
  await assertRejects(
    () => runInit(sys, PROGRAM, "/b", { onPid: () => {} }, HEADER),
    "unable to start container process: mount proc to /proc: no such file or directory",
  );
  assert(log.closed.includes(100));
});

Deno.test("a complete message (ECANCELED) is passed as it is; a hook's gets runc's prefix", async () => {
  const hook = ops.runHook({
    path: "/bin/false",
    args: ["false"],
    env: [],
    timeout: 0,
    stateBefore: "{}",
    stateAfter: "",
    withPid: false,
    label: "error running hook #0",
  });
  const program = [ops.clone(0), ops.waitParent(false), hook, ops.exit()];
  // Longer than one message: the stub sends it in parts.
  const long = "x".repeat(60000);
  const { sys } = fakeSys([
    { tag: Tag.PID, pid: 42, index: 0 },
    {
      tag: Tag.ERROR,
      index: 2,
      err: 125,
      text: "error running hook #0: ",
      more: true,
      afterContinues: 1,
    },
    { tag: Tag.ERROR, index: 2, err: 125, text: long, more: true },
    { tag: Tag.ERROR, index: 2, err: 125, text: long },
  ]);
  const e = await assertRejects(() => runInit(sys, program, "/b", { onPid: () => {} }, HEADER));
  assert(e instanceof InitError, `${e.name}: ${e.message.slice(0, 200)}`);
  assertEquals(
    e.message,
    `unable to start container process: error during container init: error running hook #0: ${long}${long}`,
  );
});

Deno.test("EOF before the pid, or after it before ready, says which", async () => {
  await assertRejects(
    () => runInit(fakeSys([], 1).sys, PROGRAM, "/b", { onPid: () => {} }, HEADER),
    "unable to start container process: runc-init exited with 1",
  );
  await assertRejects(
    () =>
      runInit(fakeSys([{ tag: Tag.PID, pid: 42, index: 1 }]).sys, PROGRAM, "/b", {
        onPid: () => {},
      }, HEADER),
    "container init exited before it was ready",
  );
});

Deno.test("a handler that fails stops the handshake: no CONTINUE, the error worded as runc's", async () => {
  const { sys, log } = fakeSys([
    { tag: Tag.PID, pid: 42, index: 1 },
    { tag: Tag.HOOKS, afterContinues: 1 },
  ]);
  await assertRejects(
    () =>
      runInit(sys, PROGRAM, "/b", {
        onPid: () => {},
        onHooks: () => Promise.reject(new Error("error running hook #0: exit status 1")),
      }, HEADER),
    "unable to start container process: error during container init: error running hook #0: exit status 1",
  );
  assertEquals(log.continues, 1);
});

Deno.test("the clone must be followed by a wait for runc", async () => {
  const { sys, log } = fakeSys([{ tag: Tag.PID, pid: 42, index: 0 }]);
  const pids: number[] = [];
  await assertRejects(
    () =>
      runInit(sys, [ops.clone(0), ops.exec(["sh"], [])], "/b", {
        onPid: (p) => void pids.push(p),
      }, HEADER),
    "the init program must wait for runc after the clone",
  );
  // Refused before the init is handled or let go: no onPid, no CONTINUE.
  assertEquals(pids, []);
  assertEquals(log.continues, 0);
});

Deno.test("programHeader: RUNC_INIT_FALLBACKS names the fallbacks' flag bits; unknown names add none", () => {
  const saved = Deno.env.get(FALLBACKS_ENV);
  const flagsWith = (value: string | undefined) => {
    if (value === undefined) Deno.env.delete(FALLBACKS_ENV);
    else Deno.env.set(FALLBACKS_ENV, value);
    // The DEBUG bit follows runc's --debug, not the variable.
    return programHeader().flags & ~ProgramFlag.DEBUG;
  };
  try {
    assertEquals(flagsWith(undefined), 0);
    assertEquals(flagsWith(""), 0);
    assertEquals(
      flagsWith("close_range,openat2,mount_setattr,clone3"),
      ProgramFlag.NO_CLOSE_RANGE | ProgramFlag.NO_OPENAT2 | ProgramFlag.NO_MOUNT_SETATTR |
        ProgramFlag.NO_CLONE3,
    );
    assertEquals(flagsWith("openat2,clone3"), ProgramFlag.NO_OPENAT2 | ProgramFlag.NO_CLONE3);
    assertEquals(flagsWith("mount_setattr"), ProgramFlag.NO_MOUNT_SETATTR);
    assertEquals(
      flagsWith("close_range, clone3"),
      ProgramFlag.NO_CLOSE_RANGE | ProgramFlag.NO_CLONE3,
    );
    assertEquals(flagsWith("pidfd_open"), 0);
    assertEquals(flagsWith("pidfd_open,openat2"), ProgramFlag.NO_OPENAT2);
    // SIGPIPE is never passed on as ignored: Deno ignores it for itself.
    assertEquals(programHeader().sigIgnored & (1n << 12n), 0n);
  } finally {
    if (saved === undefined) Deno.env.delete(FALLBACKS_ENV);
    else Deno.env.set(FALLBACKS_ENV, saved);
  }
});

Deno.test("startStubJoined: plans while the stub joins, returns the program encoded; runInit sends those bytes", async () => {
  const { sys, log } = fakeSys([
    { tag: Tag.PID, pid: 42, index: 1 },
    { tag: Tag.READY, afterContinues: 1 },
  ]);
  const order: string[] = [];
  let joinDone!: () => void;
  const { stub, planned, program } = await startStubJoined(
    sys,
    "/b",
    (pid) => {
      order.push(`join ${pid}`);
      // The join ends only after the plan has run.
      return new Promise<void>((resolve) => (joinDone = resolve)).then(() =>
        void order.push("joined")
      );
    },
    () => {
      order.push("plan");
      setTimeout(() => joinDone(), 0);
      return { ops: PROGRAM, extra: 1 };
    },
    (p) => p.ops,
  );
  assertEquals(planned.extra, 1);
  assertEquals(order, ["join 500", "plan", "joined"]);
  assertEquals(program.ops, PROGRAM);
  assertEquals(program.bytes, encodeProgram(PROGRAM, programHeader()));
  assertEquals(await runInit(sys, program, stub, { onPid: () => {} }), 42);
  assertEquals(log.program, program.bytes);
});

Deno.test("startStubJoined: a program that cannot be encoded ends the stub, after its join", async () => {
  const { sys, log } = fakeSys([]);
  let joined = false;
  await assertRejects(
    () =>
      startStubJoined(
        sys,
        "/b",
        () => new Promise<void>((r) => setTimeout(() => r(void (joined = true)), 0)),
        () => [ops.chdir("/a\0b", Chdir.CWD)],
        (o) => o,
      ),
    "NUL",
  );
  assert(joined, "the join was waited for");
  // The stub's end of the socket was closed (it reads EOF and exits) and it was reaped.
  assert(log.closed.includes(100) && log.closed.includes(101), `${log.closed}`);
  assertEquals(log.program.length, 0);
});

Deno.test("a cgroup the stub fails to join is reported as runc reports a failed join", async () => {
  const program = [
    ops.sweepFds(0),
    ops.joinCgroup("/sys/fs/cgroup/cpuset/c1", CgroupJoin.TASKS),
    ops.clone(0),
    ops.waitParent(false),
    ops.ready(),
    ops.exit(),
  ];
  const join = 'unable to apply cgroup configuration: failed to write "0": write ';
  // The join op's own failure, and the clone's fallback join of a cgroup2
  // directory (no CLONE_INTO_CGROUP): the stub's text, the errno's after it.
  for (
    const [index, err, path, why] of [
      [1, 28, "/sys/fs/cgroup/cpuset/c1/tasks", "no space left on device"],
      [2, 16, "/sys/fs/cgroup/c1/cgroup.procs", "device or resource busy"],
    ] as const
  ) {
    const { sys } = fakeSys([{ tag: Tag.ERROR, index, err, text: `${join}${path}` }]);
    await assertRejects(
      () => runInit(sys, program, "/b", { onPid: () => {} }, HEADER),
      `unable to start container process: ${join}${path}: ${why}`,
    );
  }
});
