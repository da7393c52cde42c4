/**
 * Turning a mount's option strings into mount(2) flags, propagation flags and
 * the data string, as runc's parseMountOptions does.
 *
 * @module
 */

/** mount(2) flags (linux/mount.h). */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  POSIXACL: 0x10000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  I_VERSION: 0x800000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const;

/** Options that set (true) or clear (false) a flag. */
const FLAGS: Record<string, [boolean, number]> = {
  acl: [true, MS.POSIXACL],
  async: [false, MS.SYNCHRONOUS],
  atime: [false, MS.NOATIME],
  bind: [true, MS.BIND],
  defaults: [true, 0],
  dev: [false, MS.NODEV],
  diratime: [false, MS.NODIRATIME],
  dirsync: [true, MS.DIRSYNC],
  exec: [false, MS.NOEXEC],
  iversion: [true, MS.I_VERSION],
  lazytime: [true, MS.LAZYTIME],
  loud: [false, MS.SILENT],
  mand: [true, MS.MANDLOCK],
  noacl: [false, MS.POSIXACL],
  noatime: [true, MS.NOATIME],
  nodev: [true, MS.NODEV],
  nodiratime: [true, MS.NODIRATIME],
  noexec: [true, MS.NOEXEC],
  noiversion: [false, MS.I_VERSION],
  nolazytime: [false, MS.LAZYTIME],
  nomand: [false, MS.MANDLOCK],
  norelatime: [false, MS.RELATIME],
  nostrictatime: [false, MS.STRICTATIME],
  nosuid: [true, MS.NOSUID],
  nosymfollow: [true, MS.NOSYMFOLLOW],
  rbind: [true, MS.BIND | MS.REC],
  relatime: [true, MS.RELATIME],
  remount: [true, MS.REMOUNT],
  ro: [true, MS.RDONLY],
  rw: [false, MS.RDONLY],
  silent: [true, MS.SILENT],
  strictatime: [true, MS.STRICTATIME],
  suid: [false, MS.NOSUID],
  sync: [true, MS.SYNCHRONOUS],
};

/** Propagation options. */
export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  shared: MS.SHARED,
  slave: MS.SLAVE,
  unbindable: MS.UNBINDABLE,
  rprivate: MS.PRIVATE | MS.REC,
  rshared: MS.SHARED | MS.REC,
  rslave: MS.SLAVE | MS.REC,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** Recursive mount attributes (mount_setattr), kept apart for the rootfs issue. */
const RECURSIVE_ATTRS = new Set([
  "rro",
  "rrw",
  "rnosuid",
  "rsuid",
  "rnodev",
  "rdev",
  "rnoexec",
  "rexec",
  "rnoatime",
  "ratime",
  "rrelatime",
  "rnorelatime",
  "rstrictatime",
  "rnostrictatime",
  "rnodiratime",
  "rdiratime",
  "rnosymfollow",
  "rsymfollow",
]);

/** A mount's options, parsed. */
export interface ParsedOptions {
  flags: number;
  /** Propagation flags, applied by separate mount calls in order. */
  propagation: number[];
  /** Recursive attributes such as `rro`. */
  recursive: string[];
  /** Options passed to the filesystem, joined with commas. */
  data: string;
}

/**
 * Parses mount options.
 *
 * @param options the `options` of a config.json mount
 * @returns flags, propagation, recursive attributes and data
 * @example
 * ```ts
 * parseMountOptions(["nosuid", "mode=755"]); // { flags: MS.NOSUID, data: "mode=755", ... }
 * ```
 */
export function parseMountOptions(options: readonly string[] = []): ParsedOptions {
  let flags = 0;
  const propagation: number[] = [];
  const recursive: string[] = [];
  const data: string[] = [];
  for (const o of options) {
    const f = FLAGS[o];
    if (f) {
      flags = f[0] ? flags | f[1] : flags & ~f[1];
    } else if (o in PROPAGATION) {
      propagation.push(PROPAGATION[o]!);
    } else if (RECURSIVE_ATTRS.has(o)) {
      recursive.push(o);
    } else {
      data.push(o);
    }
  }
  return { flags, propagation, recursive, data: data.join(",") };
}
