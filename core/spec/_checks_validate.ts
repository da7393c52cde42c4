/**
 * The checks of runc's validator (libcontainer/configs/validate), in its order.
 *
 * @module
 */

import {
  type Check,
  fail,
  hasNs,
  host,
  nsPath,
  rootfsPath,
  sysctlDotted,
  sysctlPath,
} from "./_check.ts";
import { goQuote } from "./_go.ts";
import { pathError } from "../os/errno.ts";
import { SpecError } from "./errors.ts";

const IPC_SYSCTLS = new Set([
  "kernel.msgmax",
  "kernel.msgmnb",
  "kernel.msgmni",
  "kernel.sem",
  "kernel.shmall",
  "kernel.shmmax",
  "kernel.shmmni",
  "kernel.shm_rmid_forced",
]);

/**
 * The systemd cgroup driver needs systemd running (runc's cgroup manager
 * New refuses it after validation, before anything is made).
 */
export const systemdCheck: Check = {
  name: "systemd",
  stage: "validate",
  run(_spec, ctx) {
    if (ctx.systemdCgroup && !host(ctx, "systemdRunning")) {
      fail("systemd", "systemd not running on this host, cannot use systemd cgroups manager");
    }
    return [];
  },
};

/** cgroup v1 hosts cannot take `linux.resources.unified`. */
export const unifiedCheck: Check = {
  name: "unified",
  stage: "validate",
  run(spec, ctx) {
    if (spec.linux?.resources?.unified !== undefined && !host(ctx, "cgroup2Unified")) {
      fail(
        "unified",
        "invalid configuration: cannot use unified on cgroup v1",
        "linux.resources.unified",
      );
    }
    return [];
  },
};

/** The rootfs exists, is a directory, and its path is absolute and free of symlinks. */
export const rootfsCheck: Check = {
  name: "rootfs",
  stage: "validate",
  run(spec, ctx) {
    const rootfs = rootfsPath(spec, ctx.bundleDir);
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(rootfs);
    } catch (err) {
      fail("rootfs", `invalid rootfs: ${pathError("stat", rootfs, err)}`, "root.path");
    }
    let real: string;
    try {
      real = Deno.realPathSync(rootfs);
    } catch (err) {
      fail("rootfs", `invalid rootfs: ${pathError("lstat", rootfs, err)}`, "root.path");
    }
    if (real !== rootfs) {
      fail("rootfs", "invalid rootfs: not an absolute path, or a symlink", "root.path");
    }
    if (!info.isDirectory) {
      fail("rootfs", `invalid rootfs: ${rootfs}: not a directory`, "root.path");
    }
    return [];
  },
};

export const hostnameCheck: Check = {
  name: "hostname",
  stage: "validate",
  run(spec) {
    for (const field of ["hostname", "domainname"] as const) {
      if ((spec[field] ?? "") !== "" && !hasNs(spec, "uts")) {
        fail("hostname", `unable to set ${field} without a private UTS namespace`, field);
      }
    }
    return [];
  },
};

export const securityCheck: Check = {
  name: "security",
  stage: "validate",
  run(spec) {
    const l = spec.linux;
    if (
      ((l?.maskedPaths ?? []).length > 0 || (l?.readonlyPaths ?? []).length > 0) &&
      !hasNs(spec, "mount")
    ) {
      fail(
        "security",
        "unable to restrict sys entries without a private MNT namespace",
        "linux.maskedPaths",
      );
    }
    return [];
  },
};

export const userNamespaceCheck: Check = {
  name: "userNamespace",
  stage: "validate",
  run(spec, ctx) {
    if (hasNs(spec, "user")) {
      if (!host(ctx, "userNamespaces")) {
        fail("userNamespace", "USER namespaces aren't enabled in the kernel", "linux.namespaces");
      }
    } else if (
      (spec.linux?.uidMappings ?? []).length > 0 || (spec.linux?.gidMappings ?? []).length > 0
    ) {
      fail(
        "userNamespace",
        "User namespace mappings specified, but USER namespace isn't enabled in the config",
        "linux.uidMappings",
      );
    }
    return [];
  },
};

export const cgroupNamespaceCheck: Check = {
  name: "cgroupNamespace",
  stage: "validate",
  run(spec, ctx) {
    if (hasNs(spec, "cgroup") && !host(ctx, "cgroupNamespaces")) {
      fail("cgroupNamespace", "cgroup namespaces aren't enabled in the kernel", "linux.namespaces");
    }
    return [];
  },
};

/** Whether `path` is the network namespace runc itself is in. */
function isHostNetNs(path: string): boolean {
  const self = "/proc/self/ns/net";
  let a: Deno.FileInfo, b: Deno.FileInfo;
  try {
    a = Deno.statSync(self);
  } catch (err) {
    throw new SpecError(`invalid netns path: ${pathError("stat", self, err)}`, { check: "sysctl" });
  }
  try {
    b = Deno.statSync(path);
  } catch (err) {
    throw new SpecError(`invalid netns path: ${pathError("stat", path, err)}`, {
      check: "sysctl",
      field: "linux.namespaces",
    });
  }
  return a.dev === b.dev && a.ino === b.ino;
}

/** Only namespaced sysctls, each with its namespace unshared. */
export const sysctlCheck: Check = {
  name: "sysctl",
  stage: "validate",
  run(spec) {
    let hostNet: boolean | undefined;
    for (const key of Object.keys(spec.linux?.sysctl ?? {})) {
      const s = sysctlDotted(key);
      const field = `linux.sysctl[${goQuote(key)}]`;
      // Written at /proc/sys/PATH: "..", "." or an empty part would name another file.
      if (sysctlPath(key).split("/").some((part) => part === "" || part === "." || part === "..")) {
        fail("sysctl", `sysctl ${goQuote(key)} is not a sysctl name`, field);
      }
      if (IPC_SYSCTLS.has(s) || s.startsWith("fs.mqueue.")) {
        if (hasNs(spec, "ipc")) continue;
        fail("sysctl", `sysctl ${goQuote(s)} is not allowed in the hosts ipc namespace`, field);
      }
      if (s.startsWith("net.")) {
        if (hostNet === undefined) {
          const path = nsPath(spec, "network");
          hostNet = !hasNs(spec, "network") ? true : path === "" ? false : isHostNetNs(path);
        }
        if (hostNet) {
          fail("sysctl", `sysctl ${goQuote(s)} not allowed in host network namespace`, field);
        }
        continue;
      }
      if (hasNs(spec, "uts")) {
        if (s === "kernel.domainname") continue;
        if (s === "kernel.hostname") {
          fail(
            "sysctl",
            `sysctl ${goQuote(s)} is not allowed as it conflicts with the OCI "hostname" field`,
            field,
          );
        }
      }
      fail("sysctl", `sysctl ${goQuote(s)} is not in a separate kernel namespace`, field);
    }
    return [];
  },
};

export const intelRdtCheck: Check = {
  name: "intelRdt",
  stage: "validate",
  run(spec, ctx) {
    const rdt = spec.linux?.intelRdt;
    if (rdt === undefined) return [];
    const clos = rdt.closID ?? "";
    if (clos === "." || clos === ".." || clos.includes("/")) {
      fail("intelRdt", `invalid intelRdt.ClosID ${goQuote(clos)}`, "linux.intelRdt.closID");
    }
    if ((rdt.l3CacheSchema ?? "") !== "" && !host(ctx, "intelRdtCat")) {
      fail(
        "intelRdt",
        "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled",
        "linux.intelRdt.l3CacheSchema",
      );
    }
    if ((rdt.memBwSchema ?? "") !== "" && !host(ctx, "intelRdtMba")) {
      fail(
        "intelRdt",
        "intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled",
        "linux.intelRdt.memBwSchema",
      );
    }
    // runc 1.1 ignores a closID (or an empty intelRdt) where resctrl is not
    // mounted; the runtime-spec wants an error, and runc 1.3 gives this one.
    if (!host(ctx, "intelRdt")) {
      fail(
        "intelRdt",
        "intelRdt is specified in config, but Intel RDT is not enabled",
        "linux.intelRdt",
      );
    }
    return [];
  },
};

/** runc's rootlessEUID checks, when runc runs with euid != 0. */
export const rootlessCheck: Check = {
  name: "rootless",
  stage: "validate",
  run(spec, ctx) {
    if (!ctx.rootlessEuid) return [];
    if (!hasNs(spec, "user")) {
      fail("rootless", "rootless container requires user namespaces", "linux.namespaces");
    }
    const uids = spec.linux?.uidMappings ?? [];
    const gids = spec.linux?.gidMappings ?? [];
    if (uids.length === 0) {
      fail(
        "rootless",
        "rootless containers requires at least one UID mapping",
        "linux.uidMappings",
      );
    }
    if (gids.length === 0) {
      fail(
        "rootless",
        "rootless containers requires at least one GID mapping",
        "linux.gidMappings",
      );
    }
    const mapped = (id: number, maps: typeof uids) =>
      maps.some((m) => id >= m.containerID && id < m.containerID + m.size);
    for (const [i, m] of (spec.mounts ?? []).entries()) {
      for (const opt of m.options ?? []) {
        const match = /^(uid|gid)=([+-]?\d+)/.exec(opt);
        if (match === null) continue;
        const [, kind, value] = match;
        if (!mapped(Number(value), kind === "uid" ? uids : gids)) {
          fail(
            "rootless",
            `cannot specify ${kind}= mount options for unmapped ${kind} in rootless containers`,
            `mounts[${i}].options`,
          );
        }
      }
    }
    return [];
  },
};
