import { hookOps } from "../../core/init/plan_hooks.ts";
import { hookState } from "../../core/init/hook_state.ts";
import { Opcode } from "../../core/init/protocol.ts";
import { assertEquals } from "./_assert.ts";

Deno.test("hook state has runc's keys in runc's order; pid and empty annotations left out", () => {
  const spec = { ociVersion: "1.0.2-dev", annotations: { a: "b" } };
  assertEquals(
    JSON.stringify(hookState(spec, "c1", "/b", "creating", 42)),
    '{"ociVersion":"1.0.2-dev","id":"c1","status":"creating","pid":42,"bundle":"/b","annotations":{"a":"b"}}',
  );
  assertEquals(
    JSON.stringify(
      hookState({ ociVersion: "1.0.2-dev", annotations: {} }, "c1", "/b", "stopped", 0),
    ),
    '{"ociVersion":"1.0.2-dev","id":"c1","status":"stopped","bundle":"/b"}',
  );
});

Deno.test("hook ops carry path, argv, env, the state split around the pid, and a label", () => {
  const state = hookState({ ociVersion: "1.0.2-dev" }, "c1", "/b", "created", 0);
  const [op] = hookOps(
    [{ path: "/bin/h", args: ["h", "-x"], env: ["A=1"], timeout: 5 }],
    state,
    true,
    ["RUNTIME=1"],
  );
  assertEquals(op, {
    op: Opcode.RUN_HOOK,
    num: [2, 1, 5, 1],
    str: [
      "/bin/h",
      "h",
      "-x",
      "A=1",
      '{"ociVersion":"1.0.2-dev","id":"c1","status":"created","pid":',
      ',"bundle":"/b"}',
      "error running hook #0",
    ],
  });
});

Deno.test("a hook without args runs as its path; without env it gets the runtime's", () => {
  const state = hookState({ ociVersion: "1.0.2-dev" }, "c1", "/b", "running", 7);
  const ops = hookOps([{ path: "/bin/a" }, { path: "/bin/b" }], state, false, ["RUNTIME=1"]);
  assertEquals(ops[1]!.num, [1, 1, 0, 0]);
  assertEquals(ops[1]!.str, [
    "/bin/b",
    "/bin/b",
    "RUNTIME=1",
    JSON.stringify(state),
    "",
    "error running hook #1",
  ]);
});
