/**
 * systemd's manager over D-Bus, as runc 1.1 talks to it (through
 * go-systemd): which bus (the system bus, else systemd's private socket for
 * root; the user's session bus for a rootless container), and the calls the
 * driver makes: StartTransientUnit and StopUnit with a wait for the job's
 * JobRemoved signal, SetUnitProperties, ResetFailedUnit and manager
 * properties.
 *
 * @module
 */
import { DBusConnection, DBusError } from "../../dbus/connection.ts";
import type { Variant } from "../../dbus/marshal.ts";
import { CgroupError } from "../file.ts";
import type { Property } from "./annotations.ts";

const SYSTEMD = "org.freedesktop.systemd1";
const PATH = "/org/freedesktop/systemd1";
const MANAGER = "org.freedesktop.systemd1.Manager";

/** How long runc waits for a unit's job. */
export const JOB_TIMEOUT_MS = 30000;

/** runc's wrapping of a failure to reach the bus. */
export const CONNECT_HINT =
  "failed to connect to dbus (hint: for rootless containers, maybe you need to install dbus-user-session package, see https://github.com/opencontainers/runc/blob/master/docs/cgroup-v2.md)";

/** Where the buses are; the environment by default (tests point them elsewhere). */
export interface BusEnv {
  /** DBUS_SYSTEM_BUS_ADDRESS, else the standard system socket. */
  systemAddress?: string;
  /** systemd's private socket (root only). */
  privateAddress?: string;
  /** The session bus of the user: DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus. */
  userAddress?: string | undefined;
  /** The uid to authenticate as; default the euid, mapped out of a user namespace. */
  uid?: number;
}

/**
 * The user's bus address as runc's DetectUserDbusSessionBusAddress finds it
 * (DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus when it exists).
 *
 * @throws CgroupError when neither gives one
 */
export function userBusAddress(
  env: (k: string) => string | undefined = (k) => Deno.env.get(k),
): string {
  const a = env("DBUS_SESSION_BUS_ADDRESS");
  if (a) return a;
  const xdg = env("XDG_RUNTIME_DIR");
  if (xdg) {
    try {
      Deno.statSync(`${xdg}/bus`);
      return `unix:path=${xdg}/bus`;
    } catch { /* not there */ }
  }
  throw new CgroupError(
    `could not detect DBUS_SESSION_BUS_ADDRESS: it is not set, and ${
      xdg ? `${xdg}/bus does not exist` : "XDG_RUNTIME_DIR is not set"
    }. Make sure you have installed the dbus-user-session or dbus-daemon package and then run: \`systemctl --user start dbus\``,
  );
}

/**
 * The uid the bus sees us as: the euid, mapped through /proc/self/uid_map
 * when we run in a user namespace (the daemon checks the claim against the
 * socket's credentials, which the kernel gives in its namespace).
 */
export function hostUid(euid: number = Deno.uid() ?? 0, uidMap?: string): number {
  let map = uidMap;
  if (map === undefined) {
    try {
      map = Deno.readTextFileSync("/proc/self/uid_map");
    } catch {
      return euid;
    }
  }
  for (const line of map.split("\n")) {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    if (inside === undefined || outside === undefined || count === undefined) continue;
    if (euid >= inside && euid < inside + count) return outside + (euid - inside);
  }
  return euid;
}

/** One connection to systemd's manager. */
export class Systemd {
  private versionCache: number | undefined;
  private readonly jobs = new Map<string, string>();

  private constructor(private readonly bus: DBusConnection, private readonly direct: boolean) {
    // JobRemoved(u id, o job, s unit, s result), kept from the start so that
    // a job done before its call's reply is read is not missed.
    bus.onSignal((s) => {
      if (s.interface === MANAGER && s.member === "JobRemoved") {
        this.jobs.set(s.body[1] as string, s.body[3] as string);
      }
    });
  }

  /**
   * Connects as runc does: rootless to the user's bus; root to the system
   * bus, else (as go-systemd does for root) to systemd's private socket.
   *
   * @throws CgroupError `failed to connect to dbus (hint: ...): ...`
   */
  static async connect(rootless: boolean, env: BusEnv = {}): Promise<Systemd> {
    try {
      if (rootless) {
        const address = env.userAddress ?? userBusAddress();
        const uid = env.uid ?? hostUid();
        let bus: DBusConnection;
        try {
          bus = await DBusConnection.open(address, { uid });
        } catch (e) {
          throw new CgroupError(
            `error while dialing ${JSON.stringify(address)}: ${(e as Error).message}`,
            {
              cause: e,
            },
          );
        }
        return await Systemd.subscribed(bus);
      }
      const system = env.systemAddress ?? Deno.env.get("DBUS_SYSTEM_BUS_ADDRESS") ??
        "unix:path=/var/run/dbus/system_bus_socket";
      const uid = env.uid ?? hostUid();
      try {
        return await Systemd.subscribed(await DBusConnection.open(system, { uid }));
      } catch (e) {
        if ((Deno.uid() ?? 0) !== 0 && env.privateAddress === undefined) throw e;
      }
      const direct = await DBusConnection.open(
        env.privateAddress ?? "unix:path=/run/systemd/private",
        {
          uid,
          hello: false,
        },
      );
      return new Systemd(direct, true);
    } catch (e) {
      throw new CgroupError(`${CONNECT_HINT}: ${(e as Error).message}`, { cause: e });
    }
  }

  private static async subscribed(bus: DBusConnection): Promise<Systemd> {
    try {
      await bus.addMatch(`type='signal',interface='${MANAGER}',member='JobRemoved'`);
    } catch (e) {
      bus.close();
      throw e;
    }
    return new Systemd(bus, false);
  }

  /** Whether this is systemd's private socket (no bus daemon between). */
  get isDirect(): boolean {
    return this.direct;
  }

  /** Closes the connection. */
  close(): void {
    this.bus.close();
  }

  private call(member: string, signature: string, body: unknown[]): Promise<unknown[]> {
    return this.bus.call({
      destination: SYSTEMD,
      path: PATH,
      interface: MANAGER,
      member,
      signature,
      body,
    });
  }

  // Waits for the JobRemoved of job; its result (`done`, `failed`, ...).
  private async jobResult(job: string, timeoutMs: number, what: string): Promise<string> {
    const seen = this.jobs.get(job);
    if (seen !== undefined) return seen;
    return await this.bus.waitSignal(
      (s) =>
        s.interface === MANAGER && s.member === "JobRemoved" && s.body[1] === job
          ? s.body[3] as string
          : undefined,
      timeoutMs,
      what,
    );
  }

  /**
   * runc's startUnit: StartTransientUnit in mode `replace` and a wait for its
   * job; a unit that exists already is fine.
   *
   * @throws CgroupError for a failed job or a timeout (the failed unit reset)
   */
  async startUnit(unit: string, props: Property[], timeoutMs = JOB_TIMEOUT_MS): Promise<void> {
    let job: string;
    try {
      [job] = await this.call("StartTransientUnit", "ssa(sv)a(sa(sv))", [
        unit,
        "replace",
        props,
        [],
      ]) as [string];
    } catch (e) {
      if (e instanceof DBusError && e.errorName.includes("org.freedesktop.systemd1.UnitExists")) {
        return;
      }
      throw e;
    }
    let result: string;
    try {
      result = await this.jobResult(job, timeoutMs, `systemd to create ${unit}`);
    } catch {
      await this.resetFailedUnit(unit);
      throw new CgroupError(`Timeout waiting for systemd to create ${unit}`);
    }
    if (result !== "done") {
      await this.resetFailedUnit(unit);
      throw new CgroupError(`error creating systemd unit \`${unit}\`: got \`${result}\``);
    }
  }

  /**
   * runc's stopUnit: StopUnit in mode `replace` and a wait for its job. A call
   * that fails (no such unit: it stopped when its last process went) is no
   * error; a job that ends otherwise than `done` is a warning.
   *
   * @throws CgroupError when the job does not end in time
   */
  async stopUnit(
    unit: string,
    warn: (msg: string) => void,
    timeoutMs = JOB_TIMEOUT_MS,
  ): Promise<void> {
    let job: string;
    try {
      [job] = await this.call("StopUnit", "ss", [unit, "replace"]) as [string];
    } catch {
      return;
    }
    let result: string;
    try {
      result = await this.jobResult(job, timeoutMs, `systemd to remove ${unit}`);
    } catch {
      throw new CgroupError(`Timed out while waiting for systemd to remove ${unit}`);
    }
    if (result !== "done") {
      warn(`error removing unit \`${unit}\`: got \`${result}\`. Continuing...`);
    }
  }

  /** ResetFailedUnit; a failure is a warning, as in runc. */
  async resetFailedUnit(unit: string, warn?: (msg: string) => void): Promise<void> {
    try {
      await this.call("ResetFailedUnit", "s", [unit]);
    } catch (e) {
      warn?.(`unable to reset failed unit: ${(e as Error).message}`);
    }
  }

  /** SetUnitProperties for the running unit (runtime: not saved across reboots). */
  async setUnitProperties(unit: string, props: Property[]): Promise<void> {
    await this.call("SetUnitProperties", "sba(sv)", [unit, true, props]);
  }

  /** A property of the manager (org.freedesktop.systemd1.Manager), e.g. `ControlGroup`. */
  async managerProperty(name: string): Promise<unknown> {
    const [v] = await this.bus.call({
      destination: SYSTEMD,
      path: PATH,
      interface: "org.freedesktop.DBus.Properties",
      member: "Get",
      signature: "ss",
      body: [MANAGER, name],
    });
    return (v as Variant).value;
  }

  /** A property of a unit through its type's interface (`Scope`, `Slice`, `Unit`). */
  async unitProperty(unit: string, iface: string, name: string): Promise<unknown> {
    const [path] = await this.call("GetUnit", "s", [unit]);
    const [v] = await this.bus.call({
      destination: SYSTEMD,
      path: path as string,
      interface: "org.freedesktop.DBus.Properties",
      member: "Get",
      signature: "ss",
      body: [`org.freedesktop.systemd1.${iface}`, name],
    });
    return (v as Variant).value;
  }

  /** systemd's version number (`252.22-1~deb12u1` -> 252), -1 when unknown. */
  async version(): Promise<number> {
    if (this.versionCache === undefined) {
      try {
        this.versionCache = parseVersion(String(await this.managerProperty("Version")));
      } catch {
        this.versionCache = -1;
      }
    }
    return this.versionCache;
  }
}

/** runc's systemdVersionAtoi: the first integer of `v245.4-1.fc32`, `245`, ... */
export function parseVersion(s: string): number {
  const m = /v?([0-9]+)/.exec(s);
  if (!m) throw new Error(`can't parse version ${s}`);
  return Number(m[1]);
}
