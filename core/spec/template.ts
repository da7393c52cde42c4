/**
 * The config.json that `runc spec` writes, and its `--rootless` variant.
 *
 * runc writes `json.MarshalIndent(spec, "", "\t")` with no trailing newline, so
 * `JSON.stringify(defaultSpec(opts), null, "\t")` is byte for byte runc 1.1's
 * file (checked against Debian's runc 1.1.5 by tests/unit/spec_template_test.ts).
 *
 * @module
 */

import { egid, euid } from "../os/host.ts";
import type { Mount, Spec } from "./types.ts";

/** Options of {@linkcode defaultSpec}. */
export interface DefaultSpecOptions {
  /** Apply runc's `--rootless` changes (runc's `specconv.ToRootless`). */
  rootless: boolean;
  /**
   * Host uid mapped to root in the rootless spec.
   * @default the effective uid of this process
   */
  hostUid?: number;
  /**
   * Host gid mapped to root in the rootless spec.
   * @default the effective gid of this process
   */
  hostGid?: number;
  /**
   * Add a cgroup namespace, as runc does on a pure cgroup v2 host (where
   * /sys/fs/cgroup is cgroup2).
   * @default false
   */
  cgroupNamespace?: boolean;
}

const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

function exampleSpec(): Spec {
  return {
    ociVersion: "1.0.2-dev",
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ["sh"],
      env: [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "TERM=xterm",
      ],
      cwd: "/",
      capabilities: {
        bounding: [...CAPS],
        effective: [...CAPS],
        permitted: [...CAPS],
        ambient: [...CAPS],
      },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: true },
    hostname: "runc",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
      },
      {
        destination: "/dev/shm",
        type: "tmpfs",
        source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
      },
      {
        destination: "/dev/mqueue",
        type: "mqueue",
        source: "mqueue",
        options: ["nosuid", "noexec", "nodev"],
      },
      {
        destination: "/sys",
        type: "sysfs",
        source: "sysfs",
        options: ["nosuid", "noexec", "nodev", "ro"],
      },
      {
        destination: "/sys/fs/cgroup",
        type: "cgroup",
        source: "cgroup",
        options: ["nosuid", "noexec", "nodev", "relatime", "ro"],
      },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: "rwm" }] },
      namespaces: [
        { type: "pid" },
        { type: "network" },
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
      ],
      maskedPaths: [
        "/proc/acpi",
        "/proc/asound",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/sys/firmware",
        "/proc/scsi",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  };
}

/** Removes `uid=`/`gid=` options, as runc's ToRootless does; keeps the key order. */
function withoutIdOptions(m: Mount): Mount {
  if (m.options === undefined) return m;
  const options = m.options.filter((o) => !o.startsWith("gid=") && !o.startsWith("uid="));
  const out: Mount = { destination: m.destination };
  if (m.type !== undefined) out.type = m.type;
  if (m.source !== undefined) out.source = m.source;
  // Go's omitempty drops an options list that became empty.
  if (options.length > 0) out.options = options;
  return out;
}

/**
 * Returns the spec `runc spec` writes: a busybox-style `sh` with a read-only
 * rootfs and pid, network, ipc, uts and mount namespaces (and cgroup with
 * `cgroupNamespace`). With `rootless`, as
 * `runc spec --rootless`: the network namespace is dropped and a user namespace
 * appended, root is mapped to the caller's effective uid and gid (size 1),
 * `gid=`/`uid=` mount options are removed, /sys becomes a read-only rbind of the
 * host's /sys, and `linux.resources` is removed.
 *
 * @param opts Whether to make the rootless variant, and the ids to map.
 * @returns A fresh object; key order follows runc's, so
 *   `JSON.stringify(spec, null, "\t")` equals runc's config.json (which has no
 *   trailing newline).
 * @example
 * ```ts
 * const text = JSON.stringify(defaultSpec({ rootless: false }), null, "\t");
 * await Deno.writeTextFile("config.json", text);
 * ```
 */
export function defaultSpec(opts: DefaultSpecOptions): Spec {
  const spec = exampleSpec();
  if (opts.cgroupNamespace) spec.linux!.namespaces!.push({ type: "cgroup" });
  if (!opts.rootless) return spec;
  const linux = spec.linux!;
  const namespaces = (linux.namespaces ?? []).filter((ns) =>
    ns.type !== "network" && ns.type !== "user"
  );
  namespaces.push({ type: "user" });
  const hostUid = opts.hostUid ?? euid();
  const hostGid = opts.hostGid ?? egid();
  spec.mounts = (spec.mounts ?? []).map((m) =>
    m.destination === "/sys"
      ? {
        destination: "/sys",
        type: "none",
        source: "/sys",
        options: ["rbind", "nosuid", "noexec", "nodev", "ro"],
      }
      : withoutIdOptions(m)
  );
  // Rebuild linux so the keys come in Go's struct order (mappings first).
  spec.linux = {
    uidMappings: [{ containerID: 0, hostID: hostUid, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: hostGid, size: 1 }],
    namespaces,
  };
  if (linux.maskedPaths !== undefined) spec.linux.maskedPaths = linux.maskedPaths;
  if (linux.readonlyPaths !== undefined) spec.linux.readonlyPaths = linux.readonlyPaths;
  return spec;
}
