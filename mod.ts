/**
 * The runtime as a library, for Deno programs that embed it instead of calling
 * the `runc` executable. Every function takes the state root (runc's `--root`)
 * and a container id, as the commands do.
 *
 * @example
 * ```ts
 * import { createContainer, startContainer, stateDocument, deleteContainer } from "./mod.ts";
 *
 * const root = "/run/runc";
 * await createContainer({ root, id: "demo", bundle: "/mycontainer" });
 * await startContainer(root, "demo");
 * console.log((await stateDocument(root, "demo")).status); // "running"
 * await deleteContainer(root, "demo", true);
 * ```
 *
 * @module
 */
import {
  createContainer as create,
  type Created,
  type CreateOptions,
} from "./core/container/create.ts";
import { ffiSys } from "./ffi/helper.ts";
import { decideRootless } from "./core/os/host.ts";

import {
  deleteContainer as remove,
  killContainer as kill,
  startContainer as start,
} from "./core/container/lifecycle.ts";

export { listContainers, type StateDocument, stateDocument } from "./core/container/lifecycle.ts";
export {
  type ContainerState,
  readState as loadContainer,
  type Status,
} from "./core/state/state.ts";
export { defaultSpec, type DefaultSpecOptions } from "./core/spec/template.ts";
export type * from "./core/spec/types.ts";
export type { CgroupPaths, SystemdCgroup } from "./core/cgroups/cgroups.ts";
export type { Rootless } from "./core/os/host.ts";
export type { Created, CreateOptions };

/**
 * Creates a container from a bundle and leaves it in `created`, its init
 * waiting for {@linkcode startContainer}.
 *
 * @param opts the root, id and bundle; the other create options default as in `runc create`
 * @returns the recorded state
 */
export function createContainer(
  opts: Pick<CreateOptions, "root" | "id" | "bundle"> & Partial<CreateOptions>,
): Promise<Created> {
  return create(ffiSys, {
    noPivot: false,
    noNewKeyring: false,
    preserveFds: 0,
    foreground: false,
    rootless: decideRootless("auto"),
    ...opts,
  });
}

/**
 * Starts a created container's process (and runs its poststart hooks).
 *
 * @param root the state root
 * @param id the container id
 */
export function startContainer(root: string, id: string): Promise<void> {
  return start(ffiSys, root, id);
}

/**
 * Deletes a container: a created one is killed, a running one only with force;
 * poststop hooks run afterwards.
 *
 * @param root the state root
 * @param id the container id
 * @param force kill a running container first
 */
export function deleteContainer(root: string, id: string, force = false): Promise<void> {
  return remove(ffiSys, root, id, force);
}

/**
 * Sends a signal to a container's init, or with `all` to every process of it.
 *
 * @param root the state root
 * @param id the container id
 * @param signal a name with or without SIG, or a number (0 checks that it runs)
 * @param all every process of the container
 */
export function killContainer(
  root: string,
  id: string,
  signal = "SIGTERM",
  all = false,
): Promise<void> {
  return kill(ffiSys, root, id, signal, all);
}
