/**
 * Namespace types as the runtime-spec names them, with their clone(2) flag,
 * their file under /proc/PID/ns and the order they are joined in.
 *
 * @module
 */

/** clone(2) flags by runtime-spec namespace type. */
export const CLONE_FLAGS: Readonly<Record<string, number>> = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  cgroup: 0x02000000,
};

/** The file under /proc/PID/ns/ of each runtime-spec namespace type. */
export const NS_FILE: Readonly<Record<string, string>> = {
  user: "user",
  ipc: "ipc",
  uts: "uts",
  network: "net",
  pid: "pid",
  cgroup: "cgroup",
  mount: "mnt",
};

/** The order namespaces are joined in: user first (it grants the rest), mount last. */
const JOIN_ORDER: readonly string[] = [
  "user",
  "ipc",
  "uts",
  "network",
  "pid",
  "cgroup",
  "mount",
];

/**
 * Sorts namespace types into the order they are joined in.
 *
 * @param types runtime-spec namespace types
 * @returns a new array, user first and mount last
 */
export function inJoinOrder<T extends { type: string }>(namespaces: readonly T[]): T[] {
  return [...namespaces].sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
}
