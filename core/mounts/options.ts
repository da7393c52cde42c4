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

/** Recursive mount attributes (mount_setattr). */
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

/** mount_setattr(2) attributes (linux/mount.h). */
export const MOUNT_ATTR = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  ATIME: 0x70,
  RELATIME: 0x0,
  NOATIME: 0x10,
  STRICTATIME: 0x20,
  NODIRATIME: 0x80,
  NOSYMFOLLOW: 0x200000,
} as const;

/** Each recursive option: [set (true) or clear, attribute, is an atime mode]. */
const RECURSIVE: Record<string, [boolean, number, boolean]> = {
  rro: [true, MOUNT_ATTR.RDONLY, false],
  rrw: [false, MOUNT_ATTR.RDONLY, false],
  rnosuid: [true, MOUNT_ATTR.NOSUID, false],
  rsuid: [false, MOUNT_ATTR.NOSUID, false],
  rnodev: [true, MOUNT_ATTR.NODEV, false],
  rdev: [false, MOUNT_ATTR.NODEV, false],
  rnoexec: [true, MOUNT_ATTR.NOEXEC, false],
  rexec: [false, MOUNT_ATTR.NOEXEC, false],
  rnodiratime: [true, MOUNT_ATTR.NODIRATIME, false],
  rdiratime: [false, MOUNT_ATTR.NODIRATIME, false],
  rrelatime: [true, MOUNT_ATTR.RELATIME, true],
  rnorelatime: [false, MOUNT_ATTR.RELATIME, true],
  rnoatime: [true, MOUNT_ATTR.NOATIME, true],
  ratime: [false, MOUNT_ATTR.NOATIME, true],
  rstrictatime: [true, MOUNT_ATTR.STRICTATIME, true],
  rnostrictatime: [false, MOUNT_ATTR.STRICTATIME, true],
  rnosymfollow: [true, MOUNT_ATTR.NOSYMFOLLOW, false],
  rsymfollow: [false, MOUNT_ATTR.NOSYMFOLLOW, false],
};

/**
 * The attr_set and attr_clr of mount_setattr(2) for recursive options, as
 * runc turns them: an atime mode clears the whole atime field first.
 *
 * @param options e.g. `["rro", "rnosuid"]`
 * @returns the masks; both 0 when there is nothing to do
 */
export function recursiveAttrs(options: readonly string[]): { set: number; clr: number } {
  let set = 0, clr = 0;
  for (const o of options) {
    const r = RECURSIVE[o];
    if (!r) continue;
    const [on, attr, atime] = r;
    if (atime) {
      clr |= MOUNT_ATTR.ATIME;
      if (on) set = (set & ~MOUNT_ATTR.ATIME) | attr;
    } else if (on) {
      set |= attr;
      clr &= ~attr;
    } else {
      clr |= attr;
      set &= ~attr;
    }
  }
  return { set, clr };
}
