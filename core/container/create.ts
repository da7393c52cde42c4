/**
 * Creating a container: load and validate the bundle, record its set-up
 * (setup.ts), plan the init program, run the init stub, answer its handshake
 * (see csrc/protocol.h) and record the state before the init lives on
 * without us. On any failure nothing is left behind: the init is killed, the
 * cgroups and the state directory removed; a CLI killed mid-way leaves what
 * `delete --force` removes.
 *
 * @module
 */
import { loadSpec } from "../spec/load.ts";
import type { Spec } from "../spec/types.ts";
import { planInit } from "../init/plan.ts";
import { CgroupJoin } from "../init/protocol.ts";
import type { CgroupManager } from "../cgroups/cgroups.ts";
import type { SourceKind } from "../init/plan_rootfs.ts";
import { type ContainerState, fifoPath, processStat, rfc3339Nano } from "../state/state.ts";
import { writePidFile } from "../state/pid_file.ts";
import type { Sys } from "../os/sys.ts";
import { InitError, runInit, startStubJoined } from "../init/stub.ts";
import { ContainerSetup } from "./setup.ts";
import { idMapPlan, writeIdMaps } from "./idmap.ts";
import { checkTerminal, consoleHandler } from "./tty.ts";
import { containerRoot, delegate, mayManageCgroup } from "../cgroups/delegate.ts";
import { exists } from "../cgroups/file.ts";
import { containerResources } from "../cgroups/container.ts";
import { addNotifySocket, hostNotifySocket, notifyDir } from "./notify.ts";
import { debugEnabled, logPhase, logWarn } from "../log.ts";
import { hookState } from "../init/hook_state.ts";
import { runHooks } from "../hooks/run.ts";
import { loadSeccomp } from "../seccomp/load.ts";
import { absPath } from "../os/path.ts";
import {
  apparmorExecAttr,
  egid,
  euid,
  mountInfo,
  type Rootless,
  selinuxEnabled,
} from "../os/host.ts";
import { testKillPoint } from "../init/kill_points.ts";
import type { IntelRdtManager } from "../intelrdt/intelrdt.ts";

/** What `create` and `run` take from the command line. */
export interface CreateOptions {
  /** The state root (runc's `--root`). */
  root: string;
  /** The container id. */
  id: string;
  /** The bundle directory, absolute or relative to the cwd. */
  bundle: string;
  /** `--pid-file`: where the init's pid is written. */
  pidFile?: string | undefined;
  /** `--console-socket`: where the pty master goes when the process has a terminal. */
  consoleSocket?: string | undefined;
  /** `--no-pivot`: MS_MOVE and chroot instead of pivot_root. */
  noPivot: boolean;
  /** `--no-new-keyring`: the container keeps the caller's session keyring. */
  noNewKeyring: boolean;
  /** --preserve-fds */
  preserveFds: number;
  /** --systemd-cgroup: linux.cgroupsPath is `slice:prefix:name`. */
  systemdCgroup?: boolean | undefined;
  /** How the runtime runs (the global --rootless and the ids), decided once by the caller. */
  rootless: Rootless;
  /** Whether the caller will wait in the foreground (run without -d). */
  foreground: boolean;
  /** Called before anything is created when the container has a terminal relayed by runc. */
  onForegroundTerminal?: () => void;
}

/** A container whose init waits on the exec fifo. */
export interface Created {
  /** What state.json holds. */
  state: ContainerState;
  /** The state directory. */
  dir: string;
  /** The pty master, when the container has a terminal and runc stays in the foreground. */
  consoleFd?: number;
}

/**
 * The cgroups the stub can join itself (ops.joinCgroup), or undefined when
 * the CLI moves it into them (cgroup.procs, or systemd): the stub joins when
 * the cgroupfs driver manages root's cgroups and no namespace is joined by
 * path before the clone (which would put the cgroup2 directory out of reach
 * of its cgroup namespace, or change its credentials). v1 hierarchies by
 * their tasks file, the cgroup2 directory (key "") by the clone.
 *
 * @param cgroups the container's cgroups, made
 * @param rootlessCgroups the caller manages rootless cgroups (joins may be refused)
 * @param spec the container's spec
 */
export function selfJoins(
  cgroups: Pick<CgroupManager, "systemd" | "paths">,
  rootlessCgroups: boolean,
  spec: Spec,
): { dir: string; how: CgroupJoin }[] | undefined {
  if (cgroups.systemd || rootlessCgroups) return undefined;
  if ((spec.linux?.namespaces ?? []).some((n) => n.path)) return undefined;
  return Object.entries(cgroups.paths()).map(([controller, dir]) => ({
    dir,
    how: controller === "" ? CgroupJoin.CLONE_INTO : CgroupJoin.TASKS,
  }));
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
  const spec = await loadSpec(bundle, {
    onWarning: logWarn,
    noPivotRoot: opts.noPivot,
    rootlessEuid: opts.rootless.euid,
    systemdCgroup: opts.systemdCgroup ?? false,
  });
  logPhase("create: config loaded");
  const process = spec.process!;
  checkTerminal(!!process.terminal, !opts.foreground, opts.consoleSocket);
  if (process.terminal && opts.foreground) opts.onForegroundTerminal?.();
  const rootfs = absPath(spec.root?.path ?? "rootfs", bundle);
  const seccomp = await loadSeccomp(sys, spec);

  // Loaded only for a config with intelRdt (validation found resctrl mounted).
  const rdt = spec.linux?.intelRdt ? await intelRdtManager(spec, opts.id) : undefined;
  let rdtMade = false;

  const setup = await ContainerSetup.begin(sys, {
    root: opts.root,
    id: opts.id,
    spec,
    systemdCgroup: opts.systemdCgroup,
    rootlessCgroups: opts.rootless.cgroups,
    intelRdtPath: rdt?.owned ? rdt.path : undefined,
  });
  testKillPoint("recorded");
  logPhase("create: set-up recorded");
  const { cgroups, dir } = setup;
  let initPid = 0;
  let consoleFd: number | undefined;
  let state: ContainerState | undefined;
  try {
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
    testKillPoint("cgroups");
    logPhase("create: cgroups made");
    const uidMaps = spec.linux?.uidMappings ?? [], gidMaps = spec.linux?.gidMappings ?? [];
    const maps = idMapPlan(uidMaps, gidMaps, euid(), egid());
    const stubJoins = selfJoins(cgroups, opts.rootless.cgroups, spec);
    // The stub starts now and, unless it joins the cgroups itself first thing
    // in its program, is moved into them while the init is planned; the init
    // it clones inherits them.
    const { stub, planned: plan, program } = await startStubJoined(
      sys,
      bundle,
      (pid) =>
        stubJoins ? Promise.resolve() : cgroups.apply(pid).catch((e) => {
          throw new InitError(`unable to apply cgroup configuration: ${(e as Error).message}`);
        }),
      () => {
        const planned = planInit({
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
          seccomp,
          // Only the hierarchies it could make (a rootless caller may lack
          // some); systemd makes its unit's while this plan is made.
          cgroupPaths: cgroups.systemd ? cgroups.paths() : Object.fromEntries(
            Object.entries(cgroups.paths()).filter(([, p]) => exists(p)),
          ),
          setgroupsDenied: maps.denySetgroups,
          sourceKind,
          privileged: !opts.rootless.euid,
          debug: debugEnabled(),
          cgroupJoins: stubJoins,
        });
        logPhase("create: init planned");
        return planned;
      },
      (planned) => planned.ops,
    );
    logPhase("create: cgroups joined");
    initPid = await runInit(sys, program, stub, {
      onPid: async (pid) => {
        initPid = pid;
        testKillPoint("pid");
        if (plan.newUserns) await writeIdMaps(pid, uidMaps, gidMaps, maps);
        // The init waits, in the cgroups it inherited, until their limits are set.
        try {
          await cgroups.set(containerResources(spec));
          delegateCgroup(spec, cgroups.paths()[""]);
        } catch (e) {
          throw new InitError(`unable to apply cgroup configuration: ${(e as Error).message}`);
        }
        if (rdt) {
          rdtMade = applyIntelRdt(rdt, pid);
          setIntelRdt(spec, rdt);
        }
        testKillPoint("joined");
        logPhase("create: limits set");
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
      // Recorded while the init still dies with us: from here on delete finds it.
      onReady: async (pid) => {
        testKillPoint("ready");
        state = {
          id: opts.id,
          initPid: pid,
          initStartTime: processStat(pid)?.startTime ?? "",
          bundle,
          rootfs,
          created: rfc3339Nano(),
          owner: "",
          config: spec,
          cgroupPaths: cgroups.paths(),
          rootlessCgroups: opts.rootless.cgroups,
          ...(cgroups.systemd ? { systemdCgroup: cgroups.systemd } : {}),
          ...(rdt ? { intelRdtPath: rdt.path } : {}),
        };
        await setup.record(state);
        if (opts.pidFile) await writePidFile(opts.pidFile, pid);
        testKillPoint("recorded-state");
        logPhase("create: state recorded");
      },
    });
    return { state: state!, dir, ...(consoleFd !== undefined ? { consoleFd } : {}) };
  } catch (e) {
    if (consoleFd !== undefined) sys.close(consoleFd);
    await setup.abort(initPid);
    // The set-up removes the container's own group; a closID group only if made here.
    if (rdt && rdtMade && !rdt.owned) {
      const { removeGroup } = await import("../intelrdt/intelrdt.ts");
      try {
        removeGroup(rdt.path);
      } catch (e2) {
        logWarn((e2 as Error).message);
      }
    }
    throw e;
  }
}

/** The container's Intel RDT group manager. */
async function intelRdtManager(spec: Spec, id: string): Promise<IntelRdtManager> {
  const { IntelRdtError, NOT_MOUNTED, newManager } = await import("../intelrdt/intelrdt.ts");
  const m = newManager(spec.linux?.intelRdt, id);
  if (!m) throw new IntelRdtError(NOT_MOUNTED);
  return m;
}

/** Puts the waiting init in its Intel RDT group; whether the group was made here. */
function applyIntelRdt(rdt: IntelRdtManager, pid: number): boolean {
  try {
    return rdt.apply(pid);
  } catch (e) {
    throw new InitError(`unable to apply Intel RDT configuration: ${(e as Error).message}`);
  }
}

/**
 * Writes the group's schemata, in runc's words when that fails (runc sets
 * them when the init asks for its prestart hooks, or, without a mount
 * namespace, when it is ready).
 */
function setIntelRdt(spec: Spec, rdt: IntelRdtManager): void {
  try {
    rdt.set(spec.linux!.intelRdt!);
  } catch (e) {
    const stage = (spec.linux?.namespaces ?? []).some((n) => n.type === "mount")
      ? "procHooks"
      : "ready";
    throw new InitError(
      `error setting Intel RDT config for ${stage} process: ${(e as Error).message}`,
    );
  }
}

/** The mount points of the host's full proc and sysfs mounts (root "/"). */
function hostProcSysMounts(): string[] {
  return mountInfo()
    .filter((m) => m.root === "/" && (m.fstype === "proc" || m.fstype === "sysfs"))
    .map((m) => m.point);
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
