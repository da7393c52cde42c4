/**
 * Creating a container: load and validate the bundle, plan the init program,
 * run the init stub, answer its handshake (see csrc/protocol.h) and record the
 * state. On any failure nothing is left behind: the init is killed and the
 * state directory removed.
 *
 * @module
 */
import { loadSpec } from "../spec/load.ts";
import type { Spec } from "../spec/types.ts";
import { planInit, type SeccompLoad, type SourceKind } from "../init/plan.ts";
import {
  type ContainerState,
  fifoPath,
  processStat,
  rfc3339Nano,
  stateDir,
  StateError,
  writeState,
} from "../state/state.ts";
import type { Sys } from "../os/sys.ts";
import { InitError, runInit } from "./init_process.ts";
import { idMapPlan, writeIdMaps } from "./idmap.ts";
import { containerRoot, delegate, mayManageCgroup } from "../cgroups/delegate.ts";
import type { CgroupManager } from "../cgroups/cgroups.ts";
import { exists } from "../cgroups/file.ts";
import { containerResources, newContainerCgroups } from "../cgroups/container.ts";
import { addNotifySocket, hostNotifySocket, notifyDir } from "./notify.ts";
import { logWarn } from "../log.ts";
import { hookState } from "../hooks/hooks.ts";
import { runHooks, runtimeEnv } from "../hooks/run.ts";
import { signalProcess } from "../os/signals.ts";
import { absPath } from "../os/path.ts";
import { apparmorExecAttr, egid, euid, selinuxEnabled } from "../os/host.ts";
import { settled } from "../sync.ts";

/** What `create` and `run` take from the command line. */
export interface CreateOptions {
  root: string;
  id: string;
  /** The bundle directory, absolute or relative to the cwd. */
  bundle: string;
  pidFile?: string | undefined;
  consoleSocket?: string | undefined;
  noPivot: boolean;
  noNewKeyring: boolean;
  /** --preserve-fds */
  preserveFds: number;
  /** --systemd-cgroup: linux.cgroupsPath is `slice:prefix:name`. */
  systemdCgroup?: boolean | undefined;
  /** Whether the caller will wait in the foreground (run without -d). */
  foreground: boolean;
  /** Called before anything is created when the container has a terminal relayed by runc. */
  onForegroundTerminal?: () => void;
}

/** A container whose init waits on the exec fifo. */
export interface Created {
  state: ContainerState;
  dir: string;
  /** The pty master, when the container has a terminal and runc stays in the foreground. */
  consoleFd?: number;
}

/**
 * runc's checkTerminal: a detached container with a terminal needs a console
 * socket, and a console socket needs a detached container with a terminal.
 *
 * @param terminal process.terminal
 * @param detach the command returns before the container ends (create, run -d, exec -d)
 * @param consoleSocket --console-socket
 */
export function checkTerminal(terminal: boolean, detach: boolean, consoleSocket?: string): void {
  if (detach && terminal && !consoleSocket) {
    throw new StateError("cannot allocate tty if runc will detach without setting console socket");
  }
  if ((!detach || !terminal) && consoleSocket) {
    throw new StateError("cannot use console socket if runc will not detach or allocate tty");
  }
}

/**
 * What to do with the pty master the init sends: pass it to the console
 * socket, or keep it for the foreground relay.
 */
export function consoleHandler(
  sys: Sys,
  consoleSocket: string | undefined,
  keep: (fd: number) => void,
): (fd: number) => void {
  return (fd) => {
    if (!consoleSocket) return keep(fd);
    try {
      sys.sendFd(absPath(consoleSocket), "/dev/ptmx", fd);
    } finally {
      sys.close(fd);
    }
  };
}

/**
 * Creates a container and leaves it in `created`.
 *
 * @param sys the syscall surface (ffi/helper.ts)
 * @param opts the command-line options
 * @returns the recorded state
 */
export async function createContainer(sys: Sys, opts: CreateOptions): Promise<Created> {
  const bundle = absPath(opts.bundle);
  const dir = stateDir(opts.root, opts.id);
  const spec = await loadSpec(bundle, {
    onWarning: logWarn,
    noPivotRoot: opts.noPivot,
    rootlessEuid: Deno.uid() !== 0,
    systemdCgroup: opts.systemdCgroup ?? false,
  });
  const process = spec.process;
  if (!process) throw new StateError("process is required to start a container");
  checkTerminal(!!process.terminal, !opts.foreground, opts.consoleSocket);
  if (process.terminal && opts.foreground) opts.onForegroundTerminal?.();
  const rootfs = absPath(spec.root?.path ?? "rootfs", bundle);

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

  let initPid = 0;
  let cgroups: CgroupManager | undefined;
  let consoleFd: number | undefined;
  try {
    cgroups = newContainerCgroups(sys, spec, {
      id: opts.id,
      systemd: opts.systemdCgroup,
      rootless: Deno.uid() !== 0,
      warn: logWarn,
    });
    const fifo = fifoPath(dir);
    sys.mkfifo(fifo, 0o622);
    if (hostNotifySocket()) {
      await Deno.mkdir(notifyDir(dir), { mode: 0o755 });
      addNotifySocket(spec, dir);
    }
    const listenFds = socketActivationFds();
    // The cgroups exist before the plan, which binds them into the container.
    try {
      cgroups.create();
    } catch (e) {
      throw new InitError(`unable to apply cgroup configuration: ${(e as Error).message}`);
    }
    const uidMaps = spec.linux?.uidMappings ?? [], gidMaps = spec.linux?.gidMappings ?? [];
    const maps = idMapPlan(uidMaps, gidMaps, euid(), egid());
    const plan = planInit({
      spec,
      rootfs,
      bundle,
      fifoPath: fifo,
      extraFds: listenFds + opts.preserveFds,
      noPivot: opts.noPivot,
      id: opts.id,
      noNewKeyring: opts.noNewKeyring,
      hostHasKcore: exists("/proc/kcore"),
      hostProcSysMounts: opts.noPivot ? hostProcSysMounts() : [],
      apparmorExecAttr: apparmorExecAttr(),
      selinuxEnabled: selinuxEnabled(),
      extraEnv: listenFds > 0 ? [`LISTEN_FDS=${listenFds}`, "LISTEN_PID=1"] : [],
      runtimeEnv: runtimeEnv(),
      seccomp: await compileSpecSeccomp(sys, spec),
      // Only the hierarchies it could make (a rootless caller may lack some).
      cgroupPaths: Object.fromEntries(Object.entries(cgroups.paths()).filter(([, p]) => exists(p))),
      setgroupsDenied: maps.denySetgroups,
      sourceKind,
      privileged: euid() === 0,
    });
    initPid = await runInit(sys, plan.ops, bundle, {
      onPid: async (pid) => {
        initPid = pid;
        if (plan.newUserns) await writeIdMaps(pid, uidMaps, gidMaps, maps);
        // The init waits: it joins its cgroups, limits set, before it runs anything.
        try {
          cgroups!.set(containerResources(spec));
          cgroups!.apply(pid);
          delegateCgroup(spec, cgroups!.paths()[""]);
        } catch (e) {
          throw new InitError(`unable to apply cgroup configuration: ${(e as Error).message}`);
        }
      },
      onConsole: consoleHandler(sys, opts.consoleSocket, (fd) => (consoleFd = fd)),
      onSeccompListener: async (pid, fd) => {
        const { sendListenerToAgent } = await import("../seccomp/agent.ts");
        sendListenerToAgent(sys, spec, opts.id, bundle, pid, fd);
      },
      onHooks: async (pid) => {
        const state = hookState(spec, opts.id, bundle, "creating", pid);
        await runHooks(sys, spec.hooks?.prestart, state, bundle);
        await runHooks(sys, spec.hooks?.createRuntime, state, bundle);
      },
    });
    const stat = processStat(initPid);
    const state: ContainerState = {
      id: opts.id,
      initPid,
      initStartTime: stat?.startTime ?? "",
      bundle,
      rootfs,
      created: rfc3339Nano(),
      owner: "",
      config: spec,
      cgroupPaths: cgroups.paths(),
    };
    await writeState(dir, state);
    if (opts.pidFile) await writePidFile(opts.pidFile, initPid);
    return { state, dir, ...(consoleFd !== undefined ? { consoleFd } : {}) };
  } catch (e) {
    if (consoleFd !== undefined) sys.close(consoleFd);
    if (initPid > 0) {
      try {
        signalProcess(sys, initPid, "SIGKILL");
        await sys.waitpid(initPid);
      } catch { /* already gone */ }
    }
    await cgroups?.destroy().catch((err) => logWarn(`failed to remove cgroups: ${err.message}`));
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

/**
 * Writes a pid file atomically (temp file, then rename), as runc does.
 *
 * @param path the file, relative to the cwd or absolute
 * @param pid the pid
 */
export function writePidFile(path: string, pid: number): Promise<void> {
  return settled(() => {
    const abs = absPath(path);
    const tmp = `${abs.slice(0, abs.lastIndexOf("/") + 1)}.${abs.slice(abs.lastIndexOf("/") + 1)}`;
    Deno.writeTextFileSync(tmp, String(pid), { mode: 0o644 });
    Deno.renameSync(tmp, abs);
  });
}

/**
 * linux.seccomp compiled with libseccomp; the compiler and the library are
 * loaded only for configs that have a filter.
 *
 * @param sys the syscall surface (it loads libseccomp)
 * @param spec the config
 * @returns the filter, or undefined when the config has none
 * @throws Error when libseccomp is missing or the profile is wrong
 */
export async function compileSpecSeccomp(
  sys: Pick<Sys, "libseccomp">,
  spec: Spec,
): Promise<SeccompLoad | undefined> {
  const config = spec.linux?.seccomp;
  // No default action and no rules: seccomp is off, as in runc.
  if (!config || (config.defaultAction === "" && (config.syscalls ?? []).length === 0)) {
    return undefined;
  }
  const [{ compileSeccomp }, lib] = await Promise.all([
    import("../seccomp/compile.ts"),
    sys.libseccomp(),
  ]);
  if (!lib) {
    throw new StateError(
      "linux.seccomp is set but libseccomp.so.2 was not found (apt-get install libseccomp2)",
    );
  }
  return compileSeccomp(lib, config);
}

/** The mount points of the host's full proc and sysfs mounts (root "/"), from mountinfo. */
function hostProcSysMounts(): string[] {
  const points: string[] = [];
  for (const line of Deno.readTextFileSync("/proc/self/mountinfo").split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const f = left.split(" ");
    const fstype = right.split(" ")[0];
    if (f[3] === "/" && (fstype === "proc" || fstype === "sysfs") && f[4]) {
      // mountinfo escapes spaces and the like as \ooo
      points.push(f[4].replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))));
    }
  }
  return points;
}

/**
 * The fds passed by systemd-style socket activation (LISTEN_FDS, for this
 * very process by LISTEN_PID), which go to the container from fd 3 on.
 */
function socketActivationFds(): number {
  const n = Number(Deno.env.get("LISTEN_FDS") ?? "");
  if (!Number.isInteger(n) || n <= 0) return 0;
  return Deno.env.get("LISTEN_PID") === String(Deno.pid) ? n : 0;
}

function sourceKind(path: string): SourceKind {
  try {
    return Deno.statSync(path).isDirectory ? "dir" : "file";
  } catch {
    return "missing";
  }
}

/** cgroup v2 delegation to the container's root user where it may manage its cgroup. */
function delegateCgroup(spec: Spec, v2dir: string | undefined): void {
  const owner = containerRoot(spec);
  if (!v2dir || !owner || !mayManageCgroup(spec) || !exists(v2dir)) return;
  let list: string;
  try {
    list = Deno.readTextFileSync("/sys/kernel/cgroup/delegate");
  } catch {
    list = "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n";
  }
  delegate(v2dir, owner, list);
}
