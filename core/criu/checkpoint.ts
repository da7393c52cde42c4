/**
 * `runc checkpoint`: dump a running container with CRIU, as runc 1.1 does.
 * Unless the container is left running (--leave-running, --pre-dump), a
 * container whose processes the dump ended is destroyed afterwards.
 *
 * @module
 */
import type { Sys } from "../os/sys.ts";
import {
  type ContainerState,
  containerStatus,
  readState,
  stateDir,
  StateError,
  withLock,
} from "../state/state.ts";
import { deleteContainer } from "../container/lifecycle.ts";
import { absPath } from "../os/path.ts";
import { euid, runningInUserNS } from "../os/host.ts";
import { logError, logWarn } from "../log.ts";
import { type CriuFeatures, type CriuOpts, type CriuReq, ReqType } from "./rpc.ts";
import { checkCriuVersion, criuAtLeast, criuSwrk } from "./swrk.ts";
import {
  checkParentPath,
  criuConfigFile,
  CriuError,
  criuNsName,
  dumpExtMounts,
  emptyNsMask,
  externalNsKey,
  manageCgroupsMode,
  parsePageServer,
} from "./options.ts";
import { hostLookup, isDirectory, O, openDir } from "./files.ts";

/** The flags of `runc checkpoint`. */
export interface CheckpointOptions {
  root: string;
  id: string;
  /** --criu */
  criu: string;
  imagePath?: string | undefined;
  workPath?: string | undefined;
  parentPath?: string | undefined;
  leaveRunning: boolean;
  tcpEstablished: boolean;
  extUnixSk: boolean;
  shellJob: boolean;
  lazyPages: boolean;
  /** -1: none */
  statusFd: number;
  pageServer?: string | undefined;
  fileLocks: boolean;
  preDump: boolean;
  manageCgroupsMode?: string | undefined;
  emptyNs: string[];
  autoDedup: boolean;
}

/** Where runc keeps the fds of the init's stdio, in the image directory. */
export const DESCRIPTORS_FILE = "descriptors.json";

/**
 * Checkpoints a container.
 *
 * @param sys the syscall surface
 * @param o the flags
 */
export async function checkpointContainer(sys: Sys, o: CheckpointOptions): Promise<void> {
  // runc's condition: a rootless euid or a user namespace.
  if (euid() !== 0 || runningInUserNS()) {
    logWarn("runc checkpoint is untested with rootless containers");
  }
  const st = await readState(o.root, o.id);
  const status = containerStatus(o.root, st);
  if (status === "created" || status === "stopped") {
    throw new StateError(`Container cannot be checkpointed in ${status} state`);
  }
  const imagePath = absPath(o.imagePath || "checkpoint");
  await Deno.mkdir(imagePath, { recursive: true, mode: 0o600 });
  if (o.parentPath) checkParentPath(o.parentPath, imagePath, isDirectory);
  try {
    const pageServer = parsePageServer(o.pageServer);
    const cgMode = manageCgroupsMode(o.manageCgroupsMode);
    const emptyNs = emptyNsMask(o.emptyNs);
    const dir = stateDir(o.root, o.id);
    await withLock(dir, () => dump(sys, o, st, { imagePath, pageServer, cgMode, emptyNs }));
  } finally {
    // runc destroys the container unless CRIU was told to keep it: that
    // fails (and the container stays) while its init still runs.
    if (!o.leaveRunning && !o.preDump) {
      if (containerStatus(o.root, st) === "stopped") {
        await deleteContainer(sys, o.root, o.id, false);
      } else logError("container still running");
    }
  }
}

interface Prepared {
  imagePath: string;
  pageServer: { address: string; port: number } | undefined;
  cgMode: number | undefined;
  emptyNs: number;
}

async function dump(sys: Sys, o: CheckpointOptions, st: ContainerState, p: Prepared) {
  await checkCriuVersion(sys, o.criu, 30000);
  const fds: number[] = [];
  try {
    fds.push(openDir(sys, p.imagePath));
    const opts: CriuOpts = {
      images_dir_fd: fds[0]!,
      log_level: 4,
      log_file: "dump.log",
      root: st.rootfs,
      manage_cgroups: true,
      notify_scripts: true,
      pid: st.initPid,
      shell_job: o.shellJob,
      leave_running: o.leaveRunning,
      tcp_established: o.tcpEstablished,
      ext_unix_sk: o.extUnixSk,
      file_locks: o.fileLocks,
      empty_ns: p.emptyNs,
      orphan_pts_master: true,
      auto_dedup: o.autoDedup,
      lazy_pages: o.lazyPages,
    };
    let logDir = p.imagePath;
    if (o.workPath) {
      const work = absPath(o.workPath);
      await Deno.mkdir(work, { mode: 0o700 }).catch((e) => {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      });
      fds.push(openDir(sys, work));
      opts.work_dir_fd = fds[fds.length - 1]!;
      logDir = work;
    }
    const config = criuConfigFile(st.config);
    if (config !== undefined) opts.config_file = config;

    // Namespaces joined by path are external: CRIU leaves them and expects
    // them back on restore (net needs CRIU 3.11, pid 3.15).
    for (const [type, min] of [["network", 31100], ["pid", 31500]] as const) {
      const path = st.config.linux?.namespaces?.find((n) => n.type === type)?.path;
      if (!path || !(await criuAtLeast(sys, o.criu, min))) continue;
      const ino = Deno.statSync(path).ino;
      (opts.external ??= []).push(`${criuNsName(type)}[${ino}]:${externalNsKey(type)}`);
    }

    // CRIU freezes the container with its freezer cgroup (cgroup v2: CRIU 3.14).
    const paths = st.cgroupPaths ?? {};
    const v2 = paths[""] !== undefined && Object.keys(paths).length === 1;
    const freezer = v2 ? paths[""] : paths["freezer"];
    if (freezer && (!v2 || await criuAtLeast(sys, o.criu, 31400))) opts.freeze_cgroup = freezer;

    if (p.pageServer) opts.ps = { address: p.pageServer.address, port: p.pageServer.port };
    if (o.parentPath) {
      opts.parent_img = o.parentPath;
      opts.track_mem = true;
    }
    if (p.cgMode !== undefined) opts.manage_cgroups_mode = p.cgMode;

    if (o.preDump) await checkFeatures(sys, o.criu, opts, { mem_track: true });
    let statusFd = -1;
    if (o.lazyPages) {
      await checkFeatures(sys, o.criu, opts, { lazy_pages: true });
      if (o.statusFd !== -1) {
        let flags: number;
        try {
          flags = sys.fdFlags(o.statusFd);
        } catch (e) {
          throw new CriuError(
            `invalid --status-fd argument ${o.statusFd}: ${(e as Error).message}`,
          );
        }
        if ((flags & 3) === O.RDONLY) {
          throw new CriuError(`invalid --status-fd argument ${o.statusFd}: not writable`);
        }
        // CRIU 3.15 and later say "status-ready"; older ones write to the fd.
        if (await criuAtLeast(sys, o.criu, 31500)) statusFd = o.statusFd;
        else opts.status_fd = o.statusFd;
      }
    }

    const req: CriuReq = { type: o.preDump ? ReqType.PRE_DUMP : ReqType.DUMP, opts };
    // A pre-dump only saves memory; the rest comes with the dump.
    if (!o.preDump) {
      opts.ext_mnt = dumpExtMounts(
        {
          spec: st.config,
          rootfs: st.rootfs,
          bundle: st.bundle,
          cgroupPaths: paths,
          look: hostLookup,
        },
        (path) => maskedFile(st.initPid, path),
      );
      await Deno.writeTextFile(
        `${p.imagePath}/${DESCRIPTORS_FILE}`,
        JSON.stringify(stdioDescriptors(st.initPid)),
        { mode: 0o600 },
      );
    }
    const dir = stateDir(o.root, o.id);
    await criuSwrk(sys, req, {
      criu: o.criu,
      logPath: `${logDir}/dump.log`,
      onFirstResponse: () => {
        if (opts.status_fd !== undefined) closeQuietly(sys, opts.status_fd);
      },
      onNotify: async (script) => {
        if (script === "post-dump") await Deno.writeTextFile(`${dir}/checkpoint`, "");
        else if (script === "status-ready" && statusFd !== -1) {
          try {
            sys.write(statusFd, new Uint8Array(1));
          } catch (e) {
            logWarn(`can't write \\0 to status fd: ${(e as Error).message}`);
          }
          closeQuietly(sys, statusFd);
          statusFd = -1;
        }
        // network-lock and network-unlock: runc's loopback needs nothing.
      },
    });
  } finally {
    for (const fd of fds) closeQuietly(sys, fd);
  }
}

/** runc's checkCriuFeatures. */
async function checkFeatures(
  sys: Sys,
  criu: string,
  opts: CriuOpts,
  want: CriuFeatures,
): Promise<void> {
  let got: CriuFeatures;
  try {
    const resp = await criuSwrk(sys, { type: ReqType.FEATURE_CHECK, opts, features: want }, {
      criu,
    });
    got = resp.features ?? {};
  } catch (e) {
    throw new CriuError(`CRIU feature check failed: ${(e as Error).message}`, { cause: e });
  }
  const missing = (Object.keys(want) as (keyof CriuFeatures)[])
    .filter((k) => want[k] && got[k] === false)
    .map((k) => ({ mem_track: "MemTrack", lazy_pages: "LazyPages" })[k]);
  if (missing.length > 0) throw new CriuError(`criu is missing features: [${missing.join(" ")}]`);
}

/** Whether a masked path is a file (not a directory) in the running container. */
function maskedFile(pid: number, path: string): boolean {
  try {
    return !Deno.statSync(`/proc/${pid}/root/${path}`).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** What the init's stdio are (`pipe:[123]`, `/dev/null`, ...), for restore's inherit_fd. */
export function stdioDescriptors(pid: number): string[] {
  return [0, 1, 2].map((fd) => {
    try {
      return Deno.readLinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return "/dev/null";
    }
  });
}

function closeQuietly(sys: Sys, fd: number): void {
  try {
    sys.close(fd);
  } catch { /* already closed */ }
}
