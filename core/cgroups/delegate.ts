/**
 * cgroup v2 delegation, as runc 1.1 does it: when the container may manage
 * its own cgroup (a cgroup namespace of its own, or a writable cgroup mount)
 * and it runs in a user namespace, its cgroup directory and the files the
 * kernel lists in /sys/kernel/cgroup/delegate are given to the container's
 * root user, so it can make sub-cgroups and move its processes.
 *
 * @module
 */
import type { Spec } from "../spec/types.ts";
import { MS, parseMountOptions } from "../mounts/options.ts";

/** The host ids that container uid 0 and gid 0 map to, or undefined without a user namespace. */
export function containerRoot(spec: Spec): { uid: number; gid: number } | undefined {
  if (!spec.linux?.namespaces?.some((n) => n.type === "user")) return undefined;
  const host = (maps: { containerID: number; hostID: number; size: number }[] | undefined) => {
    const m = (maps ?? []).find((e) => e.containerID <= 0 && 0 < e.containerID + e.size);
    return m === undefined ? undefined : m.hostID - m.containerID;
  };
  const uid = host(spec.linux.uidMappings), gid = host(spec.linux.gidMappings);
  return uid === undefined || gid === undefined ? undefined : { uid, gid };
}

/** Whether the container may write its cgroup: its own cgroup namespace, or a cgroup mount without ro. */
export function mayManageCgroup(spec: Spec): boolean {
  if (spec.linux?.namespaces?.some((n) => n.type === "cgroup")) return true;
  return (spec.mounts ?? []).some((m) =>
    (m.type === "cgroup" || m.type === "cgroup2") &&
    (parseMountOptions(m.options).flags & MS.RDONLY) === 0
  );
}

/**
 * Gives a v2 cgroup directory and its delegatable files to the container's root.
 *
 * @param dir the container's cgroup v2 directory
 * @param owner the host ids of the container's root
 * @param delegateList the text of /sys/kernel/cgroup/delegate
 */
export function delegate(
  dir: string,
  owner: { uid: number; gid: number },
  delegateList: string,
): void {
  Deno.chownSync(dir, owner.uid, owner.gid);
  for (const name of delegateList.split("\n").map((l) => l.trim()).filter(Boolean)) {
    try {
      Deno.chownSync(`${dir}/${name}`, owner.uid, owner.gid);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e; // a controller not enabled here
    }
  }
}
