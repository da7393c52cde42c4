/**
 * `runc restore`: a new container whose processes CRIU brings back from a
 * checkpoint, as runc 1.1 does it: the container's cgroups are made and CRIU
 * put into them, the rootfs is bound at a mount point of its own for CRIU,
 * external mounts and namespaces are mapped to the host's, the init's pipes
 * are handed over, and the restored init (a child of runc: rst_sibling) is
 * recorded like a started container's.
 *
 * @module
 */
import type { Sys } from "../os/sys.ts";
import { type ContainerState, processStat, rfc3339Nano, StateError } from "../state/state.ts";
import { writePidFile } from "../state/pid_file.ts";
import { ContainerSetup } from "../container/setup.ts";
import { type Rootless, runningInUserNS } from "../os/host.ts";
import { loadSpec } from "../spec/load.ts";
import type { Spec } from "../spec/types.ts";

import { absPath, exists } from "../os/path.ts";
import { deleteContainer } from "../container/lifecycle.ts";
import { exitCodeOf } from "../os/signals.ts";
import { CLONE_FLAGS } from "../os/namespaces.ts";
import { checkTerminal, findHostConsole, type HostConsole } from "../container/tty.ts";
import { waitForeground } from "../container/foreground.ts";
import { containerResources } from "../cgroups/container.ts";
import type { CgroupManager } from "../cgroups/cgroups.ts";
import { hookState } from "../init/hook_state.ts";
import { runHooks } from "../hooks/run.ts";
import { logError, logWarn } from "../log.ts";
import { type CriuOpts, type CriuReq, ReqType } from "./rpc.ts";
import { checkCriuVersion, criuAtLeast, criuSwrk } from "./swrk.ts";
import {
  criuConfigFile,
  CriuError,
  criuNsName,
  emptyNsMask,
  externalNsKey,
  manageCgroupsMode,
  type MountContext,
  restoreExtMounts,
  restoreMountPoints,
  secureJoin,
} from "./options.ts";
import { hostLookup, isDirectory, O, openDir } from "./files.ts";
import { DESCRIPTORS_FILE } from "./checkpoint.ts";

/** The flags of `runc restore`. */
export interface RestoreOptions {
  root: string;
  id: string;
  /** --criu */
  criu: string;
  /** The bundle (relative paths of the other flags are taken from it, as runc chdirs there). */
  bundle: string;
  consoleSocket?: string | undefined;
  pidFile?: string | undefined;
  detach: boolean;
  noSubreaper: boolean;
  noPivot: boolean;
  systemdCgroup?: boolean | undefined;
  /** How the runtime runs (the global --rootless and the ids), decided by the caller. */
  rootless: Rootless;
  imagePath?: string | undefined;
  workPath?: string | undefined;
  tcpEstablished: boolean;
  extUnixSk: boolean;
  shellJob: boolean;
  fileLocks: boolean;
  manageCgroupsMode?: string | undefined;
  emptyNs: string[];
  autoDedup: boolean;
  lazyPages: boolean;
  lsmProfile?: string | undefined;
  lsmMountContext?: string | undefined;
}

const MS_BIND = 0x1000, MS_REC = 0x4000, MNT_DETACH = 2;

/**
 * Restores a container.
 *
 * @param sys the syscall surface
 * @param o the flags
 * @returns the exit code for runc: the container's in the foreground, else 0
 */
export async function restoreContainer(sys: Sys, o: RestoreOptions): Promise<number> {
  // runc's condition: a rootless euid or a user namespace.
  if (o.rootless.euid || runningInUserNS()) {
    logWarn("runc checkpoint is untested with rootless containers");
  }
  const bundle = absPath(o.bundle);
  const fromBundle = (p: string) => absPath(p, bundle);
  const spec = await loadSpec(bundle, {
    onWarning: logWarn,
    noPivotRoot: o.noPivot,
    rootlessEuid: o.rootless.euid,
    systemdCgroup: o.systemdCgroup ?? false,
  });
  const imagePath = fromBundle(o.imagePath || "checkpoint");
  await Deno.mkdir(imagePath, { recursive: true, mode: 0o600 });
  const emptyNs = emptyNsMask(o.emptyNs);
  const cgMode = manageCgroupsMode(o.manageCgroupsMode);
  if (!spec.process) throw new StateError("process is required to start a container");
  const terminal = !!spec.process.terminal;
  checkTerminal(terminal, o.detach, o.consoleSocket);
  const foreground = !o.detach;
  let host: HostConsole | undefined;
  if (terminal && foreground) host = findHostConsole(sys);
  if (!o.noSubreaper) sys.setSubreaper(true);

  const setup = await ContainerSetup.begin(sys, {
    root: o.root,
    id: o.id,
    spec,
    systemdCgroup: o.systemdCgroup,
    rootlessCgroups: o.rootless.cgroups,
  });
  const { dir, cgroups: cg } = setup;
  // The same path create records, so state shows one rootfs either way.
  const rootfs = absPath(spec.root?.path ?? "rootfs", bundle);
  let pid = 0;
  let consoleFd: number | undefined;
  try {
    cg.create();
    const run: RestoreRun = {
      sys,
      o,
      spec,
      bundle,
      rootfs,
      dir,
      imagePath,
      emptyNs,
      cgMode,
      cgroups: cg,
      onConsole: (fd) => {
        if (o.consoleSocket) {
          sys.sendFd(absPath(o.consoleSocket), "orphan-pts-master", fd);
          return false;
        }
        consoleFd = fd;
        return true;
      },
      onRestored: async (p) => {
        pid = p;
        const stat = processStat(p);
        const state: ContainerState = {
          id: o.id,
          initPid: p,
          initStartTime: stat?.startTime ?? "",
          bundle,
          rootfs,
          created: rfc3339Nano(),
          owner: "",
          config: spec,
          cgroupPaths: cg.paths(),
          rootlessCgroups: o.rootless.cgroups,
          ...(cg.systemd ? { systemdCgroup: cg.systemd } : {}),
        };
        await setup.record(state);
      },
    };
    await restore(run);
    if (!pid) throw new CriuError("criu restored no process");
    if (o.pidFile) await writePidFile(o.pidFile, pid);
  } catch (e) {
    if (consoleFd !== undefined) sys.close(consoleFd);
    await setup.abort(pid);
    throw e;
  }
  if (!foreground) {
    if (consoleFd !== undefined) sys.close(consoleFd);
    return 0;
  }
  const status = await waitForeground(
    sys,
    pid,
    consoleFd !== undefined && host ? { master: consoleFd, host } : undefined,
  );
  await deleteContainer(sys, o.root, o.id, true, async (p) => {
    try {
      await sys.waitpid(p);
    } catch { /* reaped */ }
  });
  return exitCodeOf(status);
}

interface RestoreRun {
  sys: Sys;
  o: RestoreOptions;
  spec: Spec;
  bundle: string;
  rootfs: string;
  dir: string;
  imagePath: string;
  emptyNs: number;
  cgMode: number | undefined;
  cgroups: CgroupManager;
  /** The restored terminal's master; true when the fd is kept. */
  onConsole(fd: number): boolean;
  onRestored(pid: number): Promise<void>;
}

async function restore(r: RestoreRun): Promise<void> {
  const { sys, o, spec } = r;
  await checkCriuVersion(sys, o.criu, 30000);
  const workPath = o.workPath ? absPath(o.workPath) : `${r.dir}/criu.work`;
  await Deno.mkdir(workPath, { mode: 0o700 }).catch((e) => {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  });
  const fds: number[] = [];
  const cleanups: (() => void)[] = [];
  try {
    fds.push(openDir(sys, workPath));
    const workFd = fds[0]!;
    fds.push(openDir(sys, r.imagePath));
    const imageFd = fds[1]!;
    const opts: CriuOpts = {
      images_dir_fd: imageFd,
      work_dir_fd: workFd,
      evasive_devices: true,
      log_level: 4,
      log_file: "restore.log",
      rst_sibling: true,
      manage_cgroups: true,
      notify_scripts: true,
      shell_job: o.shellJob,
      ext_unix_sk: o.extUnixSk,
      tcp_established: o.tcpEstablished,
      file_locks: o.fileLocks,
      empty_ns: r.emptyNs,
      orphan_pts_master: true,
      auto_dedup: o.autoDedup,
      lazy_pages: o.lazyPages,
    };
    // CRIU before 3.16 could not set another LSM profile or mount context.
    if (o.lsmProfile) {
      if (!(await criuAtLeast(sys, o.criu, 31600))) {
        throw new CriuError("--lsm-profile requires at least CRIU 3.16");
      }
      opts.lsm_profile = o.lsmProfile;
    }
    if (o.lsmMountContext) {
      if (!(await criuAtLeast(sys, o.criu, 31600))) {
        throw new CriuError("--lsm-mount-context requires at least CRIU 3.16");
      }
      opts.lsm_mount_context = o.lsmMountContext;
    }
    const config = criuConfigFile(spec);
    if (config !== undefined) opts.config_file = config;
    restoringNamespaces(sys, spec, opts, fds);

    const ctx: MountContext = {
      spec,
      rootfs: r.rootfs,
      bundle: r.bundle,
      cgroupPaths: r.cgroups.paths(),
      look: hostLookup,
    };
    prepareMountPoints(sys, ctx);

    // CRIU wants the root to be a mount point whose parent is not overmounted.
    let root = `${r.dir}/criu-root`;
    await Deno.mkdir(root, { mode: 0o755 });
    cleanups.push(() => Deno.removeSync(`${r.dir}/criu-root`));
    root = Deno.realPathSync(root);
    sys.mount(r.rootfs, root, "", MS_BIND | MS_REC);
    cleanups.push(() => sys.umount(root, MNT_DETACH));
    opts.root = root;
    opts.ext_mnt = restoreExtMounts(ctx);
    if (r.cgMode !== undefined) opts.manage_cgroups_mode = r.cgMode;

    // The init's pipes (saved at checkpoint) become runc's own stdio.
    const descriptors = JSON.parse(
      await Deno.readTextFile(`${r.imagePath}/${DESCRIPTORS_FILE}`),
    ) as string[];
    descriptors.forEach((key, fd) => {
      if (key.includes("pipe:")) (opts.inherit_fd ??= []).push({ key, fd });
    });

    const req: CriuReq = { type: ReqType.RESTORE, opts };
    const resp = await criuSwrk(sys, req, {
      criu: o.criu,
      inheritStdio: true,
      logPath: `${workPath}/restore.log`,
      onStart: (pid, req) => applyCgroups(r, pid, req),
      onNotify: async (script, pid, fd) => {
        switch (script) {
          case "setup-namespaces": {
            const state = hookState(spec, o.id, r.bundle, "creating", pid);
            await runHooks(sys, spec.hooks?.prestart, state, r.bundle);
            await runHooks(sys, spec.hooks?.createRuntime, state, r.bundle);
            return false;
          }
          case "post-restore":
            await r.onRestored(pid);
            return false;
          case "orphan-pts-master":
            if (fd < 0) throw new CriuError("criu sent no terminal with orphan-pts-master");
            return r.onConsole(fd);
        }
        return false;
      },
    });
    if (resp.restore?.pid && !exists(`${r.dir}/state.json`)) {
      await r.onRestored(resp.restore.pid);
    }
  } finally {
    for (const fd of fds) {
      try {
        sys.close(fd);
      } catch { /* closed */ }
    }
    for (const c of cleanups.reverse()) {
      try {
        c();
      } catch (e) {
        logError(`cleanup after restore: ${(e as Error).message}`);
      }
    }
  }
}

/** runc's criuApplyCgroups: CRIU itself goes into the container's cgroups, limits set. */
async function applyCgroups(r: RestoreRun, pid: number, req: CriuReq): Promise<void> {
  if (r.cgroups.systemd) {
    // The unit starts with the pid (runc's order, apply then set): its
    // properties can be set only then.
    await r.cgroups.apply(pid);
    await r.cgroups.set(containerResources(r.spec));
  } else {
    await r.cgroups.set(containerResources(r.spec));
    await r.cgroups.apply(pid);
  }
  const paths = r.cgroups.paths();
  if (paths[""] !== undefined && Object.keys(paths).length === 1) return;
  // cgroup v1: tell CRIU where the container's cgroups are.
  for (const line of Deno.readTextFileSync(`/proc/${pid}/cgroup`).split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) (req.opts!.cg_root ??= []).push({ ctrl: m[1]!, path: m[2]! });
  }
}

/**
 * runc's handleRestoringNamespaces: namespaces given by path are joined
 * (mount, ipc, uts, user) or, for net and pid, handed to CRIU as the
 * external namespaces of the dump.
 */
function restoringNamespaces(sys: Sys, spec: Spec, opts: CriuOpts, fds: number[]): void {
  for (const ns of spec.linux?.namespaces ?? []) {
    if (!ns.path) continue;
    if (ns.type === "network" || ns.type === "pid") {
      let fd: number;
      try {
        // Inherited by CRIU: no close-on-exec.
        fd = sys.open(ns.path, O.RDONLY);
      } catch {
        throw new CriuError(`Requested ${ns.type} namespace ${ns.path} does not exist`);
      }
      fds.push(fd);
      (opts.inherit_fd ??= []).push({ key: externalNsKey(ns.type), fd });
    } else if (ns.type === "cgroup") {
      throw new CriuError("Do not know how to handle namespace NEWCGROUP");
    } else if (CLONE_FLAGS[ns.type] !== undefined) {
      (opts.join_ns ??= []).push({ ns: criuNsName(ns.type), ns_file: ns.path });
    }
  }
}

/**
 * runc's prepareCriuRestoreMounts: mount points made again in the rootfs
 * (a restore may start from a copy that lacks them), bind mounts bound
 * meanwhile so that nested mount points land in their sources.
 */
function prepareMountPoints(sys: Sys, ctx: MountContext): void {
  const bound: string[] = [];
  try {
    for (const p of restoreMountPoints(ctx)) {
      const target = `${ctx.rootfs}${secureJoin(ctx.rootfs, p.destination, ctx.look)}`;
      if (p.bindSource === undefined) {
        Deno.mkdirSync(target, { recursive: true, mode: 0o755 });
        continue;
      }
      const dir = isDirectory(p.bindSource);
      if (dir === undefined) {
        throw new CriuError(`bind mount source ${p.bindSource} does not exist`);
      }
      if (dir) Deno.mkdirSync(target, { recursive: true, mode: 0o755 });
      else {
        Deno.mkdirSync(target.slice(0, target.lastIndexOf("/")) || "/", {
          recursive: true,
          mode: 0o755,
        });
        if (isDirectory(target) === undefined) Deno.writeFileSync(target, new Uint8Array());
      }
      sys.mount(p.bindSource, target, "", MS_BIND | MS_REC);
      bound.push(target);
    }
  } finally {
    for (const t of bound.reverse()) {
      try {
        sys.umount(t, MNT_DETACH);
      } catch { /* EINVAL: went with its parent */ }
    }
  }
}
