/**
 * Facts about the host and the calling process that several layers decide
 * on: the effective ids, whether we run in a user namespace, whether the
 * runtime runs rootless (decided once, from `--rootless` and the ids), which
 * LSMs are on, the mount table (and the resctrl mount in it), and whether the
 * kernel is new enough. Read from /proc and /sys when asked; only the
 * effective ids are kept once read.
 *
 * @module
 */
import { exists } from "./path.ts";

/** The oldest kernel this runtime supports (TIOCGPTPEER, the newest call it cannot do without, is 4.13). */
export const MIN_KERNEL = { major: 4, minor: 14 } as const;

let ids: { Uid: number; Gid: number } | undefined;

// The effective ids, read once: a CLI call does not change them.
function statusIds(field: "Uid" | "Gid"): number {
  if (ids === undefined) {
    let text = "";
    try {
      text = Deno.readTextFileSync("/proc/self/status");
    } catch { /* no /proc: the real ids */ }
    const id = (re: RegExp, real: number | null) => {
      const m = re.exec(text);
      return m ? Number(m[1]) : real ?? 0;
    };
    ids = {
      Uid: id(/^Uid:\s+\d+\s+(\d+)/m, Deno.uid()),
      Gid: id(/^Gid:\s+\d+\s+(\d+)/m, Deno.gid()),
    };
  }
  return ids[field];
}

/** The effective uid (Deno.uid() is the real one; runc decides on the effective). */
export function euid(): number {
  return statusIds("Uid");
}

/** The effective gid. */
export function egid(): number {
  return statusIds("Gid");
}

/**
 * libcontainer/userns.RunningInUserNS: this process's user namespace is not
 * the initial one (the first uid_map line is not `0 0 4294967295`).
 */
export function runningInUserNS(): boolean {
  let map: string;
  try {
    map = Deno.readTextFileSync("/proc/self/uid_map");
  } catch {
    return false;
  }
  if (map === "") return true;
  const f = map.trim().split(/\s+/);
  return !(f[0] === "0" && f[1] === "0" && f[2] === "4294967295");
}

/** How the runtime runs, decided once per call and passed down. */
export interface Rootless {
  /**
   * The effective uid is not 0: the spec must map ids into a user namespace,
   * and only what an ordinary user may do is tried (runc's RootlessEUID).
   */
  euid: boolean;
  /**
   * Cgroups the user may not manage are skipped rather than failing (runc's
   * RootlessCgroups: `--rootless true`, or auto with a non-zero euid or
   * inside a user namespace).
   */
  cgroups: boolean;
}

/** An error in the global `--rootless` value. */
export class RootlessFlagError extends Error {
  /** @param value the value given */
  constructor(value: string) {
    // runc's parseBoolOrAuto: strconv.ParseBool's error, as runc prints it.
    super(`strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`);
    this.name = "RootlessFlagError";
  }
}

/**
 * runc 1.1's decision (shouldUseRootlessCgroupManager and RootlessEUID):
 * `--rootless true|false` says it for cgroups; `auto` (or "") decides from the
 * effective uid and the user namespace.
 *
 * @param flag the global `--rootless` value: `auto`, `true`, `false` (Go's ParseBool forms)
 * @param ids the effective uid and whether we run in a user namespace (default: this process's)
 * @returns the decision
 * @throws RootlessFlagError for another value
 */
export function decideRootless(
  flag: string,
  ids: { euid: number; inUserNS: () => boolean } = { euid: euid(), inUserNS: runningInUserNS },
): Rootless {
  const rootlessEuid = ids.euid !== 0;
  let cgroups: boolean;
  if (flag === "" || flag === "auto") cgroups = rootlessEuid || ids.inUserNS();
  else if (["1", "t", "T", "TRUE", "true", "True"].includes(flag)) cgroups = true;
  else if (["0", "f", "F", "FALSE", "false", "False"].includes(flag)) cgroups = false;
  else throw new RootlessFlagError(flag);
  return { euid: rootlessEuid, cgroups };
}

/** One line of /proc/self/mountinfo. */
export interface MountInfo {
  /** The root of the mount within its file system (`/` for a whole one). */
  root: string;
  /** Where it is mounted, `\ooo` escapes undone. */
  point: string;
  /** The file system type. */
  fstype: string;
  /** The super block's options (the last field: `rw,mba_MBps`). */
  superOptions: string;
}

/** This process's mount table, from /proc/self/mountinfo ([] without /proc). */
export function mountInfo(): MountInfo[] {
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/self/mountinfo");
  } catch {
    return [];
  }
  return parseMountInfo(text);
}

/**
 * The lines of a mountinfo file (proc(5)): `ID PARENT MAJ:MIN ROOT POINT
 * OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS`.
 *
 * @param text the file's text
 * @returns its mounts, in order
 */
export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    const f = left?.split(" ");
    const [fstype, , superOptions] = right?.split(" ") ?? [];
    if (!f || f[3] === undefined || f[4] === undefined || !fstype) continue;
    out.push({
      root: unescapeOctal(f[3]),
      point: unescapeOctal(f[4]),
      fstype,
      superOptions: superOptions ?? "",
    });
  }
  return out;
}

/**
 * The environment variable that names a directory to take as the resctrl
 * mount instead of the one in /proc/self/mountinfo: a test hook, so the Intel
 * RDT code runs against plain files on hosts without RDT
 * (tests/integration/intelrdt_test.ts).
 */
export const RESCTRL_ROOT_ENV = "RUNC_TEST_RESCTRL_ROOT";

/** Where the Intel RDT "resource control" file system is mounted. */
export interface ResctrlMount {
  /** The mount point, e.g. /sys/fs/resctrl. */
  point: string;
  /** Mounted with `-o mba_MBps`: memory bandwidth in MBps (the MBA software controller). */
  mbaMBps: boolean;
}

/**
 * The first resctrl mount of this process's mount table (as runc 1.1 finds
 * it), or the directory {@linkcode RESCTRL_ROOT_ENV} names.
 *
 * @param mounts the mount table; default this process's
 * @returns the mount, or undefined when resctrl is not mounted
 */
export function resctrlMount(mounts?: MountInfo[]): ResctrlMount | undefined {
  const given = Deno.env.get(RESCTRL_ROOT_ENV);
  if (given) return { point: given, mbaMBps: false };
  const m = (mounts ?? mountInfo()).find((m) => m.fstype === "resctrl");
  if (!m) return undefined;
  return { point: m.point, mbaMBps: `,${m.superOptions},`.includes(",mba_MBps,") };
}

/**
 * Whether a resctrl mount offers a resource, as runc 1.1 checks it: its info
 * directory (the kernel makes info/L3 and info/MB only where the CPU has
 * them); MB also with `-o mba_MBps`, which needs it.
 *
 * @param m the mount
 * @param resource `L3` (cache allocation) or `MB` (memory bandwidth allocation)
 */
export function resctrlOffers(m: ResctrlMount, resource: "L3" | "MB"): boolean {
  if (resource === "MB" && m.mbaMBps) return true;
  return exists(`${m.point}/info/${resource}`);
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

/** Whether SELinux is enabled on this host (selinuxfs is mounted). */
export function selinuxEnabled(): boolean {
  return mountInfo().some((m) => m.fstype === "selinuxfs");
}

/** Whether AppArmor is enabled on this host. */
export function apparmorEnabled(): boolean {
  try {
    return Deno.readTextFileSync("/sys/module/apparmor/parameters/enabled").trim() === "Y";
  } catch {
    return false;
  }
}

/** Where to write an AppArmor exec profile, or undefined when AppArmor is off. */
export function apparmorExecAttr(): string | undefined {
  if (!apparmorEnabled()) return undefined;
  try {
    Deno.statSync("/proc/self/attr/apparmor/exec");
    return "/proc/self/attr/apparmor/exec";
  } catch {
    return "/proc/self/attr/exec";
  }
}

/**
 * The kernel's version from its release string (`6.1.0-26-amd64` → 6.1).
 *
 * @param release uname -r
 * @returns major and minor, or undefined when the string does not start with them
 */
export function kernelVersion(release: string): { major: number; minor: number } | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

/**
 * Checks that the kernel is at least {@linkcode MIN_KERNEL}.
 *
 * @param release uname -r (default: this host's)
 * @returns undefined when it is, else the error message
 */
export function kernelTooOld(release: string = Deno.osRelease()): string | undefined {
  const v = kernelVersion(release);
  if (!v) return undefined; // an unusual release string: let the syscalls speak
  if (v.major > MIN_KERNEL.major || (v.major === MIN_KERNEL.major && v.minor >= MIN_KERNEL.minor)) {
    return undefined;
  }
  return `this kernel (${release}) is too old: runc needs Linux ${MIN_KERNEL.major}.${MIN_KERNEL.minor} or later`;
}
