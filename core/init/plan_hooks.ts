/**
 * OCI hooks as init-program ops (the state they read is hook_state.ts). Every hook is run by the C stub
 * (csrc/hooks.c), so argv[0], the state on stdin, the timeout and the error
 * text are the same wherever it runs: prestart, createRuntime, poststart and
 * poststop in a stub of their own in the runtime's namespaces (core/hooks/run.ts),
 * createContainer and startContainer inside the container by its init.
 *
 * @module
 */
import type { Hook } from "../spec/types.ts";
import type { Op } from "./protocol.ts";
import { ops } from "./ops.ts";
import type { HookState } from "./hook_state.ts";

/**
 * The state JSON in the two parts that go around the pid, which only the
 * process running the hook knows (its pid in the container's pid namespace):
 * `{"ociVersion":...,"status":"created","pid":` and `,"bundle":...}`.
 */
function aroundPid(state: HookState): [string, string] {
  const { ociVersion, id, status, bundle, annotations } = state;
  const head = JSON.stringify({ ociVersion, id, status });
  const tail = JSON.stringify({ bundle, ...(annotations ? { annotations } : {}) });
  return [`${head.slice(0, -1)},"pid":`, `,${tail.slice(1)}`];
}

/**
 * Ops that run a list of hooks in order.
 *
 * @param hooks the list from config.json
 * @param state the state for stdin
 * @param ownPid put the running process's pid into the state (hooks run by the
 *   init see the pid in the container's pid namespace, as runc gives it)
 * @param env the environment of a hook without env of its own: the runtime's
 *   for hooks runc runs, the container process's for those its init runs
 * @returns one RUN_HOOK op per hook
 */
export function hookOps(
  hooks: readonly Hook[] | undefined,
  state: HookState,
  ownPid: boolean,
  env: readonly string[],
): Op[] {
  const [stateBefore, stateAfter] = ownPid ? aroundPid(state) : [JSON.stringify(state), ""];
  return (hooks ?? []).map((hook, i) =>
    ops.runHook({
      path: hook.path,
      args: hook.args && hook.args.length > 0 ? hook.args : [hook.path],
      env: hook.env && hook.env.length > 0 ? hook.env : env,
      timeout: hook.timeout ?? 0,
      stateBefore,
      stateAfter,
      withPid: ownPid,
      label: `error running hook #${i}`,
    })
  );
}
