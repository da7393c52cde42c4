/**
 * A container's set-up (core/container/setup.ts) on a temp state root and a
 * temp cgroup hierarchy: recorded before anything is made, undone whole on a
 * failure, and what a killed CLI leaves removed by delete's cleanup.
 */
import { ContainerSetup, CREATING_FILE, removeUnfinished } from "../../core/container/setup.ts";
import { defaultSpec } from "../../core/spec/template.ts";
import type { ContainerState } from "../../core/state/state.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { fakeV1 } from "./_cgroup_fixture.ts";
import { fakeSys } from "./_fake_sys.ts";
import type { Sys } from "../../core/os/sys.ts";

const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};

function withFixture(fn: (f: { root: string; cgroups: string }) => Promise<void> | void) {
  return async () => {
    const cg = fakeV1();
    const root = Deno.makeTempDirSync({ prefix: "setup-root-" });
    try {
      await fn({ root: `${root}/runc`, cgroups: cg.root });
    } finally {
      cg.dispose();
      Deno.removeSync(root, { recursive: true });
    }
  };
}

/** Removes the files a cgroup dir holds: on cgroupfs they are not files, and rmdir takes them. */
function asCgroupfs(dir: string): void {
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile) Deno.removeSync(`${dir}/${e.name}`);
    else if (e.isDirectory) asCgroupfs(`${dir}/${e.name}`);
  }
}

/** Begins the set-up of c1 under root, its cgroups in the temp hierarchy. */
function begin(sys: Sys, root: string, cgroups: string): Promise<ContainerSetup> {
  return ContainerSetup.begin(sys, {
    root,
    id: "c1",
    spec: spec(),
    rootlessCgroups: false,
    cgroupRoot: cgroups,
  });
}

function spec() {
  const s = defaultSpec({ rootless: false });
  s.linux!.cgroupsPath = "/it/c1";
  return s;
}

Deno.test(
  "the set-up is recorded (cgroups named) before they are made, then replaced by state.json",
  withFixture(async ({ root, cgroups }) => {
    const { sys } = fakeSys([]);
    const setup = await begin(sys, root, cgroups);
    const creating = JSON.parse(Deno.readTextFileSync(`${setup.dir}/${CREATING_FILE}`));
    assertEquals(creating.cgroupPaths.pids, `${cgroups}/pids/it/c1`);
    assert(!exists(`${cgroups}/pids/it/c1`), "recorded, not made yet");
    assertEquals(Deno.statSync(root).mode! & 0o777, 0o700);
    // A second one with the same id is refused, and the first left alone.
    await assertRejects(
      () => begin(sys, root, cgroups),
      "container with id exists: c1",
    );
    setup.cgroups.create();
    await setup.record({ id: "c1", initPid: 7 } as ContainerState);
    assert(exists(`${setup.dir}/state.json`) && !exists(`${setup.dir}/${CREATING_FILE}`));
  }),
);

Deno.test(
  "abort kills the init, removes the cgroups and the state directory",
  withFixture(async ({ root, cgroups }) => {
    const { sys, log } = fakeSys([]);
    const setup = await begin(sys, root, cgroups);
    setup.cgroups.create();
    assert(exists(`${cgroups}/memory/it/c1`));
    asCgroupfs(cgroups);
    await setup.abort(1234);
    assertEquals(log.killed, [[1234, 9]]);
    for (const c of ["memory", "cpuset", "pids"]) {
      assert(!exists(`${cgroups}/${c}/it/c1`), `${c} left`);
    }
    assert(!exists(setup.dir), "state directory left");
  }),
);

Deno.test(
  "what a killed create left (the record, the cgroups) is removed whole",
  withFixture(async ({ root, cgroups }) => {
    const { sys } = fakeSys([]);
    const setup = await begin(sys, root, cgroups);
    setup.cgroups.create();
    asCgroupfs(cgroups);
    // The CLI dies here: no state.json. delete --force finds the record.
    await removeUnfinished(sys, setup.dir);
    for (const c of ["memory", "cpuset", "pids"]) {
      assert(!exists(`${cgroups}/${c}/it/c1`), `${c} left`);
    }
    assert(!exists(setup.dir), "state directory left");
    // A directory with no record at all (killed before it was written) goes too.
    Deno.mkdirSync(`${root}/c2`);
    await removeUnfinished(sys, `${root}/c2`);
    assert(!exists(`${root}/c2`));
  }),
);

Deno.test(
  "a create killed half-way through the cgroups (no devices cgroup yet, its stub in one) is removed whole",
  withFixture(async ({ root, cgroups }) => {
    const { sys, log } = fakeSys([]);
    const setup = await begin(sys, root, cgroups);
    // Killed after the first hierarchies were made, before devices (which
    // delete reads pids from), with the stub moved into blkio alone.
    const paths = setup.cgroups.paths();
    for (const c of ["blkio", "cpu"]) Deno.mkdirSync(paths[c]!, { recursive: true });
    const procs = `${paths["blkio"]}/cgroup.procs`;
    Deno.writeTextFileSync(procs, "4321\n");
    // The kill empties the cgroup, as the kernel would once the stub is gone.
    const killing: Sys = {
      ...sys,
      kill: (pid, sig) => {
        sys.kill(pid, sig);
        Deno.removeSync(procs);
      },
    };
    await removeUnfinished(killing, setup.dir);
    assertEquals(log.killed, [[4321, 9]]);
    for (const c of ["blkio", "cpu"]) assert(!exists(paths[c]!), `${c} left`);
    assert(!exists(setup.dir), "state directory left");
  }),
);

Deno.test(
  "a killed create in a cgroup that was there before leaves that cgroup and its processes alone",
  withFixture(async ({ root, cgroups }) => {
    const { sys, log } = fakeSys([]);
    // Made, with a process in it, before the container's set-up began.
    Deno.mkdirSync(`${cgroups}/pids/it/c1`, { recursive: true });
    Deno.writeTextFileSync(`${cgroups}/pids/it/c1/cgroup.procs`, "999\n");
    Deno.mkdirSync(`${cgroups}/devices/it/c1`, { recursive: true });
    Deno.writeTextFileSync(`${cgroups}/devices/it/c1/cgroup.procs`, "999\n");
    const setup = await begin(sys, root, cgroups);
    await removeUnfinished(sys, setup.dir);
    assertEquals(log.killed, []);
    assert(exists(`${cgroups}/pids/it/c1`), "the cgroup that was there is gone");
    assert(!exists(setup.dir), "state directory left");
  }),
);

Deno.test(
  "the container's own Intel RDT group is recorded, and removed by abort and by delete's clean-up",
  withFixture(async ({ root, cgroups }) => {
    const { sys } = fakeSys([]);
    const group = `${root}-resctrl/c1`;
    const beginRdt = () =>
      ContainerSetup.begin(sys, {
        root,
        id: "c1",
        spec: spec(),
        rootlessCgroups: false,
        cgroupRoot: cgroups,
        intelRdtPath: group,
      });
    try {
      let setup = await beginRdt();
      const creating = JSON.parse(Deno.readTextFileSync(`${setup.dir}/${CREATING_FILE}`));
      assertEquals(creating.intelRdtPath, group);
      Deno.mkdirSync(group, { recursive: true });
      Deno.writeTextFileSync(`${group}/tasks`, "1234\n");
      await setup.abort(0);
      assert(!exists(group), "abort left the group");
      // Killed after the group was made: delete --force's clean-up removes it.
      setup = await beginRdt();
      Deno.mkdirSync(group);
      await removeUnfinished(sys, setup.dir);
      assert(!exists(group), "the clean-up left the group");
      assert(!exists(setup.dir));
    } finally {
      Deno.removeSync(`${root}-resctrl`, { recursive: true });
    }
  }),
);
