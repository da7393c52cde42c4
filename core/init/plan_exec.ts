/**
 * The init program for `runc exec`: join every namespace of the container's
 * init, clone once so the new process is inside its pid namespace too, then
 * set up the process as the init's own (user, capabilities, rlimits, terminal)
 * and exec. Pure, like planInit.
 *
 * @module
 */
import type { LinuxNamespace, Process } from "../spec/types.ts";
import type { Op } from "./protocol.ts";
import { ops } from "./ops.ts";
import { CLONE_FLAGS, inJoinOrder, NS_FILE } from "../os/namespaces.ts";
import {
  consoleOp,
  keyringOps,
  planProcess,
  processEnv,
  type SeccompLoad,
  stubStart,
} from "./plan_process.ts";

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
  /** runc logs debug lines (--debug). */
  debug?: boolean;
}

/**
 * Builds the program that runs a new process in a running container.
 *
 * @param input the process and the container's init
 * @returns the ops
 */
export function planExec(input: ExecPlanInput): Op[] {
  const out: Op[] = stubStart(input.extraFds, input.oomScoreAdj);
  const types = inJoinOrder(
    [...new Set(input.namespaces.map((n) => n.type))].filter((t) => NS_FILE[t]).map((type) => ({
      type,
    })),
  ).map((n) => n.type);
  for (const t of types) {
    out.push(ops.setns(`/proc/${input.initPid}/ns/${NS_FILE[t]}`, t, CLONE_FLAGS[t] ?? 0));
  }
  if (types.length > 0) out.push(ops.joinNs());
  out.push(ops.clone(0));
  out.push(ops.waitParent(false));
  if (types.includes("user")) out.push(ops.setRootIds());
  out.push(ops.setsid());
  out.push(...keyringOps(`_ses.${input.id}`, input.process.selinuxLabel, true));
  if (input.process.terminal) out.push(consoleOp(input.process, false));
  const env = processEnv(input.process);
  out.push(
    ...planProcess(input.process, env, {
      apparmorExecAttr: input.apparmorExecAttr,
      selinuxEnabled: input.selinuxEnabled ?? false,
      seccomp: input.seccomp,
      setgroupsDenied: input.setgroupsDenied ?? false,
      inExec: true,
    }),
  );
  if (input.debug) out.push(ops.debug("setns_init: about to exec"));
  out.push(ops.ready());
  out.push(ops.exec(input.process.args ?? [], env));
  return out;
}
