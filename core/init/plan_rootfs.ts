/**
 * The container's file system as init-program ops, in runc's order: the
 * rootfs made a mount of its own, the spec's mounts, devices and /dev links,
 * the hook point before the switch, pivot_root (or MS_MOVE with --no-pivot),
 * then what must wait for the new root (the cwd, the console, read-only
 * remounts). Pure: host facts come in through {@linkcode RootfsPlanInput}.
 *
 * @module
 */
import type { LinuxDevice, Mount, Process, Spec } from "../spec/types.ts";
import { MS, parseMountOptions, recursiveAttrs } from "../mounts/options.ts";
import { isBind, mountDestination } from "../spec/mounts.ts";
import { cleanPath, joinPath } from "../os/path.ts";
import { Errno, errnoText } from "../os/errno.ts";
import { type Op, Target } from "./protocol.ts";
import { ops } from "./ops.ts";
import { InitError } from "./init_error.ts";
import { consoleOp } from "./plan_process.ts";

/** What kind of file a bind-mount source is on the host. */
export type SourceKind = "dir" | "file" | "missing";

/** What the rootfs part of the planner needs. */
export interface RootfsPlanInput {
  spec: Spec;
  /** Absolute host path of the rootfs. */
  rootfs: string;
  /** Absolute host path of the bundle (relative mount sources are resolved against it). */
  bundle: string;
  /** --no-pivot */
  noPivot: boolean;
  /** Whether /proc/kcore exists on the host (for the /dev/core link). */
  hostHasKcore: boolean;
  /** Whether SELinux is enabled on the host (mountLabel becomes the mounts' context). */
  selinuxEnabled?: boolean;
  /**
   * The container's cgroup directories by controller ("" for the v2 or
   * hybrid unified hierarchy), made while the init waits after the clone.
   */
  cgroupPaths?: Record<string, string> | undefined;
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

/** The devices every container gets (runc's default set). */
const DEFAULT_DEVICES = [
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

/** What the rootfs part leaves for the caller to place. */
export interface RootfsPlan {
  /** Up to the hook point: mounts and devices. */
  beforeHooks: Op[];
  /** From the switch into the new root on. */
  afterHooks: Op[];
}

/**
 * Mounts, devices and the switch into the rootfs. The caller puts the hook
 * point (prestart, createRuntime, createContainer) between the two parts.
 *
 * @param input the spec and host facts
 * @param inUserns the container has a user namespace (devices are bound, not made)
 * @returns the two parts
 */
export function planRootfs(input: RootfsPlanInput, inUserns: boolean): RootfsPlan {
  const { spec, rootfs } = input;
  const before: Op[] = [];
  const rootProp = spec.linux?.rootfsPropagation;
  const rootPropFlags = rootProp ? parseMountOptions([rootProp]).propagation[0] ?? 0 : 0;

  // runc's prepareRoot: keep the host out of our mounts (or the propagation
  // asked for), the mount holding the rootfs private (pivot_root refuses a
  // shared one, and the bind below would propagate to the host's peers), the
  // rootfs a mount point of its own.
  before.push(ops.mount({
    source: "",
    target: "/",
    flags: rootPropFlags || MS.SLAVE | MS.REC,
    kind: Target.HOST,
  }));
  before.push(ops.parentPrivate(rootfs));
  before.push(
    ops.mount({ source: rootfs, target: rootfs, flags: MS.BIND | MS.REC, kind: Target.HOST }),
  );
  before.push(ops.openRoot(rootfs));

  const mounts = spec.mounts ?? [];
  // Devices never go onto the image's own /dev: it gets a tmpfs unless the spec mounts one.
  if (!mounts.some((m) => mountDestination(m.destination) === "/dev")) {
    before.push(ops.mount({
      source: "tmpfs",
      target: "/dev",
      fstype: "tmpfs",
      data: withMountLabel(input, "mode=755,size=65536k"),
      flags: MS.NOSUID | MS.STRICTATIME,
      kind: Target.DIR,
    }));
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
  for (const m of mounts) before.push(...planMount(input, m, hasNetNs, sources, late));
  const devIsBind = mounts.some((m) => mountDestination(m.destination) === "/dev" && isBind(m));
  if (!devIsBind) before.push(...planDevices(input, inUserns));

  const after: Op[] = [];
  if (input.noPivot) {
    for (const p of input.hostProcSysMounts ?? []) {
      if (p !== rootfs && !p.startsWith(`${rootfs}/`)) after.push(ops.hideMount(p));
    }
    after.push(ops.moveRoot(rootfs));
  } else {
    after.push(ops.pivotRoot());
  }
  // The cwd is made inside the new root, before it may become read-only.
  after.push(ops.mkdir(spec.process?.cwd ?? "/", 0o755));
  if (spec.process?.terminal) after.push(consoleOp(spec.process as Process, true));
  if (rootPropFlags) {
    after.push(ops.mount({ source: "", target: "/", flags: rootPropFlags, kind: Target.EXISTING }));
  }
  for (const dest of late) after.push(ops.remount(dest, MS.RDONLY));
  if (spec.root?.readonly) after.push(ops.remount("/", MS.RDONLY));
  return { beforeHooks: before, afterHooks: after };
}

/**
 * Mount data with linux.mountLabel as its SELinux context, where SELinux is
 * enabled (runc's label.FormatMountLabel); the data as it is otherwise.
 *
 * @param input the spec and whether SELinux is enabled
 * @param data the mount's own data ("" for none)
 * @returns the data, with `context="LABEL"` added when it applies
 */
export function withMountLabel(input: RootfsPlanInput, data: string): string {
  const label = input.spec.linux?.mountLabel;
  if (!label || !input.selinuxEnabled) return data;
  const context = `context="${label}"`;
  return data ? `${data},${context}` : context;
}

/**
 * One mount of the spec. `sources` numbers the bind sources the stub opens
 * for the init, when it does; `late` collects the mounts to make read-only at
 * the end.
 */
function planMount(
  input: RootfsPlanInput,
  m: Mount,
  hasNetNs: boolean,
  sources: { next: number } | undefined,
  late: string[],
): Op[] {
  const opts = parseMountOptions(m.options);
  const dest = mountDestination(m.destination);
  const out: Op[] = [];
  if (m.type === "sysfs" && !hasNetNs) {
    // sysfs shows the network namespace it is mounted in: without one of its
    // own, the container gets the host's /sys, bound read-only (as runc does).
    // Not recursive where the spec mounts cgroups itself: the host's
    // /sys/fs/cgroup submounts would be in the way (EBUSY for a fresh cgroup2).
    const ownCgroup = (input.spec.mounts ?? []).some((x) =>
      x.type === "cgroup" || x.type === "cgroup2"
    );
    const options = [ownCgroup ? "bind" : "rbind", "nosuid", "noexec", "nodev", "ro"];
    return planMount(input, { ...m, type: "bind", source: "/sys", options }, true, sources, late);
  }
  if (isBind(m)) {
    // runc's createLibcontainerMount: a relative source is joined to the bundle.
    const source = m.source?.startsWith("/") ? m.source : joinPath(input.bundle, m.source ?? "");
    const kind = input.sourceKind(source);
    if (kind === "missing") {
      throw new InitError(
        `error during container init: error mounting ${JSON.stringify(source)} to rootfs at ` +
          `${JSON.stringify(m.destination)}: stat ${source}: ${errnoText(Errno.ENOENT)}`,
      );
    }
    out.push(ops.mount({
      source,
      target: dest,
      flags: MS.BIND | (opts.flags & MS.REC),
      kind: kind === "dir" ? Target.DIR : Target.FILE,
      sourceIndex: sources ? sources.next++ : 0,
    }));
    // Flags beyond bind only take effect on a remount.
    const extra = opts.flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
    if (extra) out.push(ops.remount(dest, extra));
  } else if (m.type === "cgroup" || m.type === "cgroup2") {
    out.push(...planCgroupMount(input, dest, opts.flags));
  } else {
    // proc, sysfs and mqueue take no context= (runc labels none of them this way).
    const labelled = !["proc", "sysfs", "mqueue"].includes(m.type ?? "");
    let flags = opts.flags;
    if ((m.type === "tmpfs" || dest === "/dev") && flags & MS.RDONLY) {
      flags &= ~MS.RDONLY;
      late.push(dest);
    }
    out.push(ops.mount({
      source: m.source ?? "",
      target: dest,
      fstype: m.type ?? "",
      data: labelled ? withMountLabel(input, opts.data) : opts.data,
      flags,
      kind: Target.DIR,
    }));
    // mqueue takes no context=: runc labels its root instead (label.SetFileLabel).
    const label = input.spec.linux?.mountLabel;
    if (m.type === "mqueue" && label && input.selinuxEnabled) {
      out.push(ops.setxattr(dest, "security.selinux", label));
    }
  }
  for (const p of opts.propagation) {
    out.push(ops.mount({ source: "", target: dest, flags: p, kind: Target.EXISTING }));
  }
  const rec = recursiveAttrs(opts.recursive);
  if (rec.set || rec.clr) out.push(ops.mountSetattr(dest, rec.set, rec.clr));
  return out;
}

/**
 * The container's cgroups where the spec mounts cgroup, as runc 1.1 gives
 * them: with a cgroup namespace of its own, cgroup filesystems mounted fresh
 * (they show the namespace's root); without one, its own cgroup directories of
 * the host bound in. cgroup v1: a tmpfs with a directory per controller;
 * cgroup v2: the one hierarchy. Read-only unless the spec's options say rw
 * (CVE-2023-25809); the tmpfs holding them is always read-only.
 */
function planCgroupMount(input: RootfsPlanInput, dest: string, flags: number): Op[] {
  const paths = input.cgroupPaths ?? {};
  const cgroupNs = input.spec.linux?.namespaces?.some((n) => n.type === "cgroup") ?? false;
  const base = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const own = flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
  const out: Op[] = [];
  const bound = (source: string, target: string) => [
    ops.mount({ source, target, flags: MS.BIND | MS.REC, kind: Target.DIR }),
    ops.remount(target, own | base),
  ];
  // A recursive bind of the host's /sys (runc spec --rootless) brings the
  // host's cgroup2 mount along: a fresh cgroup2 on top of it is refused
  // (EBUSY), and runc then binds the container's own cgroup instead. Plan
  // that directly.
  const underHostBind = (input.spec.mounts ?? []).some((x) =>
    isBind(x) && parseMountOptions(x.options).flags & MS.REC &&
    (dest === x.destination || dest.startsWith(`${x.destination.replace(/\/+$/, "")}/`))
  );
  if (Object.keys(paths).length === 1 && paths[""] !== undefined) {
    if (cgroupNs && !underHostBind) {
      out.push(ops.mount({
        source: "cgroup2",
        target: dest,
        fstype: "cgroup2",
        flags: own | base,
        kind: Target.DIR,
      }));
    } else {
      out.push(...bound(paths[""], dest));
    }
    return out;
  }
  out.push(ops.mount({
    source: "tmpfs",
    target: dest,
    fstype: "tmpfs",
    data: withMountLabel(input, "mode=755"),
    flags: base,
    kind: Target.DIR,
  }));
  // v1 controllers only, as runc 1.1 (the hybrid's unified hierarchy is not shown).
  for (const [key, hostDir] of Object.entries(paths)) {
    if (key === "") continue;
    const sub = `${dest}/${key.replace(/^name=/, "")}`;
    if (cgroupNs) {
      out.push(ops.mount({
        source: "cgroup",
        target: sub,
        fstype: "cgroup",
        data: key,
        flags: own | base,
        kind: Target.DIR,
      }));
    } else {
      out.push(...bound(hostDir, sub));
    }
  }
  out.push(ops.remount(dest, MS.RDONLY | base));
  return out;
}

/** The default devices and the spec's, made (or bound in a user namespace), and /dev's links. */
function planDevices(input: RootfsPlanInput, inUserns: boolean): Op[] {
  const out: Op[] = [];
  // /dev/ptmx is always the link to the container's own devpts (below), as
  // runc's createDevices leaves it to setupPtmx.
  const specDevices = (input.spec.linux?.devices ?? []).filter(
    (d) => cleanPath(`/${d.path}`) !== "/dev/ptmx",
  );
  const devices: LinuxDevice[] = [
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
      out.push(ops.mount({ source: d.path, target: d.path, flags: MS.BIND, kind: Target.FILE }));
      continue;
    }
    const type = d.type === "b" ? S_IFBLK : d.type === "p" ? S_IFIFO : S_IFCHR;
    out.push(ops.mknod(
      d.path,
      type | (d.fileMode ?? 0o666),
      makedev(d.major ?? 0, d.minor ?? 0),
      d.uid ?? 0,
      d.gid ?? 0,
    ));
  }
  const links: [string, string][] = [
    ["/proc/self/fd", "/dev/fd"],
    ["/proc/self/fd/0", "/dev/stdin"],
    ["/proc/self/fd/1", "/dev/stdout"],
    ["/proc/self/fd/2", "/dev/stderr"],
  ];
  if (input.hostHasKcore) links.push(["/proc/kcore", "/dev/core"]);
  for (const [target, link] of links) out.push(ops.symlink(target, link, false));
  out.push(ops.symlink("pts/ptmx", "/dev/ptmx", true));
  return out;
}
