/**
 * SCMP_ACT_NOTIFY: the init sends its seccomp listener to runc (SCM_RIGHTS,
 * see csrc/seccomp.c), which hands it to the agent at listenerPath with the
 * runtime-spec's container process state, as runc does.
 *
 * @module
 */
import type { Spec } from "../spec/types.ts";
import { hookState } from "../init/hook_state.ts";
import type { Sys } from "../os/sys.ts";

/**
 * Sends the listener to the agent, and closes our copy.
 *
 * @param sys the syscall surface
 * @param spec the container's config (listenerPath, listenerMetadata, annotations)
 * @param id the container id
 * @param bundle the bundle
 * @param pid the process that loaded the filter
 * @param listener the listener, an fd of ours
 */
export function sendListenerToAgent(
  sys: Sys,
  spec: Spec,
  id: string,
  bundle: string,
  pid: number,
  listener: number,
): void {
  try {
    const seccomp = spec.linux?.seccomp;
    const path = seccomp?.listenerPath;
    if (!path) throw new Error("seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set");
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
