/**
 * TypeScript types for the OCI runtime-spec `config.json`: version 1.0.2 plus the
 * fields runc 1.1 reads (Debian's runc 1.1.5 is built against runtime-spec
 * 1.0.2-118, which adds `domainname`, per-mount id mappings, seccomp flags and
 * listener fields, `personality`, `rdma` and `unified`).
 *
 * Fields are in the order of the Go structs in `specs-go/config.go`, so an object
 * built in this order serialises like runc's `json.MarshalIndent`.
 *
 * Integers: every Go `int64`/`uint64` field is an {@linkcode Int64} or
 * {@linkcode Uint64}: a `number` when it is a safe integer, otherwise a `bigint`
 * (for example RLIM_INFINITY, 18446744073709551615, which a `number` cannot hold).
 * {@linkcode loadSpec} produces bigints only for values beyond
 * `Number.MAX_SAFE_INTEGER`.
 *
 * @module
 */

/** A Go `int64` value: a `number` when it is a safe integer, else a `bigint`. */
export type Int64 = number | bigint;
/** A Go `uint64` value: a `number` when it is a safe integer, else a `bigint`. */
export type Uint64 = number | bigint;

/** The whole `config.json`. */
export interface Spec {
  /** The runtime-spec version the bundle complies with, e.g. `1.0.2-dev`. */
  ociVersion: string;
  /** The container process; required by `runc create` and `runc run`. */
  process?: Process;
  /** The root filesystem. */
  root?: Root;
  /** The container's host name (a UTS namespace of its own). */
  hostname?: string;
  /** The container's NIS domain name (a UTS namespace of its own). */
  domainname?: string;
  /** Extra mounts, in order, on top of `root`. */
  mounts?: Mount[];
  /** Programs run at the points of the container's lifecycle. */
  hooks?: Hooks;
  /** Arbitrary metadata, passed to hooks and seccomp agents. */
  annotations?: Record<string, string>;
  /** Linux-specific configuration: namespaces, cgroups, devices, seccomp. */
  linux?: Linux;
}

/** The process started in the container (also the `runc exec --process` file). */
export interface Process {
  /** Whether to attach a pseudoterminal to the process; default false. */
  terminal?: boolean;
  /** Console size in characters; ignored unless `terminal` is true. */
  consoleSize?: Box;
  /** The user and groups the process runs as, in container ids. */
  user: User;
  /** The command line; `args[0]` is the program, looked up in `PATH` if not a path. */
  args?: string[];
  /** Windows only; kept so that a round trip does not lose it. */
  commandLine?: string;
  /** Environment variables, each in `KEY=value` form. */
  env?: string[];
  /** Working directory: an absolute path inside the container. */
  cwd: string;
  /** The process's capability sets. */
  capabilities?: LinuxCapabilities;
  /** Resource limits set with `setrlimit(2)`. */
  rlimits?: POSIXRlimit[];
  /** Sets `PR_SET_NO_NEW_PRIVS`, so `execve` cannot gain privileges. */
  noNewPrivileges?: boolean;
  /** Name of the AppArmor profile to confine the process with. */
  apparmorProfile?: string;
  /** Value written to `/proc/<pid>/oom_score_adj`, -1000 to 1000. */
  oomScoreAdj?: number;
  /** SELinux label the process runs with. */
  selinuxLabel?: string;
}

/** Capability names (`CAP_*`) for each set. */
export interface LinuxCapabilities {
  /** The bounding set: capabilities the process can ever gain. */
  bounding?: string[];
  /** The effective set: capabilities the kernel checks. */
  effective?: string[];
  /** The inheritable set: capabilities kept across `execve`. */
  inheritable?: string[];
  /** The permitted set: capabilities the process may make effective. */
  permitted?: string[];
  /** The ambient set: capabilities kept across `execve` of unprivileged programs. */
  ambient?: string[];
}

/** A terminal size. */
export interface Box {
  /** Number of rows. */
  height: number;
  /** Number of columns. */
  width: number;
}

/** The user the process runs as. */
export interface User {
  /** User id, in the container's user namespace. */
  uid: number;
  /** Primary group id, in the container's user namespace. */
  gid: number;
  /** File mode creation mask; absent: 022 for a container with a mount namespace (as runc). */
  umask?: number;
  /** Supplementary group ids, in the container's user namespace. */
  additionalGids?: number[];
  /** Windows only. */
  username?: string;
}

/** The container's root filesystem. */
export interface Root {
  /** Relative paths are relative to the bundle directory. */
  path: string;
  /** Whether the root filesystem is mounted read-only; default false. */
  readonly?: boolean;
}

/** One entry of `mounts`. */
export interface Mount {
  /** Absolute path inside the container where the mount is placed. */
  destination: string;
  /** Filesystem type, e.g. `proc` or `tmpfs`; absent or `bind` for bind mounts. */
  type?: string;
  /**
   * Device, file or directory to mount, or a dummy name for pseudo filesystems;
   * a relative bind-mount source is relative to the bundle directory.
   */
  source?: string;
  /** Mount options as for `mount(8)`, e.g. `ro`, `nosuid`, `rbind`. */
  options?: string[];
  /** Id-mapped mount (runtime-spec 1.1; not applied by runc 1.1). */
  uidMappings?: LinuxIDMapping[];
  /** Gid map of the id-mapped mount (runtime-spec 1.1; not applied by runc 1.1). */
  gidMappings?: LinuxIDMapping[];
}

/** One hook command. */
export interface Hook {
  /** Absolute path of the program, in the runtime's mount namespace. */
  path: string;
  /** The command line, with `args[0]` as the program name (as for `execv`). */
  args?: string[];
  /** Environment variables, each in `KEY=value` form. */
  env?: string[];
  /** Seconds. */
  timeout?: number;
}

/** Hooks by phase, in the order runc lists them. */
export interface Hooks {
  /** Deprecated in the spec, still run by runc. */
  prestart?: Hook[];
  /**
   * Run in the runtime namespace during create, after the namespaces are made
   * and before `pivot_root`.
   */
  createRuntime?: Hook[];
  /**
   * Run in the container namespace during create, after `createRuntime` and
   * before `pivot_root`.
   */
  createContainer?: Hook[];
  /** Run in the container namespace during start, before the user process. */
  startContainer?: Hook[];
  /** Run in the runtime namespace after the user process has started. */
  poststart?: Hook[];
  /** Run in the runtime namespace after the container is deleted. */
  poststop?: Hook[];
}

/** Linux-specific configuration. */
export interface Linux {
  /** User-namespace uid map: ranges of container uids to host uids. */
  uidMappings?: LinuxIDMapping[];
  /** User-namespace gid map: ranges of container gids to host gids. */
  gidMappings?: LinuxIDMapping[];
  /** Keys in `a.b.c` or `a/b/c` form. */
  sysctl?: Record<string, string>;
  /** cgroup resource limits for the container. */
  resources?: LinuxResources;
  /**
   * The container's cgroup, absolute or relative to the runtime's cgroup;
   * `slice:prefix:name` with the systemd cgroup driver.
   */
  cgroupsPath?: string;
  /** Namespaces to create or join. */
  namespaces?: LinuxNamespace[];
  /** Device nodes to create in the container, besides the default ones. */
  devices?: LinuxDevice[];
  /** The seccomp filter for the container process. */
  seccomp?: LinuxSeccomp;
  /** Mount propagation of the root mount: `shared`, `slave`, `private` etc. */
  rootfsPropagation?: string;
  /** Container paths masked so that they cannot be read. */
  maskedPaths?: string[];
  /** Container paths made read-only. */
  readonlyPaths?: string[];
  /** SELinux context for the container's mounts. */
  mountLabel?: string;
  /** Intel RDT cache and memory-bandwidth allocation. */
  intelRdt?: LinuxIntelRdt;
  /** Execution domain, set with `personality(2)`. */
  personality?: LinuxPersonality;
}

/** The namespace types runc 1.1 knows. */
export type LinuxNamespaceType =
  | "pid"
  | "network"
  | "mount"
  | "ipc"
  | "uts"
  | "user"
  | "cgroup";

/** A namespace to create (no `path`) or to join (`path`). */
export interface LinuxNamespace {
  /** One of {@linkcode LinuxNamespaceType} once validated. */
  type: LinuxNamespaceType | string;
  /** Namespace file to join, e.g. `/proc/1234/ns/net`; absent creates a new one. */
  path?: string;
}

/** One range of a uid or gid map. */
export interface LinuxIDMapping {
  /** First id of the range, in the container. */
  containerID: number;
  /** First id of the range, on the host. */
  hostID: number;
  /** Number of ids in the range. */
  size: number;
}

/** One `setrlimit` entry; `type` is an `RLIMIT_*` name. */
export interface POSIXRlimit {
  /** The resource, e.g. `RLIMIT_NOFILE`. */
  type: string;
  /** Hard limit: the ceiling for the soft limit. */
  hard: Uint64;
  /** Soft limit: the value the kernel enforces. */
  soft: Uint64;
}

/** `hugetlb` limit for one page size, e.g. `2MB`. */
export interface LinuxHugepageLimit {
  /** Huge page size, e.g. `2MB` or `1GB`. */
  pageSize: string;
  /** Limit of hugetlb usage, in bytes. */
  limit: Uint64;
}

/** `net_prio` priority of one interface. */
export interface LinuxInterfacePriority {
  /** Network interface name. */
  name: string;
  /** Priority of the cgroup's traffic on that interface. */
  priority: number;
}

/** blkio weight for one device. */
export interface LinuxWeightDevice {
  /** Device major number. */
  major: Int64;
  /** Device minor number. */
  minor: Int64;
  /** Bandwidth weight for the device, 10 to 1000. */
  weight?: number;
  /** Weight for the cgroup's own tasks against its children (cgroup v1 only). */
  leafWeight?: number;
}

/** blkio throttle for one device. */
export interface LinuxThrottleDevice {
  /** Device major number. */
  major: Int64;
  /** Device minor number. */
  minor: Int64;
  /** Limit: bytes per second or operations per second, depending on the list. */
  rate: Uint64;
}

/** The blkio (v1) / io (v2) controller. */
export interface LinuxBlockIO {
  /** Default bandwidth weight, 10 to 1000. */
  weight?: number;
  /** Weight for the cgroup's own tasks against its children (cgroup v1 only). */
  leafWeight?: number;
  /** Per-device bandwidth weights. */
  weightDevice?: LinuxWeightDevice[];
  /** Per-device read limits, in bytes per second. */
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  /** Per-device write limits, in bytes per second. */
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  /** Per-device read limits, in operations per second. */
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  /** Per-device write limits, in operations per second. */
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

/** The memory controller; byte values, -1 for unlimited where the kernel allows. */
export interface LinuxMemory {
  /** Limit of memory usage, in bytes. */
  limit?: Int64;
  /** Soft limit of memory usage, in bytes. */
  reservation?: Int64;
  /** Limit of memory plus swap usage, in bytes. */
  swap?: Int64;
  /** Ignored by runc 1.1 (with a warning). */
  kernel?: Int64;
  /** Ignored by runc 1.1 (with a warning). */
  kernelTCP?: Int64;
  /** How eagerly the kernel swaps the cgroup's pages, 0 to 100. */
  swappiness?: Uint64;
  /** Whether to disable the OOM killer for the cgroup (cgroup v1 only). */
  disableOOMKiller?: boolean;
  /** Whether to enable hierarchical memory accounting (cgroup v1 only). */
  useHierarchy?: boolean;
  /** On update, refuse a limit below the cgroup's current usage. */
  checkBeforeUpdate?: boolean;
}

/** The cpu and cpuset controllers. */
export interface LinuxCPU {
  /** Relative CPU weight against other cgroups (`cpu.shares`). */
  shares?: Uint64;
  /** CPU time the cgroup may use per `period`, in microseconds; -1 for no limit. */
  quota?: Int64;
  /** Unused quota the cgroup may carry over into a period, in microseconds. */
  burst?: Uint64;
  /** Length of the `quota` period, in microseconds. */
  period?: Uint64;
  /** Realtime CPU time the cgroup may use per `realtimePeriod`, in microseconds. */
  realtimeRuntime?: Int64;
  /** Length of the `realtimeRuntime` period, in microseconds. */
  realtimePeriod?: Uint64;
  /** CPUs the container may run on, as a list such as `0-3,7` (`cpuset.cpus`). */
  cpus?: string;
  /** Memory nodes the container may use, as a list such as `0-1` (`cpuset.mems`). */
  mems?: string;
  /** 1 makes the cgroup `SCHED_IDLE` (`cpu.idle`); 0 is the default. */
  idle?: Int64;
}

/** The pids controller. */
export interface LinuxPids {
  /** Maximum number of tasks in the cgroup; -1 for no limit. */
  limit: Int64;
}

/** The net_cls and net_prio controllers. */
export interface LinuxNetwork {
  /** Class id the cgroup's packets are tagged with (`net_cls.classid`). */
  classID?: number;
  /** Per-interface priorities of the cgroup's traffic (`net_prio.ifpriomap`). */
  priorities?: LinuxInterfacePriority[];
}

/** The rdma controller, per device. */
export interface LinuxRdma {
  /** Maximum number of HCA handles. */
  hcaHandles?: number;
  /** Maximum number of HCA objects. */
  hcaObjects?: number;
}

/** cgroup settings. */
export interface LinuxResources {
  /** Device access rules, applied in order. */
  devices?: LinuxDeviceCgroup[];
  /** Memory limits. */
  memory?: LinuxMemory;
  /** CPU time and placement. */
  cpu?: LinuxCPU;
  /** Task-count limit. */
  pids?: LinuxPids;
  /** Block I/O weights and limits. */
  blockIO?: LinuxBlockIO;
  /** hugetlb limits, per page size. */
  hugepageLimits?: LinuxHugepageLimit[];
  /** Network class id and interface priorities. */
  network?: LinuxNetwork;
  /** Keyed by device name, e.g. `mlx5_1`. */
  rdma?: Record<string, LinuxRdma>;
  /** cgroup v2 files to write, e.g. `{"memory.high": "1G"}`. */
  unified?: Record<string, string>;
}

/** A device node to create in the container. */
export interface LinuxDevice {
  /** Path of the device node inside the container. */
  path: string;
  /** `c`, `u`, `b` or `p`. */
  type: string;
  /** Device major number. */
  major: Int64;
  /** Device minor number. */
  minor: Int64;
  /** Permission bits of the node, e.g. `0o666`. */
  fileMode?: number;
  /** Owner of the node, in container ids. */
  uid?: number;
  /** Group of the node, in container ids. */
  gid?: number;
}

/** A device cgroup rule. */
export interface LinuxDeviceCgroup {
  /** Whether the rule allows (true) or denies (false) access. */
  allow: boolean;
  /** `a`, `c` or `b`; absent means `a`. */
  type?: string;
  /** Device major number; absent matches all. */
  major?: Int64;
  /** Device minor number; absent matches all. */
  minor?: Int64;
  /** Some of `r`, `w`, `m`. */
  access?: string;
}

/** `personality(2)` settings. */
export interface LinuxPersonality {
  /** `LINUX` or `LINUX32`. */
  domain: string;
  /** Extra personality flags; the runtime-spec defines none yet. */
  flags?: string[];
}

/** The seccomp filter. */
export interface LinuxSeccomp {
  /** An `SCMP_ACT_*` name. */
  defaultAction: string;
  /** Errno returned when `defaultAction` is `SCMP_ACT_ERRNO`; default `EPERM`. */
  defaultErrnoRet?: number;
  /** `SCMP_ARCH_*` names. */
  architectures?: string[];
  /** `SECCOMP_FILTER_FLAG_*` names (refused by runc 1.1). */
  flags?: string[];
  /** UNIX socket the runtime sends the seccomp notify fd to (`SCMP_ACT_NOTIFY`). */
  listenerPath?: string;
  /** Opaque data sent to the listener along with the notify fd. */
  listenerMetadata?: string;
  /** Rules that override `defaultAction` for matching syscalls. */
  syscalls?: LinuxSyscall[];
}

/** One seccomp rule for a list of syscalls. */
export interface LinuxSyscall {
  /** Names of the syscalls the rule applies to. */
  names: string[];
  /** An `SCMP_ACT_*` name. */
  action: string;
  /** Errno for `SCMP_ACT_ERRNO`, or the value for `SCMP_ACT_TRACE`; default `EPERM`. */
  errnoRet?: number;
  /** Argument conditions, all of which must hold for the rule to match. */
  args?: LinuxSeccompArg[];
}

/** A seccomp argument comparison. */
export interface LinuxSeccompArg {
  /** Index of the syscall argument, 0 to 5. */
  index: number;
  /** Value the argument is compared with (the mask for `SCMP_CMP_MASKED_EQ`). */
  value: Uint64;
  /** Second operand: the value the masked argument must equal for `SCMP_CMP_MASKED_EQ`. */
  valueTwo?: Uint64;
  /** An `SCMP_CMP_*` name. */
  op: string;
}

/** Intel RDT (resctrl) settings. */
export interface LinuxIntelRdt {
  /** resctrl group (class of service) name; absent means the container id. */
  closID?: string;
  /** L3 cache allocation schema, e.g. `L3:0=ffff0;1=3ff`. */
  l3CacheSchema?: string;
  /** Memory bandwidth allocation schema, e.g. `MB:0=20;1=70`. */
  memBwSchema?: string;
  /** Whether to enable cache monitoring (CMT) for the group. */
  enableCMT?: boolean;
  /** Whether to enable memory bandwidth monitoring (MBM) for the group. */
  enableMBM?: boolean;
}
