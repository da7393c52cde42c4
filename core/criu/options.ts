/**
 * What runc 1.1 tells CRIU about a container, as plain data: the flags turned
 * into CRIU's settings, the container's external mounts (bind mounts, the
 * cgroup mount, masked files, device nodes) for dump and for restore, and its
 * namespaces given by path. Pure: the file system is reached only through the
 * lookups passed in, so all of it is unit-tested without root.
 *
 * @module
 */
import type { Spec } from "../spec/types.ts";
import { CLONE_FLAGS } from "../os/namespaces.ts";
import { isBind } from "../spec/mounts.ts";
import { joinPath } from "../os/path.ts";
import type { CgroupPaths } from "../cgroups/cgroups.ts";
import { CgMode, type ExtMountMap } from "./rpc.ts";

/** A CRIU option error the CLI prints as is. */
export class CriuError extends Error {
  /** @param message runc's wording */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CriuError";
  }
}

/**
 * runc's setEmptyNsMask: the network namespace is always left empty (runc does
 * not manage network devices), plus the namespaces of --empty-ns.
 *
 * @param names the --empty-ns values
 * @throws CriuError `namespace "x" is not supported`
 */
export function emptyNsMask(names: readonly string[]): number {
  let mask = CLONE_FLAGS.network!;
  for (const n of names) {
    const f = CLONE_FLAGS[n];
    if (f === undefined) throw new CriuError(`namespace "${n}" is not supported`);
    mask |= f;
  }
  return mask >>> 0;
}

/**
 * --manage-cgroups-mode as CRIU's criu_cg_mode; undefined leaves CRIU's
 * default (soft).
 *
 * @param mode the flag's value
 * @throws CriuError `Invalid manage cgroups mode`
 */
export function manageCgroupsMode(mode: string | undefined): number | undefined {
  switch (mode) {
    case undefined:
    case "":
      return undefined;
    case "soft":
      return CgMode.SOFT;
    case "full":
      return CgMode.FULL;
    case "strict":
      return CgMode.STRICT;
    case "ignore":
      return CgMode.IGNORE;
    default:
      throw new CriuError("Invalid manage cgroups mode");
  }
}

/**
 * --page-server ADDRESS:PORT, split as Go's net.SplitHostPort does.
 *
 * @param value the flag's value
 * @returns undefined when the flag is empty
 * @throws CriuError with runc's messages
 */
export function parsePageServer(
  value: string | undefined,
): { address: string; port: number } | undefined {
  if (!value) return undefined;
  let address: string, port: string;
  const bracket = /^\[([^\]]*)\]:([^:]*)$/.exec(value);
  if (bracket) [address, port] = [bracket[1]!, bracket[2]!];
  else {
    const i = value.lastIndexOf(":");
    if (i < 0 || value.indexOf(":") !== i) {
      throw new CriuError("Use --page-server ADDRESS:PORT to specify page server");
    }
    [address, port] = [value.slice(0, i), value.slice(i + 1)];
  }
  if (address === "" || port === "") {
    throw new CriuError("Use --page-server ADDRESS:PORT to specify page server");
  }
  if (!/^[+-]?\d+$/.test(port) || !Number.isSafeInteger(Number(port))) {
    throw new CriuError("Invalid port number");
  }
  return { address, port: Number(port) };
}

/**
 * The configuration file CRIU reads after runc's settings: the
 * `org.criu.config` annotation (empty: none), else /etc/criu/runc.conf.
 *
 * @param spec the container's config
 * @returns the file, or undefined for none
 */
export function criuConfigFile(spec: Spec): string | undefined {
  const a = spec.annotations ?? {};
  if (Object.hasOwn(a, "org.criu.config")) return a["org.criu.config"] || undefined;
  return "/etc/criu/runc.conf";
}

/** The key CRIU knows an external namespace by: `extRootNetNS`, `extRootPidNS`. */
export function externalNsKey(type: "network" | "pid"): string {
  return type === "network" ? "extRootNetNS" : "extRootPidNS";
}

/** CRIU's name of a namespace type (runc's configs.NsName). */
export function criuNsName(type: string): string {
  return { network: "net", mount: "mnt" }[type] ?? type;
}

/** The file-system lookups the mount lists need. */
export interface PathLookup {
  /** The target of a symlink at a host path, or undefined when it is not a symlink (or missing). */
  readlink(path: string): string | undefined;
}

/**
 * cyphar/filepath-securejoin's SecureJoin, as runc uses it for mount points:
 * path is resolved inside root, symlinks followed as if root were `/`, and
 * never above it. Missing components are kept as they are.
 *
 * @param root the rootfs on the host
 * @param path a path inside the container
 * @param look the symlink lookup
 * @returns the resolved path inside the container (starting with `/`)
 */
export function secureJoin(root: string, path: string, look: PathLookup): string {
  const resolved: string[] = [];
  let rest = path.split("/");
  let links = 0;
  while (rest.length > 0) {
    const part = rest.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const target = look.readlink(`${root}/${[...resolved, part].join("/")}`);
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++links > 255) throw new CriuError(`secure join ${path}: too many levels of symlinks`);
    if (target.startsWith("/")) resolved.length = 0;
    rest = [...target.split("/"), ...rest];
  }
  return `/${resolved.join("/")}`;
}

/** What the mount lists need to know about the container. */
export interface MountContext {
  spec: Spec;
  /** The rootfs on the host. */
  rootfs: string;
  /** The bundle on the host (relative bind sources are taken from it). */
  bundle: string;
  /** The container's cgroup directories (state.json's cgroupPaths). */
  cgroupPaths: CgroupPaths;
  look: PathLookup;
}

/** A mount as runc sees it for CRIU: its kind (runc's Device), host source and destination. */
interface CriuMount {
  kind: "bind" | "cgroup" | "other";
  type: string;
  source: string;
  destination: string;
}

/**
 * The spec's mounts as runc's configs.Mount: bind mounts with absolute
 * sources; sysfs without a network namespace of its own is the host's /sys
 * bound (as the planner mounts it).
 */
function criuMounts(ctx: MountContext): CriuMount[] {
  const hasNetNs = ctx.spec.linux?.namespaces?.some((n) => n.type === "network" && !n.path) ??
    false;
  return (ctx.spec.mounts ?? []).map((m) => {
    if (m.type === "sysfs" && !hasNetNs) {
      return { kind: "bind", type: "bind", source: "/sys", destination: m.destination };
    }
    if (isBind(m)) {
      const src = m.source ?? "";
      const source = src.startsWith("/") ? src : `${ctx.bundle}/${src}`;
      return { kind: "bind", type: m.type ?? "bind", source, destination: m.destination };
    }
    if (m.type === "cgroup" || m.type === "cgroup2") {
      return { kind: "cgroup", type: m.type, source: "", destination: m.destination };
    }
    return {
      kind: "other",
      type: m.type ?? "",
      source: m.source ?? "",
      destination: m.destination,
    };
  });
}

/**
 * The cgroup mount as the bind mounts it is made of (as the planner makes
 * it without a cgroup namespace): the container's own cgroup directories.
 */
function cgroupBinds(ctx: MountContext, dest: string): { source: string; destination: string }[] {
  const paths = ctx.cgroupPaths;
  const v2Only = Object.keys(paths).length === 1 && paths[""] !== undefined;
  if (v2Only) return [{ source: paths[""]!, destination: dest }];
  return Object.entries(paths).filter(([k]) => k !== "").map(([k, dir]) => ({
    source: dir,
    destination: `${dest.replace(/\/+$/, "")}/${k.replace(/^name=/, "")}`,
  }));
}

function hasCgroupNs(spec: Spec): boolean {
  return spec.linux?.namespaces?.some((n) => n.type === "cgroup") ?? false;
}

/** The device nodes of the container (runc's config.Devices: the defaults and the spec's). */
export function devicePaths(spec: Spec): string[] {
  const defaults = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/tty",
    "/dev/urandom",
    "/dev/random",
  ];
  const own = (spec.linux?.devices ?? []).map((d) => d.path);
  return [...defaults.filter((p) => !own.includes(p)), ...own];
}

/**
 * The external mounts of a dump (runc's addCriuDumpMount and addMaskPaths):
 * each bind mount, the cgroup mount's binds (unless the container has a
 * cgroup namespace), masked files (bound from /dev/null) and device nodes,
 * by their mount point resolved inside the rootfs.
 *
 * @param ctx the container
 * @param maskedFile whether a masked path is a file that exists in the running container
 */
export function dumpExtMounts(
  ctx: MountContext,
  maskedFile: (path: string) => boolean,
): ExtMountMap[] {
  const out: ExtMountMap[] = [];
  const add = (dest: string, val?: string) => {
    const key = secureJoin(ctx.rootfs, dest, ctx.look);
    out.push({ key, val: val ?? key });
  };
  const cgroupNs = hasCgroupNs(ctx.spec);
  for (const m of criuMounts(ctx)) {
    if (m.kind === "bind") add(m.destination);
    else if (m.kind === "cgroup" && !cgroupNs) {
      for (const b of cgroupBinds(ctx, m.destination)) add(b.destination);
    }
  }
  for (const p of ctx.spec.linux?.maskedPaths ?? []) {
    if (maskedFile(p)) out.push({ key: p, val: "/dev/null" });
  }
  for (const d of devicePaths(ctx.spec)) add(d);
  return out;
}

/**
 * The external mounts of a restore (runc's addCriuRestoreMount): each mount
 * point of the dump mapped to its source on the host.
 *
 * @param ctx the container (cgroupPaths: its new cgroups)
 */
export function restoreExtMounts(ctx: MountContext): ExtMountMap[] {
  const out: ExtMountMap[] = [];
  const add = (dest: string, source: string) =>
    out.push({ key: secureJoin(ctx.rootfs, dest, ctx.look), val: source });
  const cgroupNs = hasCgroupNs(ctx.spec);
  for (const m of criuMounts(ctx)) {
    if (m.kind === "bind") add(m.destination, m.source);
    else if (m.kind === "cgroup" && !cgroupNs) {
      for (const b of cgroupBinds(ctx, m.destination)) add(b.destination, b.source);
    }
  }
  if ((ctx.spec.linux?.maskedPaths ?? []).length > 0) {
    out.push({ key: "/dev/null", val: "/dev/null" });
  }
  for (const d of devicePaths(ctx.spec)) add(d, d);
  return out;
}

/** A mount point to make in the rootfs before a restore. */
export interface RestoreMountPoint {
  /** The mount point inside the container (resolved later, inside the rootfs). */
  destination: string;
  /** For a bind mount: its source on the host, bound there for the time of the preparation. */
  bindSource?: string;
}

/**
 * runc's prepareCriuRestoreMounts: the mount points CRIU needs and a restore
 * may have lost, in the spec's order; none under a tmpfs (CRIU restores its
 * content) and none for cgroup mounts. Bind mounts are bound while the later
 * mount points are made, so that nested mount points land in their sources.
 *
 * @param ctx the container
 */
export function restoreMountPoints(ctx: MountContext): RestoreMountPoint[] {
  const mounts = criuMounts(ctx);
  const tmpfs = mounts.filter((m) => m.type === "tmpfs").map((m) => m.destination);
  // The planner's own /dev tmpfs, when the spec has no /dev.
  if (!mounts.some((m) => m.destination.replace(/\/+$/, "") === "/dev")) tmpfs.push("/dev");
  const out: RestoreMountPoint[] = [];
  for (const m of mounts) {
    if (tmpfs.some((t) => m.destination.startsWith(`${t.replace(/\/+$/, "")}/`))) continue;
    if (m.kind === "cgroup") continue;
    out.push(
      m.kind === "bind"
        ? { destination: m.destination, bindSource: m.source }
        : { destination: m.destination },
    );
  }
  return out;
}

/**
 * go-criu's version number: major*10000 + minor*100 + sublevel; a build from
 * git counts as the next minor release.
 */
export function criuVersionNumber(
  v: { major_number: number; minor_number: number; sublevel?: number; gitid?: string },
): number {
  let n = v.major_number * 10000 + v.minor_number * 100 + (v.sublevel ?? 0);
  if (v.gitid) n = n - (n % 100) + 100;
  return n;
}

/**
 * runc's prepareImagePaths for --parent-path: relative to the image
 * directory, and it must be a directory.
 *
 * @param parent the flag's value
 * @param imagePath the image directory
 * @param isDir whether a host path is a directory (undefined: missing)
 * @throws CriuError with runc's messages
 */
export function checkParentPath(
  parent: string,
  imagePath: string,
  isDir: (path: string) => boolean | undefined,
): void {
  if (parent.startsWith("/")) throw new CriuError("--parent-path must be relative");
  const real = joinPath(imagePath, parent);
  const d = isDir(real);
  if (d === undefined) {
    throw new CriuError(`invalid --parent-path: stat ${real}: no such file or directory`);
  }
  if (!d) throw new CriuError(`invalid --parent-path: ${real}: not a directory`);
}
