/**
 * Helpers for the cgroup integration tests: unique container ids (the
 * default cgroup is named after the id, so parallel runs must not share
 * one), where a container's cgroup is on this host, and cleanup of cgroup
 * directories a failed test left behind.
 *
 * @module
 */
import { type Sandbox, withSandbox } from "./_util.ts";
import type { Spec } from "../../core/spec/types.ts";

let counter = 0;

/** A container id no other test run uses. */
export function uniqueId(): string {
  return `cgit-${Deno.pid}-${counter++}`;
}

/** The hierarchy mode of this host's /sys/fs/cgroup. */
export function hostMode(): "unified" | "hybrid" | "legacy" {
  const has = (p: string) => {
    try {
      Deno.statSync(p);
      return true;
    } catch {
      return false;
    }
  };
  if (has("/sys/fs/cgroup/cgroup.controllers")) return "unified";
  if (has("/sys/fs/cgroup/unified/cgroup.controllers")) return "hybrid";
  return "legacy";
}

/** This process's cgroup in a hierarchy (`""`: unified). */
export function ownCgroup(controller: string): string {
  for (const line of Deno.readTextFileSync("/proc/self/cgroup").split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m && m[1]!.split(",").includes(controller)) return m[2] === "/" ? "" : m[2]!;
  }
  return "";
}

/** Where the default (relative) cgroup of container id is, per v1 controller. */
export function v1Dir(controller: string, id: string): string {
  const mount = controller === "name=systemd" ? "systemd" : controller;
  return `/sys/fs/cgroup/${mount}${ownCgroup(controller)}/${id}`;
}

/** Reads a cgroup file, trimmed. */
export function cgRead(path: string): string {
  return Deno.readTextFileSync(path).trim();
}

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The cgroup directories of id that exist (the default, relative place). */
export function leftovers(id: string): string[] {
  const out: string[] = [];
  for (
    const c of [
      "cpu",
      "cpuacct",
      "cpuset",
      "memory",
      "devices",
      "freezer",
      "pids",
      "blkio",
      "name=systemd",
    ]
  ) {
    if (exists(v1Dir(c, id))) out.push(v1Dir(c, id));
  }
  if (exists(`/sys/fs/cgroup/unified/${id}`)) out.push(`/sys/fs/cgroup/unified/${id}`);
  return out;
}

/**
 * Thaws a cgroup and every cgroup below it, top down: a v1 child stays frozen
 * while its parent is, so the thaw must reach the parent first.
 */
function thawTree(dir: string): void {
  try {
    Deno.writeTextFileSync(`${dir}/freezer.state`, "THAWED");
  } catch { /* not a v1 freezer cgroup */ }
  try {
    Deno.writeTextFileSync(`${dir}/cgroup.freeze`, "0");
  } catch { /* not a v2 cgroup */ }
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) thawTree(`${dir}/${e.name}`);
    }
  } catch { /* gone */ }
}

/** Kills what is in a cgroup and below it, and removes the directories deepest first. */
function killAndRemove(dir: string): void {
  if (!exists(dir)) return;
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) killAndRemove(`${dir}/${e.name}`);
  }
  try {
    Deno.writeTextFileSync(`${dir}/freezer.state`, "THAWED");
  } catch { /* not a freezer cgroup */ }
  let pids: string[] = [];
  try {
    pids = Deno.readTextFileSync(`${dir}/cgroup.procs`).split("\n").filter(Boolean);
  } catch { /* gone */ }
  for (const pid of pids) {
    try {
      Deno.kill(Number(pid), "SIGKILL");
    } catch { /* exited meanwhile: the others are still killed */ }
  }
  for (let i = 0; i < 50; i++) {
    try {
      Deno.removeSync(dir);
      break;
    } catch {
      const until = Date.now() + 20;
      while (Date.now() < until) { /* let the killed exit */ }
    }
  }
}

/**
 * Removes cgroup directories and the cgroups below them: thawed top down
 * (v1 freezer.state, v2 cgroup.freeze), then, deepest first, what is inside
 * killed and the directory removed.
 */
export function removeCgroupDirs(dirs: string[]): void {
  for (const dir of dirs) {
    if (!exists(dir)) continue;
    thawTree(dir);
    killAndRemove(dir);
  }
}

/**
 * withSandbox, plus removal of the container's cgroups (default place and
 * the extra directories given) whatever happens.
 */
export async function withCgroupSandbox(
  id: string,
  fn: (sb: Sandbox) => Promise<void>,
  edit?: (spec: Spec) => void,
  extraDirs: () => string[] = () => [],
): Promise<void> {
  try {
    await withSandbox(fn, edit);
  } finally {
    removeCgroupDirs([...leftovers(id), ...extraDirs()]);
  }
}

/** Waits until cond holds (or about 5 s pass). */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
