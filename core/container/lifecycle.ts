/**
 * The lifecycle commands on an existing container: start, state, list, kill,
 * delete. Each derives the status from the live init before acting.
 *
 * @module
 */
import {
  type ContainerState,
  containerStatus,
  fifoPath,
  initAlive,
  NotExistError,
  readState,
  stateDir,
  StateError,
  withLock,
} from "../state/state.ts";
import { parseSignal, signalProcess, SIGNALS } from "../os/signals.ts";
import type { Sys } from "../os/sys.ts";
import { exists } from "../os/path.ts";
import { errnoText } from "../os/errno.ts";
import type { Hook } from "../spec/types.ts";
import { bindNotifySocket, hostNotifySocket, type NotifyRelay } from "./notify.ts";
import { type HookState, hookState } from "../init/hook_state.ts";
import { logError, logWarn } from "../log.ts";

export { listContainers, OCI_VERSION, type StateDocument, stateDocument } from "./query.ts";

/**
 * Starts a created container: opens the exec fifo for reading, which lets the
 * waiting init execve the user's process, then removes the fifo.
 *
 * @param sys the syscall surface (poststart hooks run through the stub)
 * @param root the runc root
 * @param id the container id
 */
export async function startContainer(sys: Sys, root: string, id: string): Promise<void> {
  const dir = stateDir(root, id);
  const st = await readState(root, id);
  let notify: NotifyRelay | undefined;
  try {
    await withLock(dir, async () => {
      const status = containerStatus(root, st);
      if (status === "stopped") throw new StateError("cannot start a container that has stopped");
      if (status === "paused") throw new StateError("cannot start a container in the paused state");
      if (status !== "created") throw new StateError("cannot start an already running container");
      const host = hostNotifySocket();
      if (host) notify = bindNotifySocket(sys, dir, host);
      await releaseFifo(fifoPath(dir), st);
    });
    // With NOTIFY_SOCKET, start returns once the container is READY (or gone).
    await notify?.relay(st);
  } finally {
    notify?.close();
  }
  // The runtime-spec: a failing poststart hook is a warning, the container runs on.
  const state = hookState(st.config, id, st.bundle, "running", st.initPid);
  await runHooksIfAny(sys, st.config.hooks?.poststart, state, st.bundle).catch((e) =>
    logWarn((e as Error).message)
  );
}

/** Reads the byte the init writes into the fifo, then removes the fifo. */
async function releaseFifo(path: string, st: ContainerState): Promise<void> {
  const f = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(1);
    const n = await f.read(buf);
    if (n !== 1 || buf[0] !== 0x30) {
      throw new StateError(
        initAlive(st) ? "cannot start container: bad exec fifo handshake" : "container init exited",
      );
    }
  } finally {
    f.close();
  }
  Deno.removeSync(path);
}

/**
 * Sends a signal to the container's init (or, with all, to each of its processes).
 *
 * @param sys the syscall surface
 * @param root the runc root
 * @param id the container id
 * @param signal a name with or without SIG, or a number; default SIGTERM
 * @param all every process of the container (found by its cgroup, else by
 *   its pid namespace)
 */
export async function killContainer(
  sys: Pick<Sys, "kill">,
  root: string,
  id: string,
  signal = "SIGTERM",
  all = false,
): Promise<void> {
  const st = await readState(root, id);
  const sig = parseSignal(signal);
  const status = containerStatus(root, st);
  if (status === "stopped") {
    // runc: --all on a stopped container has nothing to signal, and that is fine.
    if (all) return;
    throw new StateError("container not running");
  }
  if (!all) {
    try {
      signalProcess(sys, st.initPid, sig);
    } catch (e) {
      // runc's words; Sys errors carry the errno as `code`.
      const code = (e as { code?: unknown }).code;
      const why = typeof code === "number" ? errnoText(code) : (e as Error).message;
      throw new Error(`unable to signal init: ${why}`, { cause: e });
    }
    return;
  }
  const { openCgroups, signalAll } = await import("../cgroups/container.ts");
  const cgroups = await openCgroups(
    undefined,
    st.cgroupPaths,
    st.rootlessCgroups === true,
    st.systemdCgroup,
  );
  const hasPidNs = ownPidNs(st);
  if (cgroups) {
    const signalled = await signalAll(sys, cgroups, sig, logWarn);
    // Processes exec'd without joining the cgroups are still in the pid namespace.
    if (!hasPidNs) return;
    for (const pid of await pidsInNamespace(st.initPid).catch(() => [])) {
      if (signalled.includes(pid)) continue;
      try {
        signalProcess(sys, pid, sig);
      } catch { /* exited meanwhile */ }
    }
    return;
  }
  if (!hasPidNs) {
    throw new StateError(
      "kill --all: the container has no pid namespace of its own (needs cgroups)",
    );
  }
  for (const pid of await pidsInNamespace(st.initPid)) {
    try {
      signalProcess(sys, pid, sig);
    } catch { /* exited meanwhile */ }
  }
}

/** Every process in the pid namespace whose init is initPid, the init first. */
export async function pidsInNamespace(initPid: number): Promise<number[]> {
  const ns = await Deno.readLink(`/proc/${initPid}/ns/pid`);
  const pids = [initPid];
  for await (const e of Deno.readDir("/proc")) {
    const pid = Number(e.name);
    if (!Number.isInteger(pid) || pid === initPid) continue;
    try {
      if (await Deno.readLink(`/proc/${pid}/ns/pid`) === ns) pids.push(pid);
    } catch { /* gone, or not ours to see */ }
  }
  return pids;
}

/**
 * Deletes a container. A created container is killed first; a running or
 * paused one only with force. As in runc 1.1, the directory of an aborted
 * create (no state.json) is removed, and with force a container that does
 * not exist is no error.
 *
 * @param sys the syscall surface (poststop hooks run through the stub)
 * @param root the runc root
 * @param id the container id
 * @param force kill a running container first
 * @param wait waits for a killed init to go away (it may not be our child)
 */
export async function deleteContainer(
  sys: Sys,
  root: string,
  id: string,
  force: boolean,
  wait: (pid: number) => Promise<void> = pollGone,
): Promise<void> {
  const dir = stateDir(root, id);
  let st: ContainerState;
  try {
    st = await readState(root, id);
  } catch (e) {
    if (!(e instanceof NotExistError)) throw e;
    // A create that never finished (its CLI was killed): what it recorded goes.
    // Nothing at all (the common clean-up of an engine) loads nothing more.
    if (exists(dir)) {
      const { removeUnfinished } = await import("./setup.ts");
      await removeUnfinished(sys, dir);
    }
    if (force) return;
    throw e;
  }
  const { openCgroups, signalAll } = await import("../cgroups/container.ts");
  const cgroups = await openCgroups(
    sys,
    st.cgroupPaths,
    st.rootlessCgroups === true,
    st.systemdCgroup,
  );
  // With a pid namespace of its own, the init's death ends every process of
  // the container; other processes in its cgroup are not the container's
  // (runc's destroy kills the cgroup's processes only without one).
  const pidNs = ownPidNs(st);
  await withLock(dir, async () => {
    const status = containerStatus(root, st);
    if (status === "running" || status === "paused") {
      if (!force) {
        throw new StateError(`cannot delete container ${id} that is not stopped: ${status}`);
      }
    }
    if (status !== "stopped") {
      try {
        signalProcess(sys, st.initPid, "SIGKILL");
      } catch { /* gone meanwhile */ }
      if (cgroups && !pidNs) await signalAll(sys, cgroups, SIGNALS.SIGKILL!, logWarn);
      // A paused container's processes die only once thawed.
      else if (cgroups?.freezerState() === "FROZEN") {
        await cgroups.thaw().catch((e) => logWarn((e as Error).message));
      }
      await wait(st.initPid);
    }
  });
  if (cgroups) {
    // Processes left in the cgroup (no pid namespace of its own) go too, as in runc.
    if (!pidNs && cgroups.exists() && cgroups.pids().length > 0) {
      await signalAll(sys, cgroups, SIGNALS.SIGKILL!, logWarn);
    }
    await cgroups.destroy().catch((e) => logError((e as Error).message));
  }
  if (st.intelRdtPath) {
    // The container's own Intel RDT group goes; a closID group is left (runc's Destroy).
    const { destroyGroup } = await import("../intelrdt/intelrdt.ts");
    try {
      destroyGroup(st.config.linux?.intelRdt, st.intelRdtPath);
    } catch (e) {
      logError((e as Error).message);
    }
  }
  Deno.removeSync(dir, { recursive: true });
  // As runc: poststop hooks run once the container is gone, and a failure is
  // logged without failing the delete.
  const state = hookState(st.config, id, st.bundle, "stopped", 0);
  await runHooksIfAny(sys, st.config.hooks?.poststop, state, st.bundle).catch((e) =>
    logError((e as Error).message)
  );
}

/** Whether the container has a pid namespace of its own (not one it joined). */
function ownPidNs(st: ContainerState): boolean {
  return (st.config.linux?.namespaces ?? []).some((n) => n.type === "pid" && !n.path);
}

/** runHooks, its modules (the stub's) loaded only when there are hooks to run. */
async function runHooksIfAny(
  sys: Sys,
  hooks: readonly Hook[] | undefined,
  state: HookState,
  cwd: string,
): Promise<void> {
  if (!hooks || hooks.length === 0) return;
  const { runHooks } = await import("../hooks/run.ts");
  await runHooks(sys, hooks, state, cwd);
}

/** Waits until a pid that is not our child has gone (or is a zombie). */
async function pollGone(pid: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    let state: string;
    try {
      state = Deno.readTextFileSync(`/proc/${pid}/stat`);
    } catch {
      return;
    }
    const letter = state.slice(state.lastIndexOf(")") + 2, state.lastIndexOf(")") + 3);
    if (letter === "Z" || letter === "X") return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new StateError(`container init ${pid} did not exit after SIGKILL`);
}
