/**
 * The systemd cgroup driver (`--systemd-cgroup`), as runc 1.1's systemd
 * managers work: the container's cgroup is a transient scope that systemd
 * makes (StartTransientUnit, with the init's pid, Delegate=yes and the
 * accounting on), its limits are unit properties (SetUnitProperties) and
 * then, as runc does, the same limits written to the files by the fs
 * managers (v1/manager.ts, v2/manager.ts), which also do everything that
 * reads the cgroup (pids, stats, the freezer). On cgroup v1 the scope
 * appears in the hierarchies systemd manages; the container joins the
 * others itself. delete stops the unit and removes what is left; the slice
 * stays.
 *
 * Loaded only with `--systemd-cgroup` (manager.ts imports it dynamically).
 *
 * @module
 */
import type { LinuxResources } from "../../spec/types.ts";
import type { CgroupManager, CgroupPaths, FreezerState, SystemdCgroup } from "../cgroups.ts";
import type { CgroupSys } from "../../os/sys.ts";
import { CgroupError } from "../file.ts";
import { detectMode, type Mode, v1Mounts } from "../mode.ts";
import { ownCgroups } from "../paths.ts";
import type { Stats } from "../stats.ts";
import { V1Manager } from "../v1/manager.ts";
import { V2Manager } from "../v2/manager.ts";
import { logDebug, logWarn } from "../../log.ts";
import { annotationProperties, type Property } from "./annotations.ts";
import { type BusEnv, Systemd } from "./bus.ts";
import { needsVersion, v1Properties, v2Properties } from "./properties.ts";
import { sliceOf, systemdCgroup, v1UnitPaths, v2UnitPath } from "./unit.ts";

/** What a systemd manager is made from. */
export interface SystemdManagerOptions {
  id: string;
  /** linux.cgroupsPath: `slice:prefix:name`, or empty for the defaults. */
  cgroupsPath?: string | undefined;
  /** The spec's annotations (`org.systemd.property.*`). */
  annotations?: Record<string, string> | undefined;
  /** A non-root caller: the user's systemd instance (cgroup v2 only). */
  rootless?: boolean;
  /** The cgroup mount point; default /sys/fs/cgroup. */
  root?: string;
  /** The hierarchy mode; default detected under root. */
  mode?: Mode;
  /** bpf(2) for v2 device rules, cgroup.procs writes off the main thread. */
  sys?: CgroupSys | undefined;
  /** Where the buses are (tests). */
  bus?: BusEnv;
  /** PID 1's /proc/1/cgroup, parsed (v1 paths); default read. */
  init?: Map<string, string>;
}

/**
 * The manager of a new container's systemd unit. Nothing is made yet; a
 * rootless container asks its systemd instance for its cgroup here.
 *
 * @throws CgroupError for a bad slice, an annotation systemd cannot take,
 *   rootless on cgroup v1, or a bus that cannot be reached (rootless)
 */
export async function newSystemdManager(opts: SystemdManagerOptions): Promise<SystemdManager> {
  const root = opts.root ?? "/sys/fs/cgroup";
  const mode = opts.mode ?? detectMode(root);
  const rootless = opts.rootless ?? false;
  const unit = systemdCgroup(opts.cgroupsPath, opts.id, rootless);
  const extra = annotationProperties(opts.annotations);
  if (mode === "unified") {
    let managerCgroup = "";
    if (rootless) {
      // The user's slices live under its manager's cgroup
      // (/user.slice/user-1000.slice/user@1000.service).
      const sd = await Systemd.connect(true, opts.bus);
      try {
        managerCgroup = String(await sd.managerProperty("ControlGroup"));
      } finally {
        sd.close();
      }
    }
    const dir = v2UnitPath(root, unit, managerCgroup);
    return new SystemdManager(unit, new V2Manager(root, dir, { sys: opts.sys, rootless }), {
      root,
      v2: true,
      extra,
      bus: opts.bus,
    });
  }
  if (rootless) throw new CgroupError("cannot use rootless systemd cgroups manager on cgroup v1");
  const mounts = v1Mounts(root);
  const init = opts.init ?? ownCgroups(readInit());
  const paths = v1UnitPaths(mounts, mode === "hybrid" ? `${root}/unified` : undefined, init, unit);
  return new SystemdManager(unit, new V1Manager(paths, { mounts, sys: opts.sys }), {
    root,
    v2: false,
    extra,
    bus: opts.bus,
  });
}

function readInit(): string {
  try {
    return Deno.readTextFileSync("/proc/1/cgroup");
  } catch {
    return "";
  }
}

/**
 * The manager of an existing container's unit, from what state.json recorded.
 *
 * @param paths the cgroup directories
 * @param unit the unit record
 */
export function reopenSystemdManager(
  paths: CgroupPaths,
  unit: SystemdCgroup,
  opts: { root?: string; sys?: CgroupSys | undefined; bus?: BusEnv } = {},
): SystemdManager {
  const root = opts.root ?? "/sys/fs/cgroup";
  const keys = Object.keys(paths);
  const v2 = keys.length === 1 && keys[0] === "" && detectMode(root) === "unified";
  const fs = v2
    ? new V2Manager(root, paths[""]!, { sys: opts.sys, rootless: unit.rootless })
    : new V1Manager(paths, { mounts: v1Mounts(root), sys: opts.sys });
  return new SystemdManager(unit, fs, { root, v2, extra: [], bus: opts.bus });
}

interface Inner {
  root: string;
  v2: boolean;
  /** Properties from the annotations, added when the unit starts. */
  extra: Property[];
  bus?: BusEnv | undefined;
}

/** A container's cgroups in a systemd unit. */
export class SystemdManager implements CgroupManager {
  /**
   * @param systemd the unit record (state.json's systemdCgroup)
   * @param fs the fs manager of the unit's directories
   */
  constructor(
    readonly systemd: SystemdCgroup,
    private readonly fs: V1Manager | V2Manager,
    private readonly inner: Inner,
  ) {}

  private async withBus<T>(fn: (sd: Systemd) => Promise<T>): Promise<T> {
    const sd = await Systemd.connect(this.systemd.rootless, this.inner.bus);
    try {
      return await fn(sd);
    } finally {
      sd.close();
    }
  }

  /** The properties a new unit starts with (runc's Apply). */
  startProperties(pid: number): Property[] {
    const unit = this.systemd.unit;
    const slice = sliceOf(this.systemd);
    const props: Property[] = [["Description", {
      sig: "s",
      value: `libcontainer container ${this.systemd.name}`,
    }]];
    if (unit.endsWith(".slice")) {
      props.push(["Wants", { sig: "as", value: [slice] }]);
    } else {
      props.push(["Slice", { sig: "s", value: slice }], ["Delegate", { sig: "b", value: true }]);
    }
    if (pid !== -1) props.push(["PIDs", { sig: "au", value: [pid] }]);
    const on = { sig: "b", value: true };
    props.push(
      ["MemoryAccounting", on],
      ["CPUAccounting", on],
      [this.inner.v2 ? "IOAccounting" : "BlockIOAccounting", on],
      ["TasksAccounting", on],
      ["DefaultDependencies", { sig: "b", value: false }],
      ...this.inner.extra,
    );
    return props;
  }

  create(): void {
    // systemd makes the cgroup when apply starts the unit with the pid.
  }

  async apply(pid: number): Promise<void> {
    const unit = this.systemd.unit;
    const props = this.startProperties(pid);
    try {
      await this.withBus((sd) => sd.startUnit(unit, props));
    } catch (e) {
      const shown = showProps(props);
      throw new CgroupError(
        `unable to start unit ${JSON.stringify(unit)} (properties ${shown}): ${
          (e as Error).message
        }`,
        { cause: e },
      );
    }
    if (this.inner.v2) {
      // As runc's fs2.CreateCgroupPath: the directory (systemd's) with the
      // controllers enabled on the way down.
      this.fs.create();
      return;
    }
    // v1: the hierarchies systemd does not manage are joined by hand (runc's joinCgroups).
    await this.fs.apply(pid);
  }

  async set(r: LinuxResources): Promise<void> {
    const convert = (version: number) => {
      const ctx = { version, warn: logWarn };
      return this.inner.v2 ? v2Properties(r, ctx) : v1Properties(r, ctx);
    };
    const known = needsVersion(r) ? undefined : convert(Infinity);
    // Nothing systemd has a property for: no need to reach it.
    if (known?.length === 0) {
      this.fs.set(r);
      return;
    }
    await this.withBus(async (sd) => {
      const props = known ?? convert(await sd.version());
      if (props.length === 0) return;
      const unit = this.systemd.unit;
      if (this.inner.v2) {
        await sd.setUnitProperties(unit, props).catch((e) => {
          throw new CgroupError(`unable to set unit properties: ${(e as Error).message}`, {
            cause: e,
          });
        });
        return;
      }
      // v1: systemd rewrites the device rules disruptively; freeze meanwhile (runc's freezeBeforeSet).
      const frozen = this.fs.freezerState() === "FROZEN";
      if (!frozen) {
        await this.fs.freeze().catch((e) =>
          logDebug(`freeze container before SetUnitProperties failed: ${(e as Error).message}`)
        );
      }
      try {
        await sd.setUnitProperties(unit, props);
      } finally {
        if (!frozen) {
          await this.fs.thaw().catch((e) =>
            logDebug(`thaw container after SetUnitProperties failed: ${(e as Error).message}`)
          );
        }
      }
    });
    this.fs.set(r);
  }

  freeze(): Promise<void> {
    return this.fs.freeze();
  }

  thaw(): Promise<void> {
    return this.fs.thaw();
  }

  freezerState(): FreezerState {
    return this.fs.freezerState();
  }

  pids(): number[] {
    return this.fs.pids();
  }

  stats(): Stats {
    return this.fs.stats();
  }

  exists(): boolean {
    return this.fs.exists();
  }

  async destroy(): Promise<void> {
    let stopErr: Error | undefined;
    try {
      await this.withBus((sd) => sd.stopUnit(this.systemd.unit, logWarn));
    } catch (e) {
      // As runc: a bus that cannot be reached does not keep delete from
      // removing the directories; a stop that timed out is reported after.
      if ((e as Error).message.startsWith("Timed out")) stopErr = e as Error;
      else logDebug(`stopping ${this.systemd.unit}: ${(e as Error).message}`);
    }
    await this.fs.destroy();
    if (stopErr) throw stopErr;
  }

  paths(): CgroupPaths {
    return this.fs.paths();
  }

  path(controller: string): string | undefined {
    return this.fs.path(controller);
  }
}

/** Properties as runc's error prints them: `[{Name:Slice Value:"system.slice"} ...]`. */
export function showProps(props: Property[]): string {
  const show = (v: unknown): string => {
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "bigint") return String(v);
    if (v instanceof Uint8Array) return `[${[...v].join(" ")}]`;
    if (Array.isArray(v)) return `[${v.map(show).join(" ")}]`;
    return String(v);
  };
  return `[${props.map(([n, v]) => `{Name:${n} Value:${show(v.value)}}`).join(" ")}]`;
}
