/**
 * The state directory of a container under the runc root (`--root`, default
 * /run/runc): `ROOT/ID/state.json`, written atomically, plus `exec.fifo` while
 * the container is created but not started. Status is derived from the live
 * init process, never from the file alone.
 *
 * @module
 */
import type { Spec } from "../spec/types.ts";
import { settled } from "../sync.ts";
import type { CgroupPaths, SystemdCgroup } from "../cgroups/cgroups.ts";
import { cgroupFrozen } from "../cgroups/frozen.ts";

/** What state.json holds. */
export interface ContainerState {
  /** The container id. */
  id: string;
  /** pid of the container's init in the runtime's pid namespace; 0 when none. */
  initPid: number;
  /** Field 22 of /proc/PID/stat when the init started, to tell a reused pid. */
  initStartTime: string;
  /** The bundle directory, absolute. */
  bundle: string;
  /** The rootfs, absolute. */
  rootfs: string;
  /** RFC 3339 with nanoseconds, UTC. */
  created: string;
  /** The owner runc reports (always "" here, as runc 1.1). */
  owner: string;
  /** The config.json the container was made from. */
  config: Spec;
  /**
   * The container's cgroup directories (runc's `cgroup_paths`): v1 controller
   * name to directory, `""` for the unified one; absent when it has none.
   */
  cgroupPaths?: CgroupPaths;
  /**
   * Cgroups the user may not manage are skipped (runc's rootless_cgroups),
   * as decided when the container was made.
   */
  rootlessCgroups?: boolean;
  /**
   * `--systemd-cgroup`: the systemd unit that holds the cgroup (runc keeps
   * its config.cgroups `Systemd`, `parent`, `scope_prefix` and `name`);
   * absent with the fs driver.
   */
  systemdCgroup?: SystemdCgroup;
  /**
   * The container's Intel RDT group (runc's `intel_rdt_path`), when its
   * config has intelRdt.
   */
  intelRdtPath?: string;
}

/** The statuses of the OCI runtime-spec (plus runc's `paused`). */
export type Status = "creating" | "created" | "running" | "paused" | "stopped";

/** A state error the CLI prints as is, e.g. `container does not exist`. */
export class StateError extends Error {
  /** @param message runc's wording */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StateError";
  }
}

/** No container with that id (no state.json): runc's ErrNotExist. */
export class NotExistError extends StateError {
  constructor() {
    super("container does not exist");
    this.name = "NotExistError";
  }
}

const ID_PATTERN = /^[\w+\-.]+$/;

/**
 * Checks a container id as runc does.
 *
 * @param id the id from the command line
 * @throws StateError `invalid id format: ID`
 */
export function validateId(id: string): void {
  if (!ID_PATTERN.test(id) || id === "." || id === "..") {
    throw new StateError(`invalid id format: ${id}`);
  }
}

/** The container's state directory. */
export function stateDir(root: string, id: string): string {
  validateId(id);
  return `${root}/${id}`;
}

const EXEC_FIFO = "exec.fifo";

/** The exec fifo path inside a state directory. */
export function fifoPath(dir: string): string {
  return `${dir}/${EXEC_FIFO}`;
}

/**
 * Writes state.json atomically (temp file, then rename).
 *
 * @param dir the state directory
 * @param state the state
 */
export function writeState(dir: string, state: ContainerState): Promise<void> {
  return settled(() => {
    const tmp = `${dir}/.state.json.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    Deno.renameSync(tmp, `${dir}/state.json`);
  });
}

/**
 * Reads a container's state.
 *
 * @param root the runc root
 * @param id the container id
 * @returns the state
 * @throws NotExistError `container does not exist` when there is no such container
 */
export function readState(root: string, id: string): Promise<ContainerState> {
  return settled(() => readStateSync(root, id));
}

/** {@linkcode readState}, synchronously (see core/sync.ts on why). */
function readStateSync(root: string, id: string): ContainerState {
  const dir = stateDir(root, id);
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/state.json`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new NotExistError();
    throw new StateError(`read state of container ${id}`, { cause: e });
  }
  try {
    return JSON.parse(text) as ContainerState;
  } catch (e) {
    throw new StateError(`state of container ${id} is corrupt: ${(e as Error).message}`);
  }
}

/**
 * The start time (field 22 of /proc/PID/stat) and the state letter of a
 * process, or undefined when it does not exist.
 *
 * @param pid the pid
 */
export function processStat(pid: number): { startTime: string; state: string } | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0] ?? "", startTime: fields[19] ?? "" };
}

/**
 * Whether the container's init is alive: the pid exists, is not a zombie, and
 * started when the init did (so a reused pid is not taken for it).
 */
export function initAlive(state: ContainerState): boolean {
  if (!state.initPid) return false;
  const st = processStat(state.initPid);
  return st !== undefined && st.startTime === state.initStartTime && st.state !== "Z" &&
    st.state !== "X";
}

/**
 * Derives the status of a container from its init process and its files.
 *
 * @param root the runc root
 * @param state the container's state
 * @returns the status
 */
export function containerStatus(root: string, state: ContainerState): Status {
  if (!initAlive(state)) return "stopped";
  // As runc: a frozen cgroup is `paused`, whether started or not.
  if (cgroupFrozen(state.cgroupPaths)) return "paused";
  return hasExecFifo(stateDir(root, state.id)) ? "created" : "running";
}

/**
 * Whether the state directory holds the exec fifo (the init waits on it until
 * start). Read from the directory, not stat'ed: the first lstatSync of a
 * process that fails costs about 0.8 ms (Deno makes its error the first
 * time), the first readDirSync 0.25.
 */
function hasExecFifo(dir: string): boolean {
  try {
    for (const e of Deno.readDirSync(dir)) if (e.name === EXEC_FIFO) return true;
  } catch { /* the directory is gone: no fifo */ }
  return false;
}

/**
 * The ids of the containers under a root, sorted; none when the root is missing.
 *
 * @param root the runc root
 */
export function listIds(root: string): Promise<string[]> {
  return settled(() => listIdsSync(root));
}

/** {@linkcode listIds}, synchronously (see core/sync.ts on why). */
function listIdsSync(root: string): string[] {
  const ids: string[] = [];
  try {
    for (const e of Deno.readDirSync(root)) if (e.isDirectory) ids.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new StateError(`open ${root}: permission denied`);
    }
    throw e;
  }
  return ids.sort();
}

/**
 * Holds an exclusive lock on the state directory while fn runs, so that
 * commands on one container do not interleave.
 */
export async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const f = Deno.openSync(dir, { read: true });
  try {
    // Blocking: the other command holding it is what we wait for anyway.
    f.lockSync(true);
    return await fn();
  } finally {
    f.close();
  }
}

/** Nanoseconds since the epoch, as precise as the clock Deno exposes. */
export function nowNanos(): bigint {
  return BigInt(Math.round(performance.timeOrigin * 1000)) * 1000n +
    BigInt(Math.round(performance.now() * 1e6));
}

/**
 * A time as RFC 3339 with nanoseconds in UTC, as Go's time.RFC3339Nano prints
 * it (trailing zeros of the fraction dropped).
 *
 * @param ns nanoseconds since the epoch; default now
 * @returns e.g. `2026-11-28T00:21:24.586196961Z`
 */
export function rfc3339Nano(ns: bigint = nowNanos()): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  const frac = String(ns % 1_000_000_000n).padStart(9, "0").replace(/0+$/, "");
  return `${iso.slice(0, 19)}${frac ? `.${frac}` : ""}Z`;
}
