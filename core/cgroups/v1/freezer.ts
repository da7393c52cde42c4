/**
 * The v1 freezer controller: freezer.state, written until the kernel says
 * FROZEN (FREEZING means some task has not stopped yet).
 *
 * @module
 */
import { CgroupError, readFile, readOptional, writeFile } from "../file.ts";
import type { FreezerState } from "../cgroups.ts";
import type { V1Controller } from "./controller.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Freezes the cgroup at dir, as runc 1.1 does (with an occasional thaw to unstick). */
export async function freezeV1(dir: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (i % 50 === 49) {
      writeFile(dir, "freezer.state", "THAWED");
      await sleep(10);
    }
    writeFile(dir, "freezer.state", "FROZEN");
    if (i % 25 === 24) await sleep(1);
    const state = readFile(dir, "freezer.state").trim();
    if (state === "FROZEN") return;
    if (state !== "FREEZING") {
      throw new CgroupError(`unexpected state ${state} after writing FROZEN`);
    }
  }
  throw new CgroupError("unable to freeze");
}

/** Thaws the cgroup at dir. */
export function thawV1(dir: string): void {
  writeFile(dir, "freezer.state", "THAWED");
}

/** The state of the cgroup at dir: FROZEN only when frozen itself, not through a parent. */
export function freezerStateV1(dir: string): FreezerState {
  const state = readOptional(dir, "freezer.state")?.trim();
  if (state !== "FROZEN" && state !== "FREEZING") return "THAWED";
  const self = readOptional(dir, "freezer.self_freezing")?.trim();
  return self === undefined || self === "1" ? "FROZEN" : "THAWED";
}

/** The v1 freezer controller (no resources; the manager freezes and thaws). */
export const freezer: V1Controller = { name: "freezer" };
