/**
 * The state directory and cgroups of a container being set up (`create`,
 * `run`, `restore`), recorded before anything is made: a `creating.json`
 * names the cgroup directories before they exist, and state.json replaces it
 * once the init is ready. So at every point a CLI killed mid-way leaves either
 * nothing or what `delete --force` removes whole (the init itself dies with
 * the CLI until it is recorded: see csrc/protocol.h).
 *
 * @module
 */
import type { Spec } from "../spec/types.ts";
import type { Sys } from "../os/sys.ts";
import type { CgroupManager, CgroupPaths, SystemdCgroup } from "../cgroups/cgroups.ts";
import { newContainerCgroups, openCgroups, signalAll } from "../cgroups/container.ts";
import { allPids } from "../cgroups/tree.ts";
import { type ContainerState, stateDir, StateError, writeState } from "../state/state.ts";
import { signalProcess, SIGNALS } from "../os/signals.ts";
import { logWarn } from "../log.ts";
import { settled } from "../sync.ts";

/** The file that records a container being set up (its cgroups), until state.json does. */
export const CREATING_FILE = "creating.json";

/** What a set-up records before state.json exists. */
interface Creating {
  cgroupPaths: CgroupPaths;
  rootlessCgroups: boolean;
  /** The container's cgroup was there before (a shared one): its processes are not ours. */
  cgroupExisted?: boolean;
  /** The systemd unit (the systemd driver), stopped when the set-up is undone. */
  systemdCgroup?: SystemdCgroup;
  /** The container's own Intel RDT group, removed with it (see SetupOptions). */
  intelRdtPath?: string;
}

/** How a container's set-up begins. */
export interface SetupOptions {
  root: string;
  id: string;
  spec: Spec;
  /** --systemd-cgroup */
  systemdCgroup?: boolean | undefined;
  /** Cgroups the user may not manage are skipped (runc's RootlessCgroups). */
  rootlessCgroups: boolean;
  /** The cgroup mount point; default /sys/fs/cgroup (tests give a temp hierarchy). */
  cgroupRoot?: string | undefined;
  /**
   * The container's own Intel RDT group (no closID), which a set-up that
   * fails removes, as runc's Destroy does.
   */
  intelRdtPath?: string | undefined;
}

/** A container being set up: its directory, its cgroups, and how to undo both. */
export class ContainerSetup {
  private constructor(
    private readonly sys: Sys,
    /** The state directory. */
    readonly dir: string,
    /** The container's cgroups, recorded but not made yet. */
    readonly cgroups: CgroupManager,
    private readonly intelRdtPath?: string,
  ) {}

  /**
   * Makes the state directory and records the cgroups the container will have.
   *
   * @param sys the syscall surface
   * @param opts the root, id, spec and cgroup options
   * @returns the set-up
   * @throws StateError `container with id exists: ID`, or a cgroup error (nothing is left then)
   */
  static async begin(sys: Sys, opts: SetupOptions): Promise<ContainerSetup> {
    const dir = stateDir(opts.root, opts.id);
    // The root is private to its user, as runc makes it.
    Deno.mkdirSync(opts.root, { recursive: true, mode: 0o700 });
    try {
      Deno.mkdirSync(dir, { mode: 0o711 });
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) {
        throw new StateError(`container with id exists: ${opts.id}`);
      }
      throw e;
    }
    try {
      const cgroups = await newContainerCgroups(sys, opts.spec, {
        id: opts.id,
        systemd: opts.systemdCgroup,
        rootless: opts.rootlessCgroups,
        warn: logWarn,
        root: opts.cgroupRoot,
      });
      const creating: Creating = {
        cgroupPaths: cgroups.paths(),
        rootlessCgroups: opts.rootlessCgroups,
        cgroupExisted: cgroups.exists(),
        ...(cgroups.systemd ? { systemdCgroup: cgroups.systemd } : {}),
        ...(opts.intelRdtPath ? { intelRdtPath: opts.intelRdtPath } : {}),
      };
      const tmp = `${dir}/.${CREATING_FILE}.tmp`;
      Deno.writeTextFileSync(tmp, JSON.stringify(creating), { mode: 0o600 });
      Deno.renameSync(tmp, `${dir}/${CREATING_FILE}`);
      return new ContainerSetup(sys, dir, cgroups, opts.intelRdtPath);
    } catch (e) {
      Deno.removeSync(dir, { recursive: true });
      throw e;
    }
  }

  /**
   * Records the container: state.json takes the place of the set-up's record.
   *
   * @param state the state
   */
  async record(state: ContainerState): Promise<void> {
    await writeState(this.dir, state);
    await settled(() => Deno.removeSync(`${this.dir}/${CREATING_FILE}`));
  }

  /**
   * Undoes the set-up: the init (when there is one) killed and reaped, the
   * cgroups and the state directory removed.
   *
   * @param pid the container's init, 0 for none
   */
  async abort(pid: number): Promise<void> {
    if (pid > 0) {
      try {
        signalProcess(this.sys, pid, "SIGKILL");
        await this.sys.waitpid(pid);
      } catch { /* already gone */ }
    }
    await this.cgroups.destroy().catch((e) =>
      logWarn(`failed to remove cgroups: ${(e as Error).message}`)
    );
    await removeIntelRdtGroup(this.intelRdtPath);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Removes what a set-up that never finished left (its CLI was killed): the
 * processes in its recorded cgroups, the cgroups, the directory.
 *
 * @param sys the syscall surface
 * @param dir the state directory, which has no state.json
 */
export async function removeUnfinished(sys: Sys, dir: string): Promise<void> {
  let creating: Creating | undefined;
  try {
    creating = JSON.parse(Deno.readTextFileSync(`${dir}/${CREATING_FILE}`)) as Creating;
  } catch { /* nothing recorded: only the directory */ }
  const cgroups = await openCgroups(
    sys,
    creating?.cgroupPaths,
    creating?.rootlessCgroups ?? false,
    creating?.systemdCgroup,
  );
  // The stub and the init die with the CLI; what else is in cgroups the
  // set-up made (a hook's children) goes too, then the cgroups. A cgroup that
  // was there before is not the set-up's: it and its processes are left as they are.
  if (cgroups && !creating?.cgroupExisted) {
    if (cgroups.exists() && cgroups.pids().length > 0) {
      await signalAll(sys, cgroups, SIGNALS.SIGKILL!, logWarn);
    }
    // A CLI killed half-way may have made only some of the directories, or
    // moved its stub into only some of them.
    for (const dir of Object.values(cgroups.paths())) {
      for (const pid of allPids(dir)) {
        try {
          signalProcess(sys, pid, "SIGKILL");
        } catch { /* gone */ }
      }
    }
    await cgroups.destroy().catch((e) => logWarn((e as Error).message));
  }
  await removeIntelRdtGroup(creating?.intelRdtPath);
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* gone */ }
}

/** Removes a set-up's Intel RDT group, its module loaded only when there is one. */
async function removeIntelRdtGroup(path: string | undefined): Promise<void> {
  if (!path) return;
  const { removeGroup } = await import("../intelrdt/intelrdt.ts");
  try {
    removeGroup(path);
  } catch (e) {
    logWarn((e as Error).message);
  }
}
