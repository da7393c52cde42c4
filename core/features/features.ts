/**
 * The document `runc features` prints (runc 1.1's `types/features`): what this
 * runtime supports, for engines that probe before they configure.
 *
 * Compared with Debian's runc 1.1.5 on the same host, the document has the same
 * keys in the same order and the same lists, except:
 * - without libseccomp (or FFI permission), `linux.seccomp` is `{"enabled": false}`
 *   and the libseccomp annotation is absent; runc built without seccomp omits
 *   `linux.seccomp` altogether.
 * - the version and commit annotations are this runtime's, given by the caller.
 *
 * `linux.apparmor.enabled` and `linux.selinux.enabled` mean "supported by this
 * build" (the runtime-spec's features.md), whatever the host has: `true`, as
 * runc 1.1.5 prints, since this build applies AppArmor profiles
 * (process.apparmorProfile, `exec --apparmor`) and SELinux labels
 * (process.selinuxLabel, `exec --process-label`, linux.mountLabel) where the
 * host has that LSM enabled.
 *
 * This module stays light on purpose (`runc features` should start fast): it
 * imports only the capability and seccomp name lists; the caller asks
 * libseccomp its version.
 *
 * @module
 */

import { CAPABILITY_NAMES } from "../spec/capabilities.ts";
import { SECCOMP_ACTIONS, SECCOMP_ARCHS, SECCOMP_OPERATORS } from "../spec/seccomp_names.ts";

/** Seccomp support. */
export interface FeaturesSeccomp {
  enabled: boolean;
  actions?: string[];
  operators?: string[];
  archs?: string[];
}

/** Linux-specific features. */
export interface FeaturesLinux {
  namespaces: string[];
  capabilities: string[];
  cgroup: { v1: boolean; v2: boolean; systemd: boolean; systemdUser: boolean };
  seccomp: FeaturesSeccomp;
  apparmor: { enabled: boolean };
  selinux: { enabled: boolean };
}

/** The whole `runc features` document, keys in runc's order. */
export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: string[];
  mountOptions: string[];
  linux: FeaturesLinux;
  /** Sorted by key, as Go prints a map. */
  annotations: Record<string, string>;
}

/** Options of {@linkcode featuresDocument}. */
export interface FeaturesOptions {
  /**
   * This runtime's version, for `org.opencontainers.runc.version`.
   * @default "1.1.5"
   */
  version?: string;
  /**
   * This runtime's commit, for `org.opencontainers.runc.commit`.
   * @default ""
   */
  commit?: string;
  /**
   * The version of the libseccomp found at run time (ffi/libseccomp.ts asks
   * it); `undefined` means "no libseccomp".
   */
  libseccompVersion?: string | undefined;
}

/** Hooks in runc's order (configs.KnownHookNames). */
const HOOKS = [
  "prestart",
  "createRuntime",
  "createContainer",
  "startContainer",
  "poststart",
  "poststop",
];

/** Mount options runc 1.1 knows, sorted: flags, propagation, recursive (r*) and tmpcopyup. */
const MOUNT_OPTIONS = [
  "acl",
  "async",
  "atime",
  "bind",
  "defaults",
  "dev",
  "diratime",
  "dirsync",
  "exec",
  "iversion",
  "lazytime",
  "loud",
  "mand",
  "noacl",
  "noatime",
  "nodev",
  "nodiratime",
  "noexec",
  "noiversion",
  "nolazytime",
  "nomand",
  "norelatime",
  "nostrictatime",
  "nosuid",
  "nosymfollow",
  "private",
  "ratime",
  "rbind",
  "rdev",
  "rdiratime",
  "relatime",
  "remount",
  "rexec",
  "rnoatime",
  "rnodev",
  "rnodiratime",
  "rnoexec",
  "rnorelatime",
  "rnostrictatime",
  "rnosuid",
  "rnosymfollow",
  "ro",
  "rprivate",
  "rrelatime",
  "rro",
  "rrw",
  "rshared",
  "rslave",
  "rstrictatime",
  "rsuid",
  "rsymfollow",
  "runbindable",
  "rw",
  "shared",
  "silent",
  "slave",
  "strictatime",
  "suid",
  "symfollow",
  "sync",
  "tmpcopyup",
  "unbindable",
];

const NAMESPACES = ["cgroup", "ipc", "mount", "network", "pid", "user", "uts"];

/**
 * Builds the `runc features` document for this host.
 *
 * @param opts This runtime's version and commit; a libseccomp version override.
 * @returns The document; print it with {@linkcode formatFeatures}.
 * @example
 * ```ts
 * const doc = featuresDocument({ version: "1.1.5", commit: "abc" });
 * Deno.stdout.writeSync(new TextEncoder().encode(formatFeatures(doc)));
 * ```
 */
export function featuresDocument(opts: FeaturesOptions = {}): Features {
  const seccompVersion = opts.libseccompVersion;
  const seccomp: FeaturesSeccomp = seccompVersion === undefined ? { enabled: false } : {
    enabled: true,
    actions: [...SECCOMP_ACTIONS],
    operators: [...SECCOMP_OPERATORS],
    archs: [...SECCOMP_ARCHS],
  };
  const annotations: Record<string, string> = {};
  if (seccompVersion !== undefined) {
    annotations["io.github.seccomp.libseccomp.version"] = seccompVersion;
  }
  annotations["org.opencontainers.runc.checkpoint.enabled"] = "true";
  annotations["org.opencontainers.runc.commit"] = opts.commit ?? "";
  annotations["org.opencontainers.runc.version"] = opts.version ?? "1.1.5";
  return {
    ociVersionMin: "1.0.0",
    ociVersionMax: "1.0.2-dev",
    hooks: [...HOOKS],
    mountOptions: [...MOUNT_OPTIONS],
    linux: {
      namespaces: [...NAMESPACES],
      capabilities: [...CAPABILITY_NAMES],
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: true },
      seccomp,
      apparmor: { enabled: true },
      selinux: { enabled: true },
    },
    annotations,
  };
}

/**
 * Formats the document as runc prints it: Go's `json.Encoder` with a four-space
 * indent, HTML characters escaped, and a final newline.
 *
 * @param doc The document.
 * @returns The text to write to stdout.
 */
export function formatFeatures(doc: Features): string {
  const text = JSON.stringify(doc, null, 4).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return `${text}\n`;
}
