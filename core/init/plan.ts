/**
 * Planning: config.json (already validated) and the command's options become
 * the init program, a flat list of ops the C stub runs in order. Pure: it reads
 * nothing itself (facts about the host come in through `PlanInput`), so every
 * decision here is unit-tested without root.
 *
 * @module
 */
import type { Mount, Process, Spec } from "../spec/types.ts";
import {
  isBind,
  mountDestination,
  MS,
  parseMountOptions,
  recursiveAttrs,
} from "../mounts/options.ts";
import { cleanPath } from "../os/path.ts";
import { type Op, Opcode, Tag, Target } from "./protocol.ts";
import { capabilityMask } from "./caps.ts";
import { rlimitNumber } from "../spec/rlimits.ts";
import { hookOps, hookState } from "../hooks/hooks.ts";

/** clone(2) namespace flags by runtime-spec namespace type. */
export const CLONE_FLAGS: Record<string, number> = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  cgroup: 0x02000000,
};

/** The order namespaces given by path are joined in: user first, mount last. */
const JOIN_ORDER = ["user", "ipc", "uts", "network", "pid", "cgroup", "mount"];

/** What kind of file a bind-mount source is on the host. */
export type SourceKind = "dir" | "file" | "missing";

/** Everything the planner needs to know. */
export interface PlanInput {
  spec: Spec;
  /** Absolute host path of the rootfs. */
  rootfs: string;
  /** Absolute host path of the bundle (relative mount sources are resolved against it). */
  bundle: string;
  /** Host path of the exec fifo the init waits on. */
  fifoPath: string;
  /** Extra fds passed above stdio (LISTEN_FDS + --preserve-fds). */
  extraFds: number;
  /** --no-pivot */
  noPivot: boolean;
  /** The container id (names the session keyring). */
  id: string;
  /** --no-new-keyring */
  noNewKeyring: boolean;
  /** Whether /proc/kcore exists on the host (for the /dev/core link). */
  hostHasKcore: boolean;
  /** The file that sets the AppArmor profile for exec, when AppArmor is enabled. */
  apparmorExecAttr?: string | undefined;
  /** Whether SELinux is enabled on the host. */
  selinuxEnabled?: boolean;
  /** Environment added to process.env (socket activation: LISTEN_FDS, LISTEN_PID). */
  extraEnv?: string[];
  /** The runtime's own environment, which hooks without env of their own get. */
  runtimeEnv?: string[];
  /** linux.seccomp, compiled. */
  seccomp?: SeccompLoad | undefined;
  /**
   * The container's cgroup directories by controller ("" for the v2 or
   * hybrid unified hierarchy), made while the init waits after the clone.
   */
  cgroupPaths?: Record<string, string> | undefined;
  /** setgroups is denied in the new user namespace (an ordinary user's single mapping). */
  setgroupsDenied?: boolean;
  /** Looks up a bind-mount source on the host. */
  sourceKind(path: string): SourceKind;
  /**
   * The caller is privileged in its own user namespace (root): the stub can
   * join the init's new mount namespace and open bind sources there for it.
   */
  privileged?: boolean;
  /**
   * Full proc and sysfs mounts of the host (mount points), hidden before the
   * rootfs is moved onto / with --no-pivot.
   */
  hostProcSysMounts?: string[];
}

/** The init program plus what the CLI must do around it. */
export interface Plan {
  ops: Op[];
  /** A new user namespace is created: the CLI writes the id maps after REC_PID. */
  newUserns: boolean;
}

/** The devices every container gets (runc's default set). */
export const DEFAULT_DEVICES = [
  { path: "/dev/null", major: 1, minor: 3 },
  { path: "/dev/zero", major: 1, minor: 5 },
  { path: "/dev/full", major: 1, minor: 7 },
  { path: "/dev/tty", major: 5, minor: 0 },
  { path: "/dev/urandom", major: 1, minor: 9 },
  { path: "/dev/random", major: 1, minor: 8 },
] as const;

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/** makedev() as glibc encodes it. */
export function makedev(major: number | bigint, minor: number | bigint): bigint {
  const ma = BigInt(major), mi = BigInt(minor);
  return ((ma & 0xfffff000n) << 32n) | ((ma & 0xfffn) << 8n) | ((mi & 0xffffff00n) << 12n) |
    (mi & 0xffn);
}

/**
 * Builds the init program for a new container.
 *
 * @param input the validated spec and host facts
 * @returns the ops and what the CLI must do around them
 */
export function planInit(input: PlanInput): Plan {
  const { spec } = input;
  const process = spec.process;
  if (!process) throw new Error("process is required to start a container");
  const namespaces = spec.linux?.namespaces ?? [];
  const ops: Op[] = [];

  // In the stub: join the namespaces given by path, then clone into new ones.
  const joined = namespaces.filter((n) => n.path)
    .sort((a, b) => JOIN_ORDER.indexOf(a.type) - JOIN_ORDER.indexOf(b.type));
  // The exec fifo is opened by the stub, on the host and with the caller's
  // rights: the init may run as a mapped user that cannot reach the state dir.
  ops.push({ op: Opcode.OPEN_FIFO, str: [input.fifoPath] });
  for (const n of joined) {
    ops.push({ op: Opcode.SETNS, str: [n.path!, n.type], num: [CLONE_FLAGS[n.type] ?? 0] });
  }
  if (joined.length > 0) ops.push({ op: Opcode.JOIN_NS });
  let cloneFlags = 0;
  for (const n of namespaces) if (!n.path) cloneFlags |= CLONE_FLAGS[n.type] ?? 0;
  // A new cgroup namespace is made once the init is in its cgroups (below),
  // so the namespace's root is the container's cgroup, as runc does.
  const newCgroupNs = (cloneFlags & CLONE_FLAGS.cgroup!) !== 0;
  cloneFlags &= ~CLONE_FLAGS.cgroup!;
  ops.push({ op: Opcode.CLONE, num: [cloneFlags] });

  // In the container's init. It first waits until the CLI has its pid (the
  // stub's REC_PID and the init's own records travel on one socket from two
  // processes, so nothing may come from the init before that) and has written
  // the id maps of a new user namespace.
  const newUserns = (cloneFlags & CLONE_FLAGS.user!) !== 0;
  ops.push({ op: Opcode.WAIT_PARENT, num: [0] });
  if (newUserns) ops.push({ op: Opcode.SET_ROOT_IDS });
  if (newCgroupNs) ops.push({ op: Opcode.UNSHARE, num: [CLONE_FLAGS.cgroup!] });
  ops.push({ op: Opcode.SETSID });
  if (!input.noNewKeyring) ops.push({ op: Opcode.JOIN_KEYRING, str: [`_ses.${input.id}`] });

  const hasMountNs = namespaces.some((n) => n.type === "mount");
  const inUserns = namespaces.some((n) => n.type === "user");
  if (hasMountNs) ops.push(...planRootfs(input, inUserns));
  else {
    ops.push(...planCreateHooks(input));
    if (process.terminal) ops.push(consoleOp(spec.process, false));
  }

  if (spec.hostname) ops.push({ op: Opcode.SETHOSTNAME, str: [spec.hostname] });
  if (spec.domainname) ops.push({ op: Opcode.SETDOMAINNAME, str: [spec.domainname] });
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) {
    // sysctl(8): a name with a slash is a path already (dots in it are literal).
    const path = key.includes("/") ? key : key.replaceAll(".", "/");
    ops.push({ op: Opcode.WRITE_FILE, str: [`/proc/sys/${path}`, value] });
  }
  if (hasMountNs) {
    for (const p of spec.linux?.readonlyPaths ?? []) {
      ops.push({ op: Opcode.READONLY_PATH, str: [p] });
    }
    for (const p of spec.linux?.maskedPaths ?? []) ops.push({ op: Opcode.MASK_PATH, str: [p] });
    // runc's finalizeRootfs: the container's umask is 022 unless the user has one.
    if (process.user?.umask === undefined) ops.push({ op: Opcode.UMASK, num: [0o022] });
  }
  ops.push(
    ...planProcess(process, {
      apparmorExecAttr: input.apparmorExecAttr,
      selinuxEnabled: input.selinuxEnabled ?? false,
      extraEnv: input.extraEnv ?? [],
      oomScoreAdj: process.oomScoreAdj,
      seccomp: input.seccomp,
      setgroupsDenied: input.setgroupsDenied ?? false,
    }),
  );
  ops.push({ op: Opcode.READY });
  ops.push({ op: Opcode.WAIT_FIFO });
  ops.push(
    ...hookOps(
      spec.hooks?.startContainer,
      hookState(spec, input.id, input.bundle, "created", 0),
      true,
      input.runtimeEnv ?? [],
    ),
  );
  ops.push(execOp(process, input.extraFds, input.extraEnv));
  return { ops, newUserns };
}

/** A compiled seccomp filter, ready for the stub (see core/seccomp/compile.ts). */
export interface SeccompLoad {
  program: Uint8Array;
  flags: number;
  notify: boolean;
}

/**
 * The ops that load a filter. Where no_new_privs is off it must be loaded
 * while the stub still has CAP_SYS_ADMIN, so early; else as late as possible,
 * just before the init tells runc it is ready (as runc does).
 */
export function seccompOps(filter: SeccompLoad): Op[] {
  const load: Op = { op: Opcode.SECCOMP, str: [filter.program.toHex()], num: [filter.flags] };
  // With a listener the init waits until runc has taken it for the agent.
  return filter.notify ? [load, { op: Opcode.WAIT_PARENT, num: [Tag.SECCOMP] }] : [load];
}

/** How planProcess sets up a process beyond its own fields. */
export interface ProcessPlanOptions {
  /** The seccomp filter to load, if any. */
  seccomp?: SeccompLoad | undefined;
  /** Where an AppArmor exec profile is written, when AppArmor is enabled. */
  apparmorExecAttr?: string | undefined;
  /** Whether SELinux is enabled on the host. */
  selinuxEnabled: boolean;
  /** Environment added to process.env. */
  extraEnv: readonly string[];
  /**
   * The oom_score_adj to set: the container's (its config's
   * process.oomScoreAdj), for its init and for every exec'd process, as runc
   * sets it; undefined leaves the inherited one.
   */
  oomScoreAdj: number | undefined;
  /** setgroups is denied: no supplementary groups can be set (rootless, single mapping). */
  setgroupsDenied?: boolean;
}

/**
 * The process part shared by the container's init and exec'd processes, in
 * runc's order: LSM labels, oom score, rlimits, no_new_privs, bounding set,
 * groups, user, cwd, capabilities, then the lookup of the program.
 *
 * @param process the process
 * @param opts host facts and additions
 * @returns the ops, ending with LOOKPATH
 */
export function planProcess(process: Process, opts: ProcessPlanOptions): Op[] {
  const ops: Op[] = [];
  if (process.apparmorProfile) {
    if (!opts.apparmorExecAttr) {
      throw new Error(
        "unable to apply apparmor profile: apparmor: config provided but apparmor not supported",
      );
    }
    ops.push({
      op: Opcode.WRITE_FILE,
      str: [opts.apparmorExecAttr, `exec ${process.apparmorProfile}`],
    });
  }
  if (process.selinuxLabel) {
    if (!opts.selinuxEnabled) {
      throw new Error(
        "selinux label is specified in config, but selinux is disabled or not supported",
      );
    }
    ops.push({ op: Opcode.WRITE_FILE, str: ["/proc/self/attr/exec", process.selinuxLabel] });
  }
  if (opts.oomScoreAdj !== undefined) {
    ops.push({
      op: Opcode.WRITE_FILE,
      str: ["/proc/self/oom_score_adj", `${opts.oomScoreAdj}`],
    });
  }
  for (const r of process.rlimits ?? []) {
    const resource = rlimitNumber(r.type);
    if (resource === undefined) throw new Error(`unknown rlimit type ${r.type}`);
    ops.push({ op: Opcode.SETRLIMIT, num: [resource, limit(r.soft), limit(r.hard)] });
  }
  if (process.noNewPrivileges) ops.push({ op: Opcode.NO_NEW_PRIVS });
  else if (opts.seccomp) ops.push(...seccompOps(opts.seccomp));

  // Identity and capabilities, in runc's order: bounding set, user, cwd, the rest.
  const caps = process.capabilities ?? {};
  ops.push({ op: Opcode.CAP_BOUNDING, num: [capabilityMask(caps.bounding)] });
  const user = process.user ?? { uid: 0, gid: 0 };
  if (user.umask !== undefined) ops.push({ op: Opcode.UMASK, num: [user.umask] });
  if (!opts.setgroupsDenied) {
    ops.push({ op: Opcode.SETGROUPS, str: [(user.additionalGids ?? []).join(",")] });
  } else if ((user.additionalGids ?? []).length > 0) {
    throw new Error(
      "process.user.additionalGids needs setgroups, which the kernel denies for a rootless container " +
        "that maps only the caller's own ids (map more through /etc/subgid and newgidmap)",
    );
  }
  ops.push({ op: Opcode.FIX_STDIO, num: [user.uid] });
  ops.push({ op: Opcode.SETUSER, num: [user.uid, user.gid] });
  ops.push({ op: Opcode.CHDIR, str: [process.cwd] });
  ops.push({
    op: Opcode.CAPS,
    num: [
      capabilityMask(caps.effective),
      capabilityMask(caps.permitted),
      capabilityMask(caps.inheritable),
      capabilityMask(caps.ambient),
    ],
  });

  const env = [...(process.env ?? []), ...opts.extraEnv];
  const path = env.findLast((e) => e.startsWith("PATH="))?.slice(5) ?? "";
  const args = process.args ?? [];
  ops.push({ op: Opcode.LOOKPATH, str: [args[0] ?? "", path] });
  if (process.noNewPrivileges && opts.seccomp) ops.push(...seccompOps(opts.seccomp));
  return ops;
}

/**
 * The final EXEC op of a process.
 *
 * @param process the process
 * @param extraFds fds kept above stdio
 * @param extraEnv environment added to process.env
 */
export function execOp(process: Process, extraFds: number, extraEnv: readonly string[] = []): Op {
  const env = [...(process.env ?? []), ...extraEnv];
  const args = process.args ?? [];
  return {
    op: Opcode.EXEC,
    num: [args.length, env.length, extraFds, process.user?.uid ?? 0],
    str: [...args, ...env],
  };
}

/** rlimit values: the spec's uint64 max means infinity (-1 on the wire). */
function limit(v: number | bigint): bigint {
  const b = BigInt(v);
  return b >= 0xffffffffffffffffn ? -1n : b;
}

/** Mounts, devices and the switch into the rootfs. */
function planRootfs(input: PlanInput, inUserns: boolean): Op[] {
  const { spec, rootfs } = input;
  const ops: Op[] = [];
  const rootProp = spec.linux?.rootfsPropagation;
  const rootPropFlags = rootProp ? parseMountOptions([rootProp]).propagation[0] ?? 0 : 0;

  // Keep the host out of our mounts, then make the rootfs a mount point of its own.
  ops.push({
    op: Opcode.MOUNT,
    str: ["", "/", "", ""],
    num: [rootPropFlags || MS.SLAVE | MS.REC, Target.HOST],
  });
  ops.push({
    op: Opcode.MOUNT,
    str: [rootfs, rootfs, "", ""],
    num: [MS.BIND | MS.REC, Target.HOST],
  });
  ops.push({ op: Opcode.OPEN_ROOT, str: [rootfs] });

  const mounts = spec.mounts ?? [];
  // Devices never go onto the image's own /dev: it gets a tmpfs unless the spec mounts one.
  if (!mounts.some((m) => mountDestination(m.destination) === "/dev")) {
    ops.push({
      op: Opcode.MOUNT,
      str: ["tmpfs", "/dev", "tmpfs", withMountLabel(input, "mode=755,size=65536k")],
      num: [MS.NOSUID | MS.STRICTATIME, Target.DIR, 0o755],
    });
  }
  const namespaces = spec.linux?.namespaces ?? [];
  const hasNetNs = namespaces.some((n) => n.type === "network" && !n.path);
  // A mapped root may not reach a bind source (a 0700 directory of the host's
  // root on the way): the stub opens the sources for it (see OP_MOUNT num3).
  const sources = input.privileged && namespaces.some((n) => n.type === "user" && !n.path) &&
      namespaces.some((n) => n.type === "mount" && !n.path)
    ? { next: 1 }
    : undefined;
  // Read-only tmpfs mounts (and /dev) are made read-write, so that what goes
  // under them (devices, /dev/pts, the cwd) can be made, and turned read-only
  // at the end, as runc's finalizeRootfs does.
  const late: string[] = [];
  for (const m of mounts) ops.push(...planMount(input, m, hasNetNs, sources, late));

  const devIsBind = mounts.some((m) => mountDestination(m.destination) === "/dev" && isBind(m));
  if (!devIsBind) ops.push(...planDevices(input, inUserns));

  ops.push(...planCreateHooks(input));

  if (input.noPivot) {
    for (const p of input.hostProcSysMounts ?? []) {
      if (p !== rootfs && !p.startsWith(`${rootfs}/`)) {
        ops.push({ op: Opcode.HIDE_MOUNT, str: [p] });
      }
    }
    ops.push({ op: Opcode.MOVE_ROOT, str: [rootfs] });
  } else {
    ops.push({ op: Opcode.PIVOT_ROOT });
  }
  // The cwd is made inside the new root, before it may become read-only.
  ops.push({ op: Opcode.MKDIR, str: [spec.process?.cwd ?? "/"], num: [0o755] });
  if (spec.process?.terminal) ops.push(consoleOp(spec.process, true));
  if (rootPropFlags) {
    ops.push({ op: Opcode.MOUNT, str: ["", "/", "", ""], num: [rootPropFlags, Target.EXISTING] });
  }
  for (const dest of late) ops.push({ op: Opcode.REMOUNT, str: [dest], num: [MS.RDONLY] });
  if (spec.root?.readonly) ops.push({ op: Opcode.REMOUNT, str: ["/"], num: [MS.RDONLY] });
  return ops;
}

/**
 * The hook point before the switch into the rootfs: the CLI runs prestart and
 * createRuntime hooks, then the init runs createContainer hooks, where the
 * host's root is still reachable (as runc does).
 */
function planCreateHooks(input: PlanInput): Op[] {
  const hooks = input.spec.hooks;
  const ops: Op[] = [];
  if ((hooks?.prestart?.length ?? 0) + (hooks?.createRuntime?.length ?? 0) > 0) {
    ops.push({ op: Opcode.WAIT_PARENT, num: [Tag.HOOKS] });
  }
  const state = hookState(input.spec, input.id, input.bundle, "creating", 0);
  ops.push(...hookOps(hooks?.createContainer, state, true, input.runtimeEnv ?? []));
  return ops;
}

/**
 * The container's terminal, made in its own devpts (the master goes to the
 * CLI; the slave becomes stdio and, with a mount namespace, /dev/console).
 */
export function consoleOp(process: Process | undefined, mountConsole: boolean): Op {
  const size = process?.consoleSize;
  return { op: Opcode.CONSOLE, num: [mountConsole ? 1 : 0, size?.height ?? 0, size?.width ?? 0] };
}

/**
 * Mount data with linux.mountLabel as its SELinux context, where SELinux is
 * enabled (runc's label.FormatMountLabel); the data as it is otherwise.
 */
function withMountLabel(input: PlanInput, data: string): string {
  const label = input.spec.linux?.mountLabel;
  if (!label || !input.selinuxEnabled) return data;
  const context = `context="${label}"`;
  return data ? `${data},${context}` : context;
}

/**
 * One mount of the spec. `sources` numbers the bind sources the stub opens
 * for the init, when it does.
 */
function planMount(
  input: PlanInput,
  m: Mount,
  hasNetNs: boolean,
  sources?: { next: number },
  late: string[] = [],
): Op[] {
  const opts = parseMountOptions(m.options);
  const dest = mountDestination(m.destination);
  const ops: Op[] = [];
  if (m.type === "sysfs" && !hasNetNs) {
    // sysfs shows the network namespace it is mounted in: without one of its
    // own, the container gets the host's /sys, bound read-only (as runc does).
    // Not recursive where the spec mounts cgroups itself: the host's
    // /sys/fs/cgroup submounts would be in the way (EBUSY for a fresh cgroup2).
    const ownCgroup = (input.spec.mounts ?? []).some((x) =>
      x.type === "cgroup" || x.type === "cgroup2"
    );
    return planMount(
      input,
      {
        ...m,
        type: "bind",
        source: "/sys",
        options: [ownCgroup ? "bind" : "rbind", "nosuid", "noexec", "nodev", "ro"],
      },
      true,
      sources,
    );
  }
  if (isBind(m)) {
    const source = m.source?.startsWith("/") ? m.source : `${input.bundle}/${m.source ?? ""}`;
    const kind = input.sourceKind(source);
    if (kind === "missing") throw new Error(`mount ${dest}: bind source ${source} does not exist`);
    ops.push({
      op: Opcode.MOUNT,
      str: [source, dest, "", ""],
      num: [
        MS.BIND | (opts.flags & MS.REC),
        kind === "dir" ? Target.DIR : Target.FILE,
        0o755,
        sources ? sources.next++ : 0,
      ],
    });
    // Flags beyond bind only take effect on a remount.
    const extra = opts.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    if (extra) ops.push({ op: Opcode.REMOUNT, str: [dest], num: [extra] });
  } else if (m.type === "cgroup" || m.type === "cgroup2") {
    ops.push(...planCgroupMount(input, dest, opts.flags));
  } else {
    // proc, sysfs and mqueue take no context= (runc labels none of them this way).
    const labelled = !["proc", "sysfs", "mqueue"].includes(m.type ?? "");
    let flags = opts.flags;
    if ((m.type === "tmpfs" || dest === "/dev") && flags & MS.RDONLY) {
      flags &= ~MS.RDONLY;
      late.push(dest);
    }
    ops.push({
      op: Opcode.MOUNT,
      str: [
        m.source ?? "",
        dest,
        m.type ?? "",
        labelled ? withMountLabel(input, opts.data) : opts.data,
      ],
      num: [flags, Target.DIR, 0o755],
    });
  }
  for (const p of opts.propagation) {
    ops.push({ op: Opcode.MOUNT, str: ["", dest, "", ""], num: [p, Target.EXISTING] });
  }
  const rec = recursiveAttrs(opts.recursive);
  if (rec.set || rec.clr) {
    ops.push({ op: Opcode.MOUNT_SETATTR, str: [dest], num: [rec.set, rec.clr, 0] });
  }
  return ops;
}

/**
 * The container's cgroups where the spec mounts cgroup, as runc 1.1 gives
 * them: with a cgroup namespace of its own, cgroup filesystems mounted fresh
 * (they show the namespace's root); without one, its own cgroup directories of
 * the host bound in. cgroup v1: a tmpfs with a directory per controller;
 * cgroup v2: the one hierarchy. Read-only unless the spec's options say rw
 * (CVE-2023-25809); the tmpfs holding them is always read-only.
 */
function planCgroupMount(input: PlanInput, dest: string, flags: number): Op[] {
  const paths = input.cgroupPaths ?? {};
  const cgroupNs = input.spec.linux?.namespaces?.some((n) => n.type === "cgroup") ?? false;
  const base = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const own = flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
  const ops: Op[] = [];
  const v2Only = Object.keys(paths).length === 1 && paths[""] !== undefined;
  if (v2Only) {
    if (cgroupNs) {
      ops.push({
        op: Opcode.MOUNT,
        str: ["cgroup2", dest, "cgroup2", ""],
        num: [own | base, Target.DIR, 0o755],
      });
    } else {
      ops.push({
        op: Opcode.MOUNT,
        str: [paths[""]!, dest, "", ""],
        num: [MS.BIND | MS.REC, Target.DIR, 0o755],
      });
      ops.push({ op: Opcode.REMOUNT, str: [dest], num: [own | base] });
    }
    return ops;
  }
  ops.push({
    op: Opcode.MOUNT,
    str: ["tmpfs", dest, "tmpfs", "mode=755"],
    num: [base, Target.DIR, 0o755],
  });
  // v1 controllers only, as runc 1.1 (the hybrid's unified hierarchy is not shown).
  for (const [key, hostDir] of Object.entries(paths)) {
    if (key === "") continue;
    const sub = `${dest}/${key.replace(/^name=/, "")}`;
    if (cgroupNs) {
      ops.push({
        op: Opcode.MOUNT,
        str: ["cgroup", sub, "cgroup", key],
        num: [own | base, Target.DIR, 0o755],
      });
    } else {
      ops.push({
        op: Opcode.MOUNT,
        str: [hostDir, sub, "", ""],
        num: [MS.BIND | MS.REC, Target.DIR, 0o755],
      });
      ops.push({ op: Opcode.REMOUNT, str: [sub], num: [own | base] });
    }
  }
  ops.push({ op: Opcode.REMOUNT, str: [dest], num: [MS.RDONLY | base] });
  return ops;
}

function planDevices(input: PlanInput, inUserns: boolean): Op[] {
  const ops: Op[] = [];
  // /dev/ptmx is always the link to the container's own devpts (below), as
  // runc's createDevices leaves it to setupPtmx.
  const specDevices = (input.spec.linux?.devices ?? []).filter(
    (d) => cleanPath(`/${d.path}`) !== "/dev/ptmx",
  );
  const devices = [
    ...DEFAULT_DEVICES.filter((d) => !specDevices.some((s) => s.path === d.path)).map((d) => ({
      path: d.path,
      type: "c",
      major: d.major,
      minor: d.minor,
      fileMode: 0o666,
      uid: 0,
      gid: 0,
    })),
    ...specDevices,
  ];
  for (const d of devices) {
    if (inUserns) {
      // mknod is not allowed in a user namespace: bind the host's node instead.
      ops.push({ op: Opcode.MOUNT, str: [d.path, d.path, "", ""], num: [MS.BIND, Target.FILE] });
      continue;
    }
    const type = d.type === "b" ? S_IFBLK : d.type === "p" ? S_IFIFO : S_IFCHR;
    ops.push({
      op: Opcode.MKNOD,
      str: [d.path],
      num: [
        type | (d.fileMode ?? 0o666),
        makedev(d.major ?? 0, d.minor ?? 0),
        d.uid ?? 0,
        d.gid ?? 0,
      ],
    });
  }
  const links: [string, string][] = [
    ["/proc/self/fd", "/dev/fd"],
    ["/proc/self/fd/0", "/dev/stdin"],
    ["/proc/self/fd/1", "/dev/stdout"],
    ["/proc/self/fd/2", "/dev/stderr"],
  ];
  if (input.hostHasKcore) links.push(["/proc/kcore", "/dev/core"]);
  for (const [target, link] of links) {
    ops.push({ op: Opcode.SYMLINK, str: [target, link], num: [0] });
  }
  ops.push({ op: Opcode.SYMLINK, str: ["pts/ptmx", "/dev/ptmx"], num: [1] });
  return ops;
}
