/**
 * One typed builder per op of the init program, so that the planner names
 * what it means (`ops.mount({ source, target, ... })`) and the positions of
 * numbers and strings on the wire are written down once, here, next to
 * csrc/protocol.h's table. tests/unit/protocol_sync_test.ts checks every
 * builder against the string counts of that table.
 *
 * @module
 */
import { type CgroupJoin, type Chdir, type Op, Opcode, Target } from "./protocol.ts";

/** OP_MOUNT's fields. */
export interface MountOp {
  /** The source; "" for none. With sourceIndex, the path the stub opens. */
  source: string;
  /** Inside the root, or an absolute host path with Target.HOST. */
  target: string;
  /** "" for a bind mount or a change of propagation. */
  fstype?: string;
  /** Mount data; "" for none. */
  data?: string;
  /** MS_* flags. */
  flags: number;
  /** How the target is found. */
  kind: Target;
  /** Mode of directories made for the target. @default 0o755 */
  mode?: number;
  /** k > 0: the k-th bind source the stub opens for the init (mounted by fd). */
  sourceIndex?: number;
}

/** OP_RUN_HOOK's fields. */
export interface HookOp {
  path: string;
  /** argv, argv[0] first. */
  args: readonly string[];
  env: readonly string[];
  /** Seconds; 0 for none. */
  timeout: number;
  /** The state JSON before the pid, when the pid is put in; the whole state otherwise. */
  stateBefore: string;
  /** The state JSON after the pid; "" when no pid is put in. */
  stateAfter: string;
  /** The pid of the process that runs the hook goes between the two parts. */
  withPid: boolean;
  /** What its errors start with: `error running hook #0`. */
  label: string;
}

/** The builders, one per op (csrc/protocol.h documents each). */
export const ops = {
  /** Fds above 2 + kept become close-on-exec; hooks get none of the kept ones. */
  sweepFds: (kept: number): Op => ({ op: Opcode.SWEEP_FDS, num: [kept] }),
  /** Keeps an O_PATH fd of the exec fifo, opened with the caller's rights. */
  openFifo: (path: string): Op => ({ op: Opcode.OPEN_FIFO, str: [path] }),
  /**
   * The stub gets the init into a container cgroup before the clone: a v1
   * hierarchy's by writing "0" to its tasks file, a cgroup2 directory by the
   * clone itself (csrc/ns.c says why: no wait for an RCU grace period).
   */
  joinCgroup: (dir: string, how: CgroupJoin): Op => ({
    op: Opcode.JOIN_CGROUP,
    str: [dir],
    num: [how],
  }),
  /** Opens a namespace to join and checks its type. */
  setns: (path: string, type: string, cloneFlag: number): Op => ({
    op: Opcode.SETNS,
    str: [path, type],
    num: [cloneFlag],
  }),
  /** Joins every namespace opened by setns, in order. */
  joinNs: (): Op => ({ op: Opcode.JOIN_NS }),
  /** Clones the container's init into new namespaces. */
  clone: (flags: number): Op => ({ op: Opcode.CLONE, num: [flags] }),
  /** The init waits for the CLI; dumpable while it waits when its user namespace is new. */
  waitParent: (dumpable: boolean): Op => ({ op: Opcode.WAIT_PARENT, num: [dumpable ? 1 : 0] }),
  setRootIds: (): Op => ({ op: Opcode.SET_ROOT_IDS }),
  unshare: (flags: number): Op => ({ op: Opcode.UNSHARE, num: [flags] }),
  setsid: (): Op => ({ op: Opcode.SETSID }),
  joinKeyring: (name: string): Op => ({ op: Opcode.JOIN_KEYRING, str: [name] }),
  /** The rootfs becomes the root of later in-root paths. */
  openRoot: (rootfs: string): Op => ({ op: Opcode.OPEN_ROOT, str: [rootfs] }),
  /** The mount holding the rootfs is made private when it is shared. */
  parentPrivate: (rootfs: string): Op => ({ op: Opcode.PARENT_PRIVATE, str: [rootfs] }),
  mount: (m: MountOp): Op => ({
    op: Opcode.MOUNT,
    str: [m.source, m.target, m.fstype ?? "", m.data ?? ""],
    num: [m.flags, m.kind, m.mode ?? 0o755, m.sourceIndex ?? 0],
  }),
  /** A bind remount of target with flags added to those it has. */
  remount: (target: string, flags: number): Op => ({
    op: Opcode.REMOUNT,
    str: [target],
    num: [flags],
  }),
  /** Recursive mount attributes (MOUNT_ATTR_*) and propagation. */
  mountSetattr: (path: string, set: number, clr: number, propagation = 0): Op => ({
    op: Opcode.MOUNT_SETATTR,
    str: [path],
    num: [set, clr, propagation],
  }),
  mkdir: (path: string, mode: number): Op => ({ op: Opcode.MKDIR, str: [path], num: [mode] }),
  /** A device node (mode with its type); the host's node is bound where mknod is refused. */
  mknod: (path: string, mode: number, dev: bigint, uid: number, gid: number): Op => ({
    op: Opcode.MKNOD,
    str: [path],
    num: [mode, dev, uid, gid],
  }),
  symlink: (target: string, link: string, replace: boolean): Op => ({
    op: Opcode.SYMLINK,
    str: [target, link],
    num: [replace ? 1 : 0],
  }),
  pivotRoot: (): Op => ({ op: Opcode.PIVOT_ROOT }),
  moveRoot: (rootfs: string): Op => ({ op: Opcode.MOVE_ROOT, str: [rootfs] }),
  hideMount: (path: string): Op => ({ op: Opcode.HIDE_MOUNT, str: [path] }),
  sethostname: (name: string): Op => ({ op: Opcode.SETHOSTNAME, str: [name] }),
  setdomainname: (name: string): Op => ({ op: Opcode.SETDOMAINNAME, str: [name] }),
  /**
   * Writes data to an absolute path; under /proc only on the real procfs. With
   * `what`, its errors read `<what>: write <path>: <errno>` (Go's words; an
   * empty `what`: `write <path>: <errno>`).
   */
  writeFile: (path: string, data: string, what?: string): Op => ({
    op: Opcode.WRITE_FILE,
    str: what !== undefined ? [path, data, what] : [path, data],
  }),
  /** A file gets /dev/null bound on it, a directory a read-only tmpfs (with `tmpfsData`). */
  maskPath: (path: string, tmpfsData?: string): Op => ({
    op: Opcode.MASK_PATH,
    str: tmpfsData ? [path, tmpfsData] : [path],
  }),
  /** An extended attribute of a path inside the root (an SELinux label). */
  setxattr: (path: string, name: string, value: string): Op => ({
    op: Opcode.SETXATTR,
    str: [path, name, value],
  }),
  readonlyPath: (path: string): Op => ({ op: Opcode.READONLY_PATH, str: [path] }),
  /** -1 is infinity. */
  setrlimit: (resource: number, soft: bigint, hard: bigint): Op => ({
    op: Opcode.SETRLIMIT,
    num: [resource, soft, hard],
  }),
  noNewPrivs: (): Op => ({ op: Opcode.NO_NEW_PRIVS }),
  setgroups: (gids: readonly number[]): Op => ({
    op: Opcode.SETGROUPS,
    str: gids.map(String),
  }),
  /** setresgid then setresuid, capabilities kept across. */
  setuser: (uid: number, gid: number): Op => ({ op: Opcode.SETUSER, num: [uid, gid] }),
  caps: (effective: bigint, permitted: bigint, inheritable: bigint, ambient: bigint): Op => ({
    op: Opcode.CAPS,
    num: [effective, permitted, inheritable, ambient],
  }),
  capBounding: (keep: bigint): Op => ({ op: Opcode.CAP_BOUNDING, num: [keep] }),
  umask: (mask: number): Op => ({ op: Opcode.UMASK, num: [mask] }),
  /**
   * Chdir.CWD: the process's cwd, checked inside the root; Chdir.EARLY: tried
   * before the user is set, a permission error waiting for the second try;
   * Chdir.ROOTFS: the rootfs, where createContainer hooks run.
   */
  chdir: (path: string, to: Chdir): Op => ({ op: Opcode.CHDIR, str: [path], num: [to] }),
  /** HOME for the process from the container's /etc/passwd, used when its env has none. */
  lookupHome: (uid: number): Op => ({ op: Opcode.LOOKUP_HOME, num: [uid] }),
  /** Finds the program (exec.LookPath) and checks the process may execute it. */
  lookpath: (name: string, path: string): Op => ({ op: Opcode.LOOKPATH, str: [name, path] }),
  seccomp: (program: Uint8Array, flags: number): Op => ({
    op: Opcode.SECCOMP,
    str: [program.toHex()],
    num: [flags],
  }),
  /** Hands the seccomp listener to runc, then waits for it. */
  sendSeccomp: (): Op => ({ op: Opcode.SEND_SECCOMP }),
  /** runc runs the prestart and createRuntime hooks, then the init goes on. */
  cliHooks: (): Op => ({ op: Opcode.CLI_HOOKS }),
  /** A pty: its master to runc, its slave as stdio (and on /dev/console). */
  console: (onDevConsole: boolean, rows: number, cols: number): Op => ({
    op: Opcode.CONSOLE,
    num: [onDevConsole ? 1 : 0, rows, cols],
  }),
  fixStdio: (uid: number): Op => ({ op: Opcode.FIX_STDIO, num: [uid] }),
  runHook: (h: HookOp): Op => ({
    op: Opcode.RUN_HOOK,
    num: [h.args.length, h.env.length, h.timeout, h.withPid ? 1 : 0],
    str: [h.path, ...h.args, ...h.env, h.stateBefore, h.stateAfter, h.label],
  }),
  /** A line for runc's debug log (sent only when the CLI logs debug lines). */
  debug: (line: string): Op => ({ op: Opcode.DEBUG, str: [line] }),
  /** Tells runc the container is set up, and lives on without it once answered. */
  ready: (): Op => ({ op: Opcode.READY }),
  waitFifo: (): Op => ({ op: Opcode.WAIT_FIFO }),
  exec: (args: readonly string[], env: readonly string[]): Op => ({
    op: Opcode.EXEC,
    num: [args.length],
    str: [...args, ...env],
  }),
  exit: (): Op => ({ op: Opcode.EXIT }),
} as const;
