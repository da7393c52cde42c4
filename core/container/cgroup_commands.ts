/**
 * The commands that work on a container's cgroups: pause, resume, ps,
 * update and events. Each reopens the cgroups from state.json.
 *
 * @module
 */
import {
  type ContainerState,
  containerStatus,
  readState,
  stateDir,
  StateError,
  withLock,
  writeState,
} from "../state/state.ts";
import type { CgroupManager } from "../cgroups/cgroups.ts";
import { exists } from "../cgroups/file.ts";
import { openCgroups } from "../cgroups/container.ts";
import { eventLine, statsJson } from "../cgroups/stats.ts";
import type { LinuxIntelRdt, LinuxResources } from "../spec/types.ts";
import type { CgroupSys } from "../os/sys.ts";
import { logError, logWarn } from "../log.ts";

async function open(
  sys: CgroupSys | undefined,
  root: string,
  id: string,
): Promise<{ st: ContainerState; cg: CgroupManager | undefined }> {
  const st = await readState(root, id);
  return {
    st,
    cg: await openCgroups(sys, st.cgroupPaths, st.rootlessCgroups === true, st.systemdCgroup),
  };
}

function need(cg: CgroupManager | undefined, id: string): CgroupManager {
  if (!cg) throw new StateError(`container ${id} has no cgroups`);
  return cg;
}

/**
 * Freezes a created or running container (`runc pause`).
 *
 * @throws StateError `container not running` otherwise
 */
export async function pauseContainer(root: string, id: string): Promise<void> {
  const { st, cg } = await open(undefined, root, id);
  await withLock(stateDir(root, id), async () => {
    const status = containerStatus(root, st);
    if (status !== "running" && status !== "created") throw new StateError("container not running");
    await need(cg, id).freeze();
  });
}

/**
 * Thaws a paused container (`runc resume`).
 *
 * @throws StateError `container not paused` otherwise
 */
export async function resumeContainer(root: string, id: string): Promise<void> {
  const { st, cg } = await open(undefined, root, id);
  await withLock(stateDir(root, id), async () => {
    if (containerStatus(root, st) !== "paused") throw new StateError("container not paused");
    await need(cg, id).thaw();
  });
}

/** Every pid in a container's cgroups (`runc ps --format json`). */
export async function containerPids(root: string, id: string): Promise<number[]> {
  const { cg } = await open(undefined, root, id);
  try {
    return need(cg, id).pids();
  } catch (e) {
    throw new StateError(`unable to get all container pids: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * `runc ps` as a table: ps(1) with the given options (default `-ef`), its
 * header, and the lines whose PID column is one of the container's.
 *
 * @returns the text to print
 */
export async function psTable(root: string, id: string, psArgs: string[]): Promise<string> {
  const pids = new Set(await containerPids(root, id));
  const out = await new Deno.Command("ps", {
    args: psArgs.length ? psArgs : ["-ef"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new StateError(`exit status ${out.code}: ${text}`);
  const lines = text.split("\n");
  const header = lines[0] ?? "";
  const pidIndex = header.trim().split(/\s+/).indexOf("PID");
  if (pidIndex < 0) throw new StateError("couldn't find PID field in ps output");
  const kept = [header];
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const field = line.trim().split(/\s+/)[pidIndex] ?? "";
    const pid = Number(field);
    if (!/^-?\d+$/.test(field)) throw new StateError(`unable to parse pid: ${field}`);
    if (pids.has(pid)) kept.push(line);
  }
  return kept.join("\n") + "\n";
}

/** What `runc update --l3-cache-schema` and `--mem-bw-schema` ask for ("" for not given). */
export interface IntelRdtUpdate {
  l3CacheSchema: string;
  memBwSchema: string;
}

/**
 * Applies new limits to a running container and records them in its state
 * (`runc update`). Only the fields present are written. As runc 1.1, new
 * Intel RDT schemas take the place of both saved ones (a schema not given
 * is dropped from the config); a container without intelRdt gets a group of
 * its own, the init put in it. When the schemata cannot be written, the
 * cgroup limits and the schemata are set back and the state is unchanged.
 *
 * @param sys bpf(2) for v2 device rules
 * @param r the limits (see update_request.ts)
 * @param rdt the Intel RDT schemas, when either is given
 */
export async function updateContainer(
  sys: CgroupSys,
  root: string,
  id: string,
  r: LinuxResources,
  rdt?: IntelRdtUpdate,
): Promise<void> {
  const { st, cg } = await open(sys, root, id);
  r = withCpuPair(st.config.linux?.resources ?? {}, r);
  const wantsRdt = rdt !== undefined && (rdt.l3CacheSchema !== "" || rdt.memBwSchema !== "");
  const rdtModule = wantsRdt ? await import("../intelrdt/intelrdt.ts") : undefined;
  rdtModule?.checkUpdate(rdt!.l3CacheSchema, rdt!.memBwSchema);
  await withLock(stateDir(root, id), async () => {
    if (containerStatus(root, st) === "stopped") throw new StateError("container not running");
    const old = st.config.linux?.resources ?? {};
    const cgroups = need(cg, id);
    st.config.linux ??= {};
    if (!rdtModule) {
      await cgroups.set(r);
    } else {
      const was = st.config.linux.intelRdt;
      const config: LinuxIntelRdt = { ...was };
      delete config.l3CacheSchema;
      delete config.memBwSchema;
      if (rdt!.l3CacheSchema) config.l3CacheSchema = rdt!.l3CacheSchema;
      if (rdt!.memBwSchema) config.memBwSchema = rdt!.memBwSchema;
      const m = rdtModule.newManager(was ?? {}, id, st.intelRdtPath ?? "");
      if (!m) throw new rdtModule.IntelRdtError(rdtModule.NOT_MOUNTED);
      // As runc: a container without intelRdt has its group made (the init put
      // in it) first; here it goes again when the update fails, as the state
      // would not know it.
      const made = was ? false : m.apply(st.initPid);
      const unmake = () => {
        if (made) rdtModule.removeGroup(m.path);
      };
      try {
        await cgroups.set(r);
      } catch (e) {
        try {
          unmake();
        } catch (e2) {
          logWarn((e2 as Error).message);
        }
        throw e;
      }
      try {
        m.set(config);
      } catch (e) {
        await setBack(cgroups, old, r, () => (was ? m.set(was) : unmake()));
        throw e;
      }
      st.config.linux.intelRdt = config;
      st.intelRdtPath = m.path;
    }
    st.config.linux.resources = mergeResources(old, r);
    await writeState(stateDir(root, id), st);
  });
}

/** runc's roll-back of a failed update: the saved limits (of the fields updated) and schemata again. */
async function setBack(
  cg: CgroupManager,
  old: LinuxResources,
  r: LinuxResources,
  rdt: () => void,
): Promise<void> {
  const back: LinuxResources = {};
  for (const k of ["memory", "cpu", "pids", "blockIO", "unified"] as const) {
    if (r[k] !== undefined && old[k] !== undefined) (back as Record<string, unknown>)[k] = old[k];
  }
  const inconsistent = "your state.json and actual configs might be inconsistent.";
  try {
    await cg.set(back);
  } catch (e) {
    logWarn(
      `Setting back cgroup configs failed due to error: ${(e as Error).message}, ${inconsistent}`,
    );
  }
  try {
    rdt();
  } catch (e) {
    logWarn(
      `Setting back intelrdt configs failed due to error: ${(e as Error).message}, ${inconsistent}`,
    );
  }
}

/**
 * An update that changes only one of the CPU quota and period gets the other
 * from the saved limits: runc's update sets the whole merged config, and on
 * cgroup v2 both go into one file (cpu.max) and one systemd property
 * (CPUQuotaPerSecUSec is the quota over the period).
 */
export function withCpuPair(old: LinuxResources, r: LinuxResources): LinuxResources {
  const c = r.cpu;
  if (!c || (c.quota === undefined) === (c.period === undefined)) return r;
  const quota = c.quota ?? old.cpu?.quota, period = c.period ?? old.cpu?.period;
  return {
    ...r,
    cpu: {
      ...c,
      ...(quota !== undefined ? { quota } : {}),
      ...(period !== undefined ? { period } : {}),
    },
  };
}

/** The saved resources with an update's fields laid over them. */
export function mergeResources(old: LinuxResources, r: LinuxResources): LinuxResources {
  const out: LinuxResources = { ...old };
  if (r.memory) out.memory = { ...old.memory, ...r.memory };
  if (r.cpu) out.cpu = { ...old.cpu, ...r.cpu };
  if (r.pids) out.pids = r.pids;
  if (r.blockIO) out.blockIO = { ...old.blockIO, ...r.blockIO };
  if (r.unified) out.unified = r.unified;
  return out;
}

/** One `runc events --stats` line for a container. */
export async function statsEvent(root: string, id: string): Promise<string> {
  const { st, cg } = await open(undefined, root, id);
  if (containerStatus(root, st) === "stopped") {
    throw new StateError(`container with id ${id} is not running`);
  }
  return statsLine(id, need(cg, id), await intelRdtReader(st, id));
}

/** A stats line: the cgroups' statistics and, when the container has a group, intel_rdt. */
function statsLine(id: string, cg: CgroupManager, rdt: (() => string) | undefined): string {
  const line = eventLine("stats", id, statsJson(cg.stats()));
  if (!rdt) return line;
  const text = rdt();
  return line.replace(
    `"intel_rdt":{},"network_interfaces"`,
    () => `"intel_rdt":${text},"network_interfaces"`,
  );
}

/**
 * Reads the container's `intel_rdt` statistics as JSON text; undefined when
 * it has no Intel RDT group or resctrl is gone (the modules are loaded only
 * for a container with one).
 */
async function intelRdtReader(
  st: ContainerState,
  id: string,
): Promise<(() => string) | undefined> {
  if (!st.intelRdtPath || !st.config.linux?.intelRdt) return undefined;
  const [{ newManager }, { intelRdtJson, intelRdtStats }] = await Promise.all([
    import("../intelrdt/intelrdt.ts"),
    import("../intelrdt/stats.ts"),
  ]);
  const m = newManager(st.config.linux.intelRdt, id, st.intelRdtPath);
  if (!m) return undefined;
  return () => {
    try {
      return intelRdtJson(intelRdtStats(m));
    } catch (e) {
      throw new StateError(`unable to get container Intel RDT stats: ${(e as Error).message}`);
    }
  };
}

/**
 * Streams `runc events`: a stats line every interval and an `oom` line when
 * the memory cgroup runs out (v1: memory.oom_control's eventfd; v2:
 * memory.events' oom_kill count). Ends when the container's cgroup is gone.
 *
 * @param emit receives each line
 */
export async function streamEvents(
  sys: CgroupSys,
  root: string,
  id: string,
  intervalMs: number,
  emit: (line: string) => void,
): Promise<void> {
  if (intervalMs <= 0) throw new StateError("duration interval must be greater than 0");
  const { st, cg: maybe } = await open(sys, root, id);
  if (containerStatus(root, st) === "stopped") {
    throw new StateError(`container with id ${id} is not running`);
  }
  const cg = need(maybe, id);
  const rdt = await intelRdtReader(st, id);
  let done = false;
  const ticker = setInterval(() => {
    try {
      emit(statsLine(id, cg, rdt));
    } catch (e) {
      logError((e as Error).message);
    }
  }, intervalMs);
  try {
    await watchOom(sys, cg, () => emit(eventLine("oom", id)), () => done);
  } finally {
    done = true;
    clearInterval(ticker);
  }
}

async function watchOom(
  sys: CgroupSys,
  cg: CgroupManager,
  onOom: () => void,
  stop: () => boolean,
): Promise<void> {
  const v1 = cg.path("memory");
  if (v1 && cg.path("") !== v1) {
    const fd = sys.oomEventFd(v1);
    while (!stop()) {
      const fired = await sys.eventfdWait(fd, 1000);
      // The kernel also signals the eventfd when the cgroup goes away.
      if (!exists(`${v1}/cgroup.event_control`)) return;
      if (fired) onOom();
    }
    return;
  }
  const dir = cg.path("");
  let last = oomKills(dir);
  while (!stop()) {
    await new Promise((r) => setTimeout(r, 200));
    if (!dir || !exists(dir)) return;
    const now = oomKills(dir);
    if (now > last) onOom();
    last = now;
  }
}

function oomKills(dir: string | undefined): number {
  try {
    const m = /^oom_kill (\d+)$/m.exec(Deno.readTextFileSync(`${dir}/memory.events`));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}
