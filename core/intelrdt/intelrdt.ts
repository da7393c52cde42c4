/**
 * Intel RDT (`linux.intelRdt`) through the resctrl file system, as runc 1.1's
 * libcontainer/intelrdt does it. The container gets a group, a directory of
 * the resctrl mount: `<mount>/<closID>` when the config names a class of
 * service, else `<mount>/<container id>`. Its `schemata` file takes the
 * config's `l3CacheSchema` and `memBwSchema` lines; the container's init (and
 * every process `exec` adds) is written to its `tasks`. The mount is found in
 * /proc/self/mountinfo (`core/os/host.ts`, which also holds the test hook
 * RUNC_TEST_RESCTRL_ROOT); nothing here assumes /sys/fs/resctrl.
 *
 * The kernel checks what is written: a schema it refuses fails the write
 * with EINVAL and says why in `info/last_cmd_status`, which every error here
 * carries, as runc's do.
 *
 * Loaded only by the commands of a container whose config has `intelRdt`.
 *
 * @module
 */
import type { LinuxIntelRdt } from "../spec/types.ts";
import { resctrlMount, resctrlOffers } from "../os/host.ts";
import { Errno, osErrno, pathError } from "../os/errno.ts";

/** runc's words when resctrl is not mounted. */
export const NOT_MOUNTED = "Intel RDT resctrl mount point not found";

/** A failure of the Intel RDT code; the message names the file and what was written. */
export class IntelRdtError extends Error {
  /** @param message what failed */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "IntelRdtError";
  }
}

/**
 * The resctrl mount point.
 *
 * @throws IntelRdtError {@linkcode NOT_MOUNTED}
 */
export function resctrlRoot(): string {
  const m = resctrlMount();
  if (!m) throw new IntelRdtError(NOT_MOUNTED);
  return m.point;
}

/** What the resctrl mount offers, from its `info` directory. */
export interface Features {
  /** Cache allocation (info/L3). */
  cat: boolean;
  /** Memory bandwidth allocation (info/MB, or a mount with `-o mba_MBps`). */
  mba: boolean;
  /** info/L3_MON/mon_features lists mbm_total_bytes. */
  mbmTotal: boolean;
  /** info/L3_MON/mon_features lists mbm_local_bytes. */
  mbmLocal: boolean;
  /** info/L3_MON/mon_features lists llc_occupancy (cache monitoring). */
  cmt: boolean;
}

/**
 * The features of a resctrl mount, as runc 1.1 probes them (without
 * /proc/cpuinfo, as later 1.1 releases: see core/os/host.ts resctrlOffers).
 *
 * @param root the mount point
 * @param mbaMBps mounted with `-o mba_MBps`
 */
export function features(root: string, mbaMBps = false): Features {
  let mon: string[] = [];
  try {
    mon = Deno.readTextFileSync(`${root}/info/L3_MON/mon_features`).split("\n");
  } catch { /* no monitoring */ }
  const m = { point: root, mbaMBps };
  return {
    cat: resctrlOffers(m, "L3"),
    mba: resctrlOffers(m, "MB"),
    mbmTotal: mon.includes("mbm_total_bytes"),
    mbmLocal: mon.includes("mbm_local_bytes"),
    cmt: mon.includes("llc_occupancy"),
  };
}

/** This host's resctrl features; none when resctrl is not mounted. */
export function hostFeatures(): Features {
  const m = resctrlMount();
  if (!m) return { cat: false, mba: false, mbmTotal: false, mbmLocal: false, cmt: false };
  return features(m.point, m.mbaMBps);
}

/**
 * What runc writes to `schemata`: the L3 line, the MB line, or both joined by
 * a newline; undefined when the config has neither (the group's schemata
 * are left as they are).
 *
 * @param config the container's intelRdt
 */
export function schemataText(config: LinuxIntelRdt): string | undefined {
  const lines = [config.l3CacheSchema ?? "", config.memBwSchema ?? ""].filter((l) => l !== "");
  return lines.length ? lines.join("\n") : undefined;
}

/**
 * Appends `info/last_cmd_status` (the kernel's reason for the last refused
 * operation) to an error, as runc's newLastCmdError does.
 *
 * @param root the resctrl mount, undefined when unknown (nothing is appended)
 * @param message the error
 * @returns the error
 */
export function lastCmdError(root: string | undefined, message: string): IntelRdtError {
  if (root === undefined) return new IntelRdtError(message);
  try {
    const status = Deno.readTextFileSync(`${root}/info/last_cmd_status`).trim();
    return new IntelRdtError(`${message}, last_cmd_status: ${status}`);
  } catch {
    return new IntelRdtError(message);
  }
}

/** Go's os.WriteFile (the open and the write failing in their own words). */
function writeText(path: string, text: string, append: boolean): string | undefined {
  let f: Deno.FsFile;
  try {
    f = Deno.openSync(path, { write: true, create: true, append, truncate: !append, mode: 0o600 });
  } catch (e) {
    return pathError("open", path, e);
  }
  try {
    // One write(2): the kernel takes a schemata or a task id per write.
    const data = new TextEncoder().encode(text);
    const n = f.writeSync(data);
    if (n !== data.length) return `write ${path}: short write`;
  } catch (e) {
    return pathError("write", path, e);
  } finally {
    f.close();
  }
  return undefined;
}

/**
 * Adds a process to a group: its id written to the group's `tasks`.
 *
 * @param dir the group
 * @param pid the process
 * @param root the resctrl mount, for `last_cmd_status` in the error
 * @throws IntelRdtError `intelrdt: unable to add pid PID: write DIR/tasks: ...`
 */
export function writeTasks(dir: string, pid: number, root?: string): void {
  // Appended, one id a line: the kernel takes it so (and moves the task
  // into the group); a test's plain file keeps every id written.
  const err = writeText(`${dir}/tasks`, `${pid}\n`, true);
  if (err) throw lastCmdError(root, `intelrdt: unable to add pid ${pid}: ${err}`);
}

/**
 * Removes a group (the kernel moves what tasks it still has to the default
 * group). A plain directory standing in for one goes with its files.
 *
 * @param path the group
 * @throws IntelRdtError `remove PATH: ...`
 */
export function removeGroup(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    if (osErrno(e) !== Errno.ENOTEMPTY) throw new IntelRdtError(pathError("remove", path, e));
    try {
      Deno.removeSync(path, { recursive: true });
    } catch (e2) {
      if (!(e2 instanceof Deno.errors.NotFound)) {
        throw new IntelRdtError(pathError("remove", path, e2));
      }
    }
  }
}

/**
 * One container's resctrl group (runc's intelRdtManager).
 */
export class IntelRdtManager {
  #path: string;

  /**
   * @param root the resctrl mount
   * @param config the container's intelRdt
   * @param id the container id (the group's name without a closID)
   * @param path the group recorded in the state, "" for none yet
   */
  constructor(
    readonly root: string,
    private config: LinuxIntelRdt,
    private readonly id: string,
    path = "",
  ) {
    this.#path = path;
  }

  /** The group: the recorded one, else `<root>/<closID or id>` (runc's GetPath). */
  get path(): string {
    return this.#path || `${this.root}/${this.config.closID || this.id}`;
  }

  /** Whether the group belongs to the container (no closID): delete removes it then. */
  get owned(): boolean {
    return !this.config.closID;
  }

  /**
   * Makes the group when it is missing and puts pid in it (runc's Apply). A
   * closID without schemas must name a group that exists.
   *
   * @param pid the container's init
   * @returns whether the group was made here
   * @throws IntelRdtError in runc's words, with `last_cmd_status`
   */
  apply(pid: number): boolean {
    const path = this.path;
    const c = this.config;
    if (c.closID && !c.l3CacheSchema && !c.memBwSchema) {
      try {
        Deno.statSync(path);
      } catch (e) {
        throw new IntelRdtError(
          "clos dir not accessible (must be pre-created when l3CacheSchema and memBwSchema " +
            `are empty): ${pathError("stat", path, e)}`,
        );
      }
    }
    let made = false;
    try {
      Deno.mkdirSync(path, { mode: 0o755 });
      made = true;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists) || !isDir(path)) {
        throw lastCmdError(this.root, pathError("mkdir", path, e));
      }
    }
    try {
      writeTasks(path, pid, this.root);
    } catch (e) {
      if (made) {
        try {
          removeGroup(path);
        } catch { /* the error below says what failed first */ }
      }
      // runc adds last_cmd_status a second time here; once says it.
      throw e;
    }
    this.#path = path;
    return made;
  }

  /**
   * Writes the schemata of config to the group (runc's Set); nothing when
   * it has no schema.
   *
   * @param config the intelRdt to set (the container's, or an update's)
   * @throws IntelRdtError `intelrdt: unable to write SCHEMA: write PATH/schemata: invalid argument, last_cmd_status: ...`
   */
  set(config: LinuxIntelRdt): void {
    const text = schemataText(config);
    if (text === undefined) return;
    const err = writeText(`${this.path}/schemata`, `${text}\n`, false);
    if (err) throw lastCmdError(this.root, `intelrdt: unable to write ${text}: ${err}`);
    this.config = config;
  }

  /** Removes the group when it is the container's own (no closID: runc's Destroy). */
  destroy(): void {
    destroyGroup(this.config, this.path);
  }
}

/**
 * runc's Destroy: removes a container's group unless the config names a
 * closID (such a group is someone else's, maybe shared by other containers).
 *
 * @param config the container's intelRdt
 * @param path its group, "" for none
 */
export function destroyGroup(config: LinuxIntelRdt | undefined, path: string): void {
  if (path && !config?.closID) removeGroup(path);
}

/**
 * Puts an exec'd process in the container's group when the group exists
 * (as runc's setns process does).
 *
 * @param path the group recorded in the state
 * @param pid the process
 * @throws IntelRdtError `intelrdt: unable to add pid PID: ...`
 */
export function joinGroup(path: string, pid: number): void {
  if (!isDir(path)) return;
  writeTasks(path, pid, resctrlMount()?.point);
}

/**
 * `runc update`'s checks of --l3-cache-schema and --mem-bw-schema against
 * what the host's resctrl offers.
 *
 * @throws IntelRdtError in runc's words
 */
export function checkUpdate(l3CacheSchema: string, memBwSchema: string): void {
  const f = hostFeatures();
  if (l3CacheSchema && !f.cat) {
    throw new IntelRdtError("Intel RDT/CAT: l3 cache schema is not enabled");
  }
  if (memBwSchema && !f.mba) {
    throw new IntelRdtError("Intel RDT/MBA: memory bandwidth schema is not enabled");
  }
}

/**
 * The manager of a container, or undefined when its config has no intelRdt
 * or resctrl is not mounted (runc 1.1's NewManager).
 *
 * @param config the container's intelRdt
 * @param id the container id
 * @param path the group recorded in its state
 */
export function newManager(
  config: LinuxIntelRdt | undefined,
  id: string,
  path = "",
): IntelRdtManager | undefined {
  if (!config) return undefined;
  const m = resctrlMount();
  return m ? new IntelRdtManager(m.point, config, id, path) : undefined;
}

function isDir(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
