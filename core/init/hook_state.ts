/**
 * The state an OCI hook reads on stdin. Apart from the hooks' ops
 * (core/init/plan_hooks.ts) so that start, kill and delete, which only name
 * the state, do not load the init program's op tables.
 *
 * @module
 */
import type { Spec } from "../spec/types.ts";

/** The state a hook reads on stdin (the runtime-spec's state, as runc marshals it). */
export interface HookState {
  ociVersion: string;
  id: string;
  status: "creating" | "created" | "running" | "stopped";
  /** Left out when 0, as Go's omitempty does. */
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/**
 * The state JSON for hooks, keys in runc's order.
 *
 * @param spec the container's config (for annotations)
 * @param id the container id
 * @param bundle the bundle path
 * @param status the status the hook point implies
 * @param pid the init's pid, or 0 for none
 * @returns the state
 */
export function hookState(
  spec: Spec,
  id: string,
  bundle: string,
  status: HookState["status"],
  pid: number,
): HookState {
  const annotations = spec.annotations;
  return {
    ociVersion: spec.ociVersion ?? "",
    id,
    status,
    ...(pid ? { pid } : {}),
    bundle,
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}
