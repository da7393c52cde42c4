/**
 * The init program for `runc exec`: join every namespace of the container's
 * init, clone once so the new process is inside its pid namespace too, then
 * set up the process as the init's own (user, capabilities, rlimits, terminal)
 * and exec. Pure, like planInit.
 *
 * @module
 */
import type { LinuxNamespace, Process } from "../spec/types.ts";
import { type Op, Opcode } from "./protocol.ts";
import { CLONE_FLAGS, consoleOp, execOp, planProcess, type SeccompLoad } from "./plan.ts";

/** The file under /proc/PID/ns/ of each runtime-spec namespace type. */
const NS_FILE: Record<string, string> = {
  user: "user",
  ipc: "ipc",
  uts: "uts",
  network: "net",
  pid: "pid",
  cgroup: "cgroup",
  mount: "mnt",
};

/** The order namespaces are joined in: user first, mount last. */
const JOIN_ORDER = ["user", "ipc", "uts", "network", "pid", "cgroup", "mount"];

/** What planExec needs. */
export interface ExecPlanInput {
  /** The process to run (from -p, or the container's with the flags applied). */
  process: Process;
  /** The container's namespaces (from its config). */
  namespaces: readonly LinuxNamespace[];
  /** The container's init, whose namespaces are joined. */
  initPid: number;
  /** The container id (names the session keyring). */
  id: string;
  /** Extra fds passed above stdio (--preserve-fds). */
  extraFds: number;
  /** Where an AppArmor exec profile is written, when AppArmor is enabled. */
  apparmorExecAttr?: string | undefined;
  /** Whether SELinux is enabled on the host. */
  selinuxEnabled?: boolean;
  /** The container's seccomp filter, compiled. */
  seccomp?: SeccompLoad | undefined;
  /** The container's process.oomScoreAdj (from its config, whatever the exec'd process says). */
  oomScoreAdj?: number | undefined;
  /** setgroups is denied in the container's user namespace. */
  setgroupsDenied?: boolean;
}

/**
 * Builds the program that runs a new process in a running container.
 *
 * @param input the process and the container's init
 * @returns the ops
 */
export function planExec(input: ExecPlanInput): Op[] {
  const ops: Op[] = [];
  const types = [...new Set(input.namespaces.map((n) => n.type))]
    .filter((t) => NS_FILE[t])
    .sort((a, b) => JOIN_ORDER.indexOf(a) - JOIN_ORDER.indexOf(b));
  for (const t of types) {
    ops.push({
      op: Opcode.SETNS,
      str: [`/proc/${input.initPid}/ns/${NS_FILE[t]}`, t],
      num: [CLONE_FLAGS[t] ?? 0],
    });
  }
  if (types.length > 0) ops.push({ op: Opcode.JOIN_NS });
  ops.push({ op: Opcode.CLONE, num: [0] });
  ops.push({ op: Opcode.WAIT_PARENT, num: [0] });
  if (types.includes("user")) ops.push({ op: Opcode.SET_ROOT_IDS });
  ops.push({ op: Opcode.SETSID });
  ops.push({ op: Opcode.JOIN_KEYRING, str: [`_ses.${input.id}`] });
  if (input.process.terminal) ops.push(consoleOp(input.process, false));
  ops.push(
    ...planProcess(input.process, {
      apparmorExecAttr: input.apparmorExecAttr,
      selinuxEnabled: input.selinuxEnabled ?? false,
      extraEnv: [],
      // The container's, as runc's nsexec writes it for every process it
      // starts: an exec'd process would otherwise get the caller's (a shim's
      // is near -1000, which would make it almost immune to the OOM killer).
      oomScoreAdj: input.oomScoreAdj,
      seccomp: input.seccomp,
      setgroupsDenied: input.setgroupsDenied ?? false,
    }),
  );
  ops.push({ op: Opcode.READY });
  ops.push(execOp(input.process, input.extraFds));
  return ops;
}
