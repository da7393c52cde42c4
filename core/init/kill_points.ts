/**
 * Named points of `create` (and `exec`) where a test may have the CLI killed,
 * as an engine's dying shim or the OOM killer would kill it, or stopped: with
 * RUNC_TEST_KILL_AT=NAME in its environment the CLI sends itself SIGKILL when
 * it reaches NAME, with RUNC_TEST_STOP_AT=NAME SIGSTOP.
 * tests/integration/killed_create_test.ts walks every point and checks that
 * `delete --force` leaves nothing behind.
 *
 * @module
 */

/** The environment variable naming the point where the CLI kills itself. */
export const KILL_AT_ENV = "RUNC_TEST_KILL_AT";
/** The environment variable naming the point where the CLI stops itself. */
export const STOP_AT_ENV = "RUNC_TEST_STOP_AT";

/** Every point, in the order create reaches them. */
export const KILL_POINTS = [
  "recorded", // the state directory and the cgroups it will have are recorded
  "cgroups", // the cgroups are made
  "spawned", // the init stub runs, its program sent
  "pid", // the container's init exists, waiting
  "joined", // the init is in its cgroups, their limits set
  "ready", // the init (or an exec'd process) is set up and waits for runc
  "recorded-state", // state.json is written, the init not yet told
] as const;

const killAt = Deno.env.get(KILL_AT_ENV);
const stopAt = Deno.env.get(STOP_AT_ENV);

/**
 * Kills (or stops) this process when the environment names this point.
 *
 * @param point one of {@linkcode KILL_POINTS}
 */
export function testKillPoint(point: typeof KILL_POINTS[number]): void {
  if (killAt === point) Deno.kill(Deno.pid, "SIGKILL");
  if (stopAt === point) Deno.kill(Deno.pid, "SIGSTOP");
}
