/**
 * Linux capability names and numbers (`linux/capability.h`), up to
 * CAP_CHECKPOINT_RESTORE (40, Linux 5.9). The order is the kernel's, which is also
 * the order `runc features` lists them in.
 *
 * @module
 */

/** Every capability runc 1.1 knows, in kernel order; the index is the number. */
export const CAPABILITY_NAMES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
] as const;

/** A known capability name. */
export type CapabilityName = typeof CAPABILITY_NAMES[number];

/** The highest capability number known here (CAP_CHECKPOINT_RESTORE). */
export const CAP_LAST_KNOWN = CAPABILITY_NAMES.length - 1;

const BY_NAME: ReadonlyMap<string, number> = new Map(CAPABILITY_NAMES.map((n, i) => [n, i]));

/**
 * The number of a capability.
 *
 * @param name A name such as `CAP_KILL` (exact, upper case, as runc requires).
 * @returns The number, or undefined for an unknown name.
 * @example
 * ```ts
 * capabilityNumber("CAP_SYS_ADMIN"); // 21
 * ```
 */
export function capabilityNumber(name: string): number | undefined {
  return BY_NAME.get(name);
}

/**
 * The name of a capability number.
 *
 * @param n A capability number.
 * @returns `CAP_*`, or undefined for a number beyond {@linkcode CAP_LAST_KNOWN}.
 */
export function capabilityName(n: number): CapabilityName | undefined {
  return CAPABILITY_NAMES[n];
}
