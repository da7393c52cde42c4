/**
 * Planning: config.json (already validated) and the command's options become
 * the init program, a flat list of ops the C stub runs in order. Pure: it reads
 * nothing itself (facts about the host come in through `PlanInput`), so every
 * decision here is unit-tested without root. The rootfs part is
 * plan_rootfs.ts, the process part plan_process.ts.
 *
 * @module
 */
import { type CgroupJoin, Chdir, type Op } from "./protocol.ts";
import { ops } from "./ops.ts";
import { sysctlPath } from "../spec/_check.ts";
import { CLONE_FLAGS, inJoinOrder } from "../os/namespaces.ts";
import { hookOps } from "./plan_hooks.ts";
import { hookState } from "./hook_state.ts";
import { planRootfs, type RootfsPlanInput, withMountLabel } from "./plan_rootfs.ts";
import {
  apparmorOp,
  consoleOp,
  keyringOps,
  planProcess,
  processEnv,
  type SeccompLoad,
  stubStart,
} from "./plan_process.ts";

/** Everything the planner needs to know. */
export interface PlanInput extends RootfsPlanInput {
  /** Host path of the exec fifo the init waits on. */
  fifoPath: string;
  /** Extra fds passed above stdio (LISTEN_FDS + --preserve-fds). */
  extraFds: number;
  /** The container id (names the session keyring). */
  id: string;
  /** --no-new-keyring */
  noNewKeyring: boolean;
  /** The file that sets the AppArmor profile for exec, when AppArmor is enabled. */
  apparmorExecAttr?: string | undefined;
  /** Environment added to process.env (socket activation: LISTEN_FDS, LISTEN_PID). */
  extraEnv?: string[];
  /** linux.seccomp, compiled. */
  seccomp?: SeccompLoad | undefined;
  /** setgroups is denied in the new user namespace (an ordinary user's single mapping). */
  setgroupsDenied?: boolean;
  /** runc logs debug lines (--debug): the init says where it is, in runc's words. */
  debug?: boolean;
  /**
   * The container's cgroups the stub joins itself, before anything else (the
   * CLI has not moved it into them): see ops.joinCgroup.
   */
  cgroupJoins?: readonly { dir: string; how: CgroupJoin }[] | undefined;
}

/** The init program plus what the CLI must do around it. */
export interface Plan {
  ops: Op[];
  /** A new user namespace is created: the CLI writes the id maps after REC_PID. */
  newUserns: boolean;
}

/**
 * Builds the init program for a new container.
 *
 * @param input the validated spec and host facts
 * @returns the ops and what the CLI must do around them
 */
export function planInit(input: PlanInput): Plan {
  const { spec } = input;
  const process = spec.process;
  if (!process) throw new Error("process is required to start a container");
  const namespaces = spec.linux?.namespaces ?? [];
  const env = processEnv(process, input.extraEnv);
  const out: Op[] = [];

  // In the stub: the caller's fds made close-on-exec (but those passed on),
  // the oom score, the namespaces given by path joined, then the clone into new ones. The
  // exec fifo is opened by the stub, on the host and with the caller's rights:
  // the init may run as a mapped user that cannot reach the state dir.
  out.push(...stubStart(input.extraFds, process.oomScoreAdj));
  for (const j of input.cgroupJoins ?? []) out.push(ops.joinCgroup(j.dir, j.how));
  out.push(ops.openFifo(input.fifoPath));
  const joined = inJoinOrder(namespaces.filter((n) => n.path));
  for (const n of joined) out.push(ops.setns(n.path!, n.type, CLONE_FLAGS[n.type] ?? 0));
  if (joined.length > 0) out.push(ops.joinNs());
  let cloneFlags = 0;
  for (const n of namespaces) if (!n.path) cloneFlags |= CLONE_FLAGS[n.type] ?? 0;
  // A new cgroup namespace is made by the init, which is in its cgroups from
  // the clone on (the stub joined them), so the namespace's root is the
  // container's cgroup, as runc does.
  const newCgroupNs = (cloneFlags & CLONE_FLAGS.cgroup!) !== 0;
  cloneFlags &= ~CLONE_FLAGS.cgroup!;
  out.push(ops.clone(cloneFlags));

  // In the container's init. It first waits until the CLI has its pid (the
  // stub's REC_PID and the init's own records travel on one socket from two
  // processes, so nothing may come from the init before that), has written
  // the id maps of a new user namespace and set its cgroups' limits.
  const newUserns = (cloneFlags & CLONE_FLAGS.user!) !== 0;
  out.push(ops.waitParent(newUserns));
  if (newUserns) out.push(ops.setRootIds());
  if (newCgroupNs) out.push(ops.unshare(CLONE_FLAGS.cgroup!));
  out.push(ops.setsid());
  if (!input.noNewKeyring) {
    out.push(...keyringOps(`_ses.${input.id}`, process.selinuxLabel, false));
  }

  const hasMountNs = namespaces.some((n) => n.type === "mount");
  if (hasMountNs) {
    const rootfs = planRootfs(input, namespaces.some((n) => n.type === "user"));
    // createContainer hooks run in the rootfs, before the switch into it (runc's prepareRootfs).
    out.push(...rootfs.beforeHooks, ops.chdir(input.rootfs, Chdir.ROOTFS));
    out.push(...createHooks(input, env), ...rootfs.afterHooks);
  } else {
    out.push(...createHooks(input, env));
    if (process.terminal) out.push(consoleOp(process, false));
  }

  if (spec.hostname) out.push(ops.sethostname(spec.hostname));
  if (spec.domainname) out.push(ops.setdomainname(spec.domainname));
  // runc's standard init applies the profile here, after the hostname.
  if (process.apparmorProfile) {
    out.push(apparmorOp(process.apparmorProfile, input.apparmorExecAttr, false));
  }
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    out.push(ops.writeFile(`/proc/sys/${sysctlPath(key)}`, value));
  }
  if (hasMountNs) {
    for (const p of spec.linux?.readonlyPaths ?? []) out.push(ops.readonlyPath(p));
    // A masked directory's tmpfs gets linux.mountLabel as its context (runc's maskPath).
    const tmpfsData = withMountLabel(input, "") || undefined;
    for (const p of spec.linux?.maskedPaths ?? []) out.push(ops.maskPath(p, tmpfsData));
    // runc's finalizeRootfs: the container's umask is 022 unless the user has one.
    if (process.user?.umask === undefined) out.push(ops.umask(0o022));
  }
  out.push(
    ...planProcess(process, env, {
      apparmorExecAttr: input.apparmorExecAttr,
      selinuxEnabled: input.selinuxEnabled ?? false,
      seccomp: input.seccomp,
      setgroupsDenied: input.setgroupsDenied ?? false,
    }),
  );
  if (input.debug) out.push(ops.debug("init: closing the pipe to signal completion"));
  out.push(ops.ready());
  out.push(ops.waitFifo());
  // startContainer hooks run in the container, with its process's environment.
  const state = hookState(spec, input.id, input.bundle, "created", 0);
  out.push(...hookOps(spec.hooks?.startContainer, state, true, env));
  out.push(ops.exec(process.args ?? [], env));
  return { ops: out, newUserns };
}

/**
 * The hook point before the switch into the rootfs: the CLI runs prestart and
 * createRuntime hooks, then the init runs createContainer hooks, where the
 * host's root is still reachable (as runc does), with the container process's
 * environment.
 */
function createHooks(input: PlanInput, env: readonly string[]): Op[] {
  const hooks = input.spec.hooks;
  const out: Op[] = [];
  if ((hooks?.prestart?.length ?? 0) + (hooks?.createRuntime?.length ?? 0) > 0) {
    out.push(ops.cliHooks());
  }
  const state = hookState(input.spec, input.id, input.bundle, "creating", 0);
  out.push(...hookOps(hooks?.createContainer, state, true, env));
  return out;
}
