/**
 * Running hooks in the runtime's namespaces: a stub whose program is only the
 * hooks.
 *
 * @module
 */
import type { Hook } from "../spec/types.ts";
import { ops } from "../init/ops.ts";
import { runStubProgram } from "../init/stub.ts";
import type { Sys } from "../os/sys.ts";
import { hookOps } from "../init/plan_hooks.ts";
import type { HookState } from "../init/hook_state.ts";

/** The runtime's environment as `KEY=value` strings. */
export function runtimeEnv(): string[] {
  return Object.entries(Deno.env.toObject()).map(([k, v]) => `${k}=${v}`);
}

/**
 * Runs a list of hooks in the runtime's namespaces and waits for them.
 *
 * @param sys the syscall surface
 * @param hooks the list from config.json; nothing happens when empty
 * @param state the state for stdin
 * @param cwd where the hooks run (runc's is the bundle)
 * @throws Error `error running hook #N: ...` at the first failing hook
 */
export async function runHooks(
  sys: Sys,
  hooks: readonly Hook[] | undefined,
  state: HookState,
  cwd: string,
): Promise<void> {
  if (!hooks || hooks.length === 0) return;
  await runStubProgram(
    sys,
    [ops.sweepFds(0), ...hookOps(hooks, state, false, runtimeEnv()), ops.exit()],
    cwd,
  );
}
