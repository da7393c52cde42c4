/**
 * Fake cgroup hierarchies on temp directories for the cgroup unit tests: a
 * v1 (or hybrid) root with one directory per controller, or a cgroup2 root.
 *
 * @module
 */

/** The v1 controller directories the fixture makes. */
export const FAKE_V1 = [
  "cpu",
  "cpuacct",
  "cpuset",
  "memory",
  "devices",
  "freezer",
  "pids",
  "blkio",
  "hugetlb",
  "net_cls",
  "net_prio",
  "rdma",
  "systemd",
];

/** A temp cgroup root, removed by dispose. */
export interface FakeRoot {
  root: string;
  dispose(): void;
}

/**
 * A v1 root (hybrid with `unified`), each controller with cgroup.procs and
 * cpuset with cpus and mems.
 */
export function fakeV1(hybrid = false): FakeRoot {
  const root = Deno.makeTempDirSync({ prefix: "cg-v1-" });
  for (const c of FAKE_V1) {
    Deno.mkdirSync(`${root}/${c}`);
    Deno.writeTextFileSync(`${root}/${c}/cgroup.procs`, "");
  }
  Deno.writeTextFileSync(`${root}/cpuset/cpuset.cpus`, "0-3\n");
  Deno.writeTextFileSync(`${root}/cpuset/cpuset.mems`, "0\n");
  if (hybrid) {
    Deno.mkdirSync(`${root}/unified`);
    Deno.writeTextFileSync(`${root}/unified/cgroup.controllers`, "");
  }
  return { root, dispose: () => Deno.removeSync(root, { recursive: true }) };
}

/** A cgroup2 root offering the given controllers. */
export function fakeV2(controllers = "cpuset cpu io memory hugetlb pids rdma"): FakeRoot {
  const root = Deno.makeTempDirSync({ prefix: "cg-v2-" });
  Deno.writeTextFileSync(`${root}/cgroup.controllers`, `${controllers}\n`);
  Deno.writeTextFileSync(`${root}/cgroup.procs`, "");
  return { root, dispose: () => Deno.removeSync(root, { recursive: true }) };
}

/** Reads a file of the fixture, trimmed. */
export function read(path: string): string {
  return Deno.readTextFileSync(path).trim();
}
