/**
 * Device cgroup rules: the spec's list plus runc's default allowed devices,
 * and an emulator of the v1 devices controller (runc's devicesemulator) that
 * reduces any list to a default (allow or deny) with exceptions. v1 writes
 * the transition from the current state; v2 compiles the reduced list into a
 * BPF program (v2/bpf.ts).
 *
 * @module
 */
import type { LinuxDeviceCgroup } from "../spec/types.ts";
import { CgroupError } from "./file.ts";

/** One rule; -1 is the wildcard `*`. */
export interface DeviceRule {
  type: "a" | "c" | "b";
  major: number;
  minor: number;
  /** Some of r, w, m, in that order. */
  access: string;
  allow: boolean;
}

const rule = (type: "c" | "b", major: number, minor: number, access = "rwm"): DeviceRule => ({
  type,
  major,
  minor,
  access,
  allow: true,
});

/** The devices runc 1.1 always allows (specconv.AllowedDevices), after the spec's rules. */
export const DEFAULT_ALLOWED: { path?: string; rule: DeviceRule }[] = [
  { rule: rule("c", -1, -1, "m") },
  { rule: rule("b", -1, -1, "m") },
  { path: "/dev/null", rule: rule("c", 1, 3) },
  { path: "/dev/random", rule: rule("c", 1, 8) },
  { path: "/dev/full", rule: rule("c", 1, 7) },
  { path: "/dev/tty", rule: rule("c", 5, 0) },
  { path: "/dev/zero", rule: rule("c", 1, 5) },
  { path: "/dev/urandom", rule: rule("c", 1, 9) },
  { rule: rule("c", 136, -1) },
  { rule: rule("c", 5, 2) },
  { rule: rule("c", 10, 200) },
];

/** Access letters in canonical order, duplicates dropped. */
export function normalizeAccess(access: string | undefined): string {
  const a = access ?? "rwm";
  return ["r", "w", "m"].filter((c) => a.includes(c)).join("");
}

/** A spec rule as a DeviceRule (absent type: `a`; absent numbers: wildcard). */
export function fromSpec(d: LinuxDeviceCgroup): DeviceRule {
  const t = d.type ?? "a";
  if (t !== "a" && t !== "c" && t !== "b") {
    throw new CgroupError(`invalid cgroup device type ${JSON.stringify(t)}`);
  }
  return {
    type: t,
    major: d.major === undefined || d.major === null ? -1 : Number(d.major),
    minor: d.minor === undefined || d.minor === null ? -1 : Number(d.minor),
    access: normalizeAccess(d.access),
    allow: d.allow,
  };
}

/**
 * The rules runc gives a container: the spec's, then the default allowed
 * devices not overridden by a device of the same path in linux.devices.
 */
export function containerRules(
  spec: LinuxDeviceCgroup[] | undefined,
  devicePaths: string[] = [],
): DeviceRule[] {
  return [
    ...(spec ?? []).map(fromSpec),
    ...DEFAULT_ALLOWED.filter((d) => !d.path || !devicePaths.includes(d.path)).map((d) => d.rule),
  ];
}

/** A rule as the v1 files take it: `c 1:3 rwm`. */
export function ruleString(r: DeviceRule): string {
  const n = (x: number) => (x < 0 ? "*" : String(x));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

const key = (type: string, major: number, minor: number) => `${type} ${major} ${minor}`;

/** The state of a v1 devices cgroup: a default and the exceptions to it. */
export class DeviceEmulator {
  /** Whether devices not listed are allowed (a deny list). */
  defaultAllow = true;
  /** Exceptions: key to access letters. */
  readonly exceptions = new Map<
    string,
    { type: "c" | "b"; major: number; minor: number; access: string }
  >();

  /** Applies one rule as the kernel would a write to devices.allow or devices.deny. */
  apply(r: DeviceRule): void {
    if (r.type === "a") {
      this.defaultAllow = r.allow;
      this.exceptions.clear();
      return;
    }
    if (r.allow === this.defaultAllow) this.remove(r);
    else this.add(r);
  }

  private add(r: DeviceRule): void {
    const k = key(r.type, r.major, r.minor);
    const old = this.exceptions.get(k)?.access ?? "";
    this.exceptions.set(k, {
      type: r.type as "c" | "b",
      major: r.major,
      minor: r.minor,
      access: normalizeAccess(old + r.access) || "",
    });
  }

  private remove(r: DeviceRule): void {
    // A hole in a wildcard exception would be silently ignored by v1: refuse it, as runc.
    for (const [ma, mi] of [[-1, r.minor], [r.major, -1], [-1, -1]] as const) {
      if (ma === r.major && mi === r.minor) continue;
      const partial = this.exceptions.get(key(r.type, ma, mi));
      if (partial && [...r.access].some((c) => partial.access.includes(c))) {
        throw new CgroupError(
          `requested rule [${
            ruleString(r)
          }] not supported by devices cgroupv1 (cannot punch hole in existing wildcard rule [${
            ruleString({ ...partial, allow: true })
          }])`,
        );
      }
    }
    const k = key(r.type, r.major, r.minor);
    const cur = this.exceptions.get(k);
    if (!cur) return;
    const left = [...cur.access].filter((c) => !r.access.includes(c)).join("");
    if (left) cur.access = left;
    else this.exceptions.delete(k);
  }

  /** The reduced list: the default as an `a *:* rwm` rule, then the exceptions sorted. */
  rules(): DeviceRule[] {
    const ex = [...this.exceptions.values()].sort((a, b) =>
      a.major - b.major || a.minor - b.minor || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)
    );
    return [
      { type: "a", major: -1, minor: -1, access: "rwm", allow: this.defaultAllow },
      ...ex.map((e) => ({ ...e, allow: !this.defaultAllow })),
    ];
  }

  /** An emulator with the rules applied in order. */
  static of(rules: DeviceRule[]): DeviceEmulator {
    const e = new DeviceEmulator();
    for (const r of rules) e.apply(r);
    return e;
  }

  /** The state a v1 cgroup's devices.list shows. */
  static fromList(list: string): DeviceEmulator {
    const e = new DeviceEmulator();
    e.defaultAllow = false;
    for (const line of list.split("\n")) {
      const m = /^([abc]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(line.trim());
      if (!m) continue;
      const num = (s: string) => (s === "*" ? -1 : Number(s));
      if (m[1] === "a") {
        // `a *:* rwm` is how v1 lists an allow-all cgroup.
        e.defaultAllow = true;
        e.exceptions.clear();
        continue;
      }
      e.apply({
        type: m[1] as "c" | "b",
        major: num(m[2]!),
        minor: num(m[3]!),
        access: m[4]!,
        allow: true,
      });
    }
    return e;
  }

  /**
   * The writes that turn this state into target: a reset when the defaults
   * differ, else the exceptions to drop and to add.
   */
  transition(target: DeviceEmulator): DeviceRule[] {
    if (this.defaultAllow !== target.defaultAllow) return target.rules();
    const out: DeviceRule[] = [];
    for (const [k, cur] of this.exceptions) {
      const want = target.exceptions.get(k)?.access ?? "";
      const drop = [...cur.access].filter((c) => !want.includes(c)).join("");
      if (drop) out.push({ ...cur, access: drop, allow: this.defaultAllow });
    }
    for (const [k, want] of target.exceptions) {
      const have = this.exceptions.get(k)?.access ?? "";
      const add = [...want.access].filter((c) => !have.includes(c)).join("");
      if (add) out.push({ ...want, access: add, allow: !this.defaultAllow });
    }
    return out;
  }
}
