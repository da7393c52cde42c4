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
  hostname?: string;
  domainname?: string;
  /** Extra mounts, in order, on top of `root`. */
  mounts?: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
}

/** The process started in the container (also the `runc exec --process` file). */
export interface Process {
  terminal?: boolean;
  /** Console size in characters; ignored unless `terminal` is true. */
  consoleSize?: Box;
  user: User;
  args?: string[];
  /** Windows only; kept so that a round trip does not lose it. */
  commandLine?: string;
  env?: string[];
  cwd: string;
  capabilities?: LinuxCapabilities;
  rlimits?: POSIXRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
}

/** Capability names (`CAP_*`) for each set. */
export interface LinuxCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/** A terminal size. */
export interface Box {
  height: number;
  width: number;
}

/** The user the process runs as. */
export interface User {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
  /** Windows only. */
  username?: string;
}

/** The container's root filesystem. */
export interface Root {
  /** Relative paths are relative to the bundle directory. */
  path: string;
  readonly?: boolean;
}

/** One entry of `mounts`. */
export interface Mount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  /** Id-mapped mount (runtime-spec 1.1; not applied by runc 1.1). */
  uidMappings?: LinuxIDMapping[];
  gidMappings?: LinuxIDMapping[];
}

/** One hook command. */
export interface Hook {
  path: string;
  args?: string[];
  env?: string[];
  /** Seconds. */
  timeout?: number;
}

/** Hooks by phase, in the order runc lists them. */
export interface Hooks {
  /** Deprecated in the spec, still run by runc. */
  prestart?: Hook[];
  createRuntime?: Hook[];
  createContainer?: Hook[];
  startContainer?: Hook[];
  poststart?: Hook[];
  poststop?: Hook[];
}

/** Linux-specific configuration. */
export interface Linux {
  uidMappings?: LinuxIDMapping[];
  gidMappings?: LinuxIDMapping[];
  /** Keys in `a.b.c` or `a/b/c` form. */
  sysctl?: Record<string, string>;
  resources?: LinuxResources;
  cgroupsPath?: string;
  namespaces?: LinuxNamespace[];
  devices?: LinuxDevice[];
  seccomp?: LinuxSeccomp;
  rootfsPropagation?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: LinuxIntelRdt;
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
  path?: string;
}

/** One range of a uid or gid map. */
export interface LinuxIDMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** One `setrlimit` entry; `type` is an `RLIMIT_*` name. */
export interface POSIXRlimit {
  type: string;
  hard: Uint64;
  soft: Uint64;
}

/** `hugetlb` limit for one page size, e.g. `2MB`. */
export interface LinuxHugepageLimit {
  pageSize: string;
  limit: Uint64;
}

/** `net_prio` priority of one interface. */
export interface LinuxInterfacePriority {
  name: string;
  priority: number;
}

/** blkio weight for one device. */
export interface LinuxWeightDevice {
  major: Int64;
  minor: Int64;
  weight?: number;
  leafWeight?: number;
}

/** blkio throttle for one device. */
export interface LinuxThrottleDevice {
  major: Int64;
  minor: Int64;
  rate: Uint64;
}

/** The blkio (v1) / io (v2) controller. */
export interface LinuxBlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: LinuxWeightDevice[];
  throttleReadBpsDevice?: LinuxThrottleDevice[];
  throttleWriteBpsDevice?: LinuxThrottleDevice[];
  throttleReadIOPSDevice?: LinuxThrottleDevice[];
  throttleWriteIOPSDevice?: LinuxThrottleDevice[];
}

/** The memory controller; byte values, -1 for unlimited where the kernel allows. */
export interface LinuxMemory {
  limit?: Int64;
  reservation?: Int64;
  swap?: Int64;
  /** Ignored by runc 1.1 (with a warning). */
  kernel?: Int64;
  /** Ignored by runc 1.1 (with a warning). */
  kernelTCP?: Int64;
  swappiness?: Uint64;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}

/** The cpu and cpuset controllers. */
export interface LinuxCPU {
  shares?: Uint64;
  quota?: Int64;
  burst?: Uint64;
  period?: Uint64;
  realtimeRuntime?: Int64;
  realtimePeriod?: Uint64;
  cpus?: string;
  mems?: string;
  idle?: Int64;
}

/** The pids controller. */
export interface LinuxPids {
  limit: Int64;
}

/** The net_cls and net_prio controllers. */
export interface LinuxNetwork {
  classID?: number;
  priorities?: LinuxInterfacePriority[];
}

/** The rdma controller, per device. */
export interface LinuxRdma {
  hcaHandles?: number;
  hcaObjects?: number;
}

/** cgroup settings. */
export interface LinuxResources {
  devices?: LinuxDeviceCgroup[];
  memory?: LinuxMemory;
  cpu?: LinuxCPU;
  pids?: LinuxPids;
  blockIO?: LinuxBlockIO;
  hugepageLimits?: LinuxHugepageLimit[];
  network?: LinuxNetwork;
  /** Keyed by device name, e.g. `mlx5_1`. */
  rdma?: Record<string, LinuxRdma>;
  /** cgroup v2 files to write, e.g. `{"memory.high": "1G"}`. */
  unified?: Record<string, string>;
}

/** A device node to create in the container. */
export interface LinuxDevice {
  path: string;
  /** `c`, `u`, `b` or `p`. */
  type: string;
  major: Int64;
  minor: Int64;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** A device cgroup rule. */
export interface LinuxDeviceCgroup {
  allow: boolean;
  /** `a`, `c` or `b`; absent means `a`. */
  type?: string;
  major?: Int64;
  minor?: Int64;
  /** Some of `r`, `w`, `m`. */
  access?: string;
}

/** `personality(2)` settings. */
export interface LinuxPersonality {
  /** `LINUX` or `LINUX32`. */
  domain: string;
  flags?: string[];
}

/** The seccomp filter. */
export interface LinuxSeccomp {
  /** An `SCMP_ACT_*` name. */
  defaultAction: string;
  defaultErrnoRet?: number;
  /** `SCMP_ARCH_*` names. */
  architectures?: string[];
  /** `SECCOMP_FILTER_FLAG_*` names (refused by runc 1.1). */
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

/** One seccomp rule for a list of syscalls. */
export interface LinuxSyscall {
  names: string[];
  /** An `SCMP_ACT_*` name. */
  action: string;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

/** A seccomp argument comparison. */
export interface LinuxSeccompArg {
  index: number;
  value: Uint64;
  valueTwo?: Uint64;
  /** An `SCMP_CMP_*` name. */
  op: string;
}

/** Intel RDT (resctrl) settings. */
export interface LinuxIntelRdt {
  closID?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
  enableCMT?: boolean;
  enableMBM?: boolean;
}
