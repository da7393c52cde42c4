/**
 * SCMP_ACT_NOTIFY: the seccomp listener is taken from the init with
 * pidfd_getfd (it never has to send it, so the syscalls the stub still makes
 * may be notified too) and handed to the agent at listenerPath with the
 * runtime-spec's container process state, as runc does.
 *
 * @module
 */
import type { Spec } from "../spec/types.ts";
import { hookState } from "../hooks/hooks.ts";
import type { Sys } from "../os/sys.ts";

/**
 * Sends the listener of process pid (its fd number fd) to the agent.
 *
 * @param sys the syscall surface
 * @param spec the container's config (listenerPath, listenerMetadata, annotations)
 * @param id the container id
 * @param bundle the bundle
 * @param pid the process that loaded the filter
 * @param fd the listener's fd number in that process
 */
export function sendListenerToAgent(
  sys: Sys,
  spec: Spec,
  id: string,
  bundle: string,
  pid: number,
  fd: number,
): void {
  const seccomp = spec.linux?.seccomp;
  const path = seccomp?.listenerPath;
  if (!path) throw new Error("seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set");
  const listener = sys.pidfdGetfd(pid, fd);
  try {
    const state = {
      ociVersion: spec.ociVersion ?? "",
      fds: ["seccompFd"],
      pid,
      ...(seccomp.listenerMetadata ? { metadata: seccomp.listenerMetadata } : {}),
      state: hookState(spec, id, bundle, "creating", pid),
    };
    try {
      sys.sendFd(path, JSON.stringify(state), listener);
    } catch (e) {
      throw new Error(
        `failed to connect with seccomp agent specified in the seccomp profile: ${
          (e as Error).message
        }`,
      );
    }
  } finally {
    sys.close(listener);
  }
}
