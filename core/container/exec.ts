/**
 * `runc exec`: a new process in a running container, in all of its
 * namespaces, set up as runc's setns init does, then waited for in the
 * foreground or left running with -d.
 *
 * @module
 */
import type { Process } from "../spec/types.ts";
import { decodeProcess } from "../spec/decode.ts";
import { readBoundedText } from "../spec/load.ts";
import { checkProcessLabels } from "../spec/validate.ts";
import { planExec } from "../init/plan_exec.ts";
import { containerStatus, readState, StateError } from "../state/state.ts";
import { InitError, runInit, startStubJoined } from "../init/stub.ts";
import { writePidFile } from "../state/pid_file.ts";
import { loadSeccomp } from "../seccomp/load.ts";
import { debugEnabled } from "../log.ts";
import { testKillPoint } from "../init/kill_points.ts";
import { waitForeground } from "./foreground.ts";
import { checkTerminal, consoleHandler, findHostConsole, type HostConsole } from "./tty.ts";
import type { Sys } from "../os/sys.ts";
import { exitCodeOf, signalProcess } from "../os/signals.ts";
import { apparmorExecAttr, selinuxEnabled } from "../os/host.ts";
import { absPath } from "../os/path.ts";

/** The options of `runc exec`. */
export interface ExecOptions {
  root: string;
  id: string;
  /** --process: a process.json used instead of the container's process and the flags below. */
  processPath?: string | undefined;
  /** The command and its arguments. */
  args: string[];
  cwd?: string | undefined;
  /** --env, appended. */
  env: string[];
  /** --tty, when given. */
  tty?: boolean | undefined;
  /** --user uid[:gid] */
  user?: string | undefined;
  additionalGids: number[];
  processLabel?: string | undefined;
  apparmor?: string | undefined;
  /** --no-new-privs, when given. */
  noNewPrivs?: boolean | undefined;
  /** --cap, added to every capability set. */
  caps: string[];
  preserveFds: number;
  detach: boolean;
  pidFile?: string | undefined;
  consoleSocket?: string | undefined;
  ignorePaused: boolean;
  /** --cgroup: sub-cgroups to run in, `path` or `controller[,controller]:path`. */
  cgroups?: string[];
}

/**
 * The process to run, as runc's getProcess makes it.
 *
 * @param base the container's process (from its config)
 * @param opts the flags
 * @returns the process
 */
export async function execProcess(base: Process | undefined, opts: ExecOptions): Promise<Process> {
  let p: Process;
  if (opts.processPath) {
    p = decodeProcess(await readBoundedText(absPath(opts.processPath), opts.processPath));
  } else {
    if (!base) throw new StateError("the container's config has no process");
    p = structuredClone(base);
    p.args = opts.args;
    if (opts.cwd) p.cwd = opts.cwd;
    if (opts.apparmor) p.apparmorProfile = opts.apparmor;
    if (opts.processLabel) p.selinuxLabel = opts.processLabel;
    if (opts.caps.length > 0) {
      const c = (p.capabilities ??= {});
      for (const cap of opts.caps) {
        // Not the inheritable set (CVE-2022-29162): runc 1.1.2 and later leave it alone.
        for (const set of ["bounding", "effective", "permitted", "ambient"] as const) {
          (c[set] ??= []).push(cap);
        }
      }
    }
    p.env = [...(p.env ?? []), ...opts.env];
    p.terminal = opts.tty ?? false;
    if (opts.noNewPrivs !== undefined) p.noNewPrivileges = opts.noNewPrivs;
    if (opts.user) {
      const [uid, gid] = opts.user.split(/:(.*)/s) as [string, string | undefined];
      const user = (p.user ??= { uid: 0, gid: 0 });
      if (gid !== undefined) user.gid = goAtoi(gid, "gid");
      user.uid = goAtoi(uid, "uid");
    }
    for (const gid of opts.additionalGids) {
      if (gid < 0) throw new StateError(`additional-gids must be a positive number ${gid}`);
      ((p.user ??= { uid: 0, gid: 0 }).additionalGids ??= []).push(gid);
    }
  }
  if (!p.args || p.args.length === 0) throw new StateError("args must not be empty");
  if (!p.cwd) throw new StateError("cwd property must not be empty");
  if (!p.cwd.startsWith("/")) throw new StateError("cwd must be an absolute path");
  return p;
}

/** strconv.Atoi with runc's message. */
function goAtoi(s: string, what: string): number {
  if (!/^[+-]?\d+$/.test(s)) {
    throw new StateError(
      `parsing ${s} as int for ${what} failed: strconv.Atoi: parsing ${
        JSON.stringify(s)
      }: invalid syntax`,
    );
  }
  return Number(s);
}

/**
 * Runs a process in a container.
 *
 * @param sys the syscall surface
 * @param opts the options
 * @returns the process's exit code (128 + N when killed by signal N), or 0 with -d
 */
export async function execInContainer(sys: Sys, opts: ExecOptions): Promise<number> {
  const st = await readState(opts.root, opts.id);
  const status = containerStatus(opts.root, st);
  if (status === "stopped") throw new StateError("cannot exec in a stopped container");
  if (status === "paused" && !opts.ignorePaused) {
    throw new StateError("cannot exec in a paused container (use --ignore-paused to override)");
  }
  const process = await execProcess(st.config.process, opts);
  checkProcessLabels(process, {});
  checkTerminal(!!process.terminal, opts.detach, opts.consoleSocket);
  let host: HostConsole | undefined;
  if (process.terminal && !opts.detach) host = findHostConsole(sys);

  // --cgroup is checked before anything runs.
  const { execCgroupPaths, joinCgroups, parseSubCgroups } = await import(
    "../cgroups/container.ts"
  );
  const cgroupPaths = st.cgroupPaths
    ? execCgroupPaths(st.cgroupPaths, parseSubCgroups(opts.cgroups ?? []))
    : undefined;
  let consoleFd: number | undefined;
  let pid = 0;
  try {
    // The stub joins the container's cgroups (or the --cgroup sub-cgroups)
    // while the process is planned; what it clones inherits them.
    const { stub, program } = await startStubJoined(
      sys,
      st.bundle,
      (p) =>
        cgroupPaths
          ? joinCgroups(sys, cgroupPaths, p, st.rootlessCgroups === true, st.initPid)
          : Promise.resolve(),
      async () =>
        planExec({
          process,
          namespaces: st.config.linux?.namespaces ?? [],
          initPid: st.initPid,
          oomScoreAdj: st.config.process?.oomScoreAdj,
          id: opts.id,
          extraFds: opts.preserveFds,
          apparmorExecAttr: apparmorExecAttr(),
          selinuxEnabled: selinuxEnabled(),
          seccomp: await loadSeccomp(sys, st.config),
          // A rootless container that maps only its user's ids has setgroups denied.
          setgroupsDenied: setgroupsDenied(st.initPid),
          debug: debugEnabled(),
        }),
      (ops) => ops,
    );
    pid = await runInit(sys, program, stub, {
      // Known from here on, so a failure below kills and reaps it.
      onPid: async (p) => {
        pid = p;
        if (st.intelRdtPath) await joinIntelRdt(st.intelRdtPath, p);
      },
      onConsole: consoleHandler(sys, opts.consoleSocket, (fd) => (consoleFd = fd)),
      onSeccompListener: async (p, fd) => {
        const { sendListenerToAgent } = await import("../seccomp/agent.ts");
        sendListenerToAgent(sys, st.config, opts.id, st.bundle, p, fd);
      },
      // Written while the process still dies with us.
      onReady: async (p) => {
        testKillPoint("ready");
        if (opts.pidFile) await writePidFile(opts.pidFile, p);
      },
    });
  } catch (e) {
    if (consoleFd !== undefined) sys.close(consoleFd);
    if (pid > 0) {
      try {
        signalProcess(sys, pid, "SIGKILL");
        await sys.waitpid(pid);
      } catch { /* gone */ }
    }
    throw e;
  }
  if (opts.detach) {
    if (consoleFd !== undefined) sys.close(consoleFd);
    return 0;
  }
  const raw = await waitForeground(
    sys,
    pid,
    consoleFd !== undefined && host ? { master: consoleFd, host } : undefined,
  );
  return exitCodeOf(raw);
}

/** Puts an exec'd process in the container's Intel RDT group (its module loaded only then). */
async function joinIntelRdt(path: string, pid: number): Promise<void> {
  const { joinGroup } = await import("../intelrdt/intelrdt.ts");
  try {
    joinGroup(path, pid);
  } catch (e) {
    throw new InitError(`error adding pid ${pid} to Intel RDT: ${(e as Error).message}`);
  }
}

function setgroupsDenied(pid: number): boolean {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/setgroups`).trim() === "deny";
  } catch {
    return false;
  }
}
