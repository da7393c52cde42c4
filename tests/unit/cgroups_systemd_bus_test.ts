// The systemd driver's manager over a real dbus-daemon, against a stand-in
// for systemd's manager (org.freedesktop.systemd1) served by a second
// connection: it records the calls, makes and removes the unit's directory
// in a temp hierarchy as systemd would, and answers with jobs whose
// JobRemoved signal the manager waits for. (A real systemd runs in
// tests/integration/systemd_test.ts, where one is PID 1.)
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_assert.ts";
import { noDaemonReason, type PrivateBus, startBus } from "./_dbus_daemon.ts";
import { fakeV1, fakeV2, read } from "./_cgroup_fixture.ts";
import { DBusConnection, DBusError, type Signal } from "../../core/dbus/connection.ts";
import type { Variant } from "../../core/dbus/marshal.ts";
import { newSystemdManager, reopenSystemdManager } from "../../core/cgroups/systemd/manager.ts";
import type { Property } from "../../core/cgroups/systemd/annotations.ts";
import { Systemd } from "../../core/cgroups/systemd/bus.ts";

const reason = noDaemonReason();
if (reason) console.log(`cgroups_systemd_bus_test: skipped: ${reason}`);
const ignore = reason !== undefined;

const MANAGER = "org.freedesktop.systemd1.Manager";

interface FakeSystemd {
  calls: { member: string; body: unknown[] }[];
  /** What StartTransientUnit does with a unit: the directories it makes. */
  dirsOf: (unit: string) => string[];
  /** The job result to report (default `done`), or "never" for no JobRemoved. */
  result: string;
  close(): void;
}

async function fakeSystemd(
  bus: PrivateBus,
  dirsOf: (unit: string) => string[],
): Promise<FakeSystemd> {
  const c = await DBusConnection.open(bus.address);
  const [r] = await c.call({
    destination: "org.freedesktop.DBus",
    path: "/org/freedesktop/DBus",
    interface: "org.freedesktop.DBus",
    member: "RequestName",
    signature: "su",
    body: ["org.freedesktop.systemd1", 0],
  });
  assertEquals(r, 1);
  let jobId = 0;
  const units = new Set<string>();
  const fake: FakeSystemd = { calls: [], dirsOf, result: "done", close: () => c.close() };
  const job = (unit: string) => {
    const id = ++jobId;
    const path = `/org/freedesktop/systemd1/job/${id}`;
    if (fake.result !== "never") {
      // After the reply, as systemd runs its jobs from its event loop.
      setTimeout(() =>
        c.emit({
          path: "/org/freedesktop/systemd1",
          interface: MANAGER,
          member: "JobRemoved",
          signature: "uoss",
          body: [id, path, unit, fake.result],
        }), 5);
    }
    return { signature: "o", body: [path] };
  };
  c.serve((s: Signal) => {
    fake.calls.push({ member: s.member ?? "", body: s.body });
    if (s.interface === "org.freedesktop.DBus.Properties" && s.member === "Get") {
      const name = s.body[1] as string;
      const values: Record<string, Variant> = {
        Version: { sig: "s", value: "252.22-1~deb12u1" },
        ControlGroup: { sig: "s", value: "/user.slice/user-1000.slice/user@1000.service" },
      };
      const v = values[name];
      if (!v) throw new DBusError("org.freedesktop.DBus.Error.UnknownProperty", `no ${name}`);
      return { signature: "v", body: [v] };
    }
    const unit = s.body[0] as string;
    switch (s.member) {
      case "StartTransientUnit":
        if (units.has(unit)) {
          throw new DBusError(
            "org.freedesktop.systemd1.UnitExists",
            `Unit ${unit} already exists.`,
          );
        }
        units.add(unit);
        for (const d of dirsOf(unit)) Deno.mkdirSync(d, { recursive: true });
        return job(unit);
      case "StopUnit":
        if (!units.delete(unit)) {
          throw new DBusError("org.freedesktop.systemd1.NoSuchUnit", `Unit ${unit} not loaded.`);
        }
        for (const d of dirsOf(unit)) Deno.removeSync(d, { recursive: true });
        return job(unit);
      case "SetUnitProperties":
        if (!units.has(unit)) {
          throw new DBusError("org.freedesktop.systemd1.NoSuchUnit", `Unit ${unit} not loaded.`);
        }
        return {};
      case "ResetFailedUnit":
        return {};
    }
    throw new DBusError("org.freedesktop.DBus.Error.UnknownMethod", `Unknown method ${s.member}`);
  });
  return fake;
}

const props = (body: unknown[]) =>
  Object.fromEntries((body as Property[]).map(([n, v]) => [n, v.value]));

Deno.test({ name: "systemd driver on v2: start, set, reopen, update, stop", ignore }, async () => {
  const bus = await startBus();
  const cg = fakeV2();
  const dir = `${cg.root}/runc.slice/runc-it.slice/runc-it-c1.scope`;
  const sd = await fakeSystemd(bus, () => [dir]);
  try {
    const m = await newSystemdManager({
      id: "c1",
      cgroupsPath: "runc-it.slice:runc-it:c1",
      annotations: { "org.systemd.property.CollectMode": "'inactive-or-failed'" },
      root: cg.root,
      mode: "unified",
      bus: { systemAddress: bus.address },
    });
    assertEquals(m.systemd, {
      parent: "runc-it.slice",
      scope_prefix: "runc-it",
      name: "c1",
      unit: "runc-it-c1.scope",
      rootless: false,
    });
    assertEquals(m.paths(), { "": dir });
    m.create();
    assert(!m.exists(), "systemd makes the directory, not create");
    await m.apply(4242);
    assert(m.exists(), "the unit's directory");
    const start = sd.calls.find((c) => c.member === "StartTransientUnit")!;
    assertEquals(start.body[0], "runc-it-c1.scope");
    assertEquals(start.body[1], "replace");
    assertEquals(props(start.body[2] as unknown[]), {
      Description: "libcontainer container c1",
      Slice: "runc-it.slice",
      Delegate: true,
      PIDs: [4242],
      MemoryAccounting: true,
      CPUAccounting: true,
      IOAccounting: true,
      TasksAccounting: true,
      DefaultDependencies: false,
      CollectMode: "inactive-or-failed",
    });
    await m.set({
      memory: { limit: 64 * 1024 * 1024 },
      pids: { limit: 20 },
      cpu: { shares: 1024, period: 50000 },
    });
    const set = sd.calls.filter((c) => c.member === "SetUnitProperties").at(-1)!;
    assertEquals(set.body[1], true, "runtime");
    assertEquals(props(set.body[2] as unknown[]), {
      MemoryMax: 67108864n,
      CPUWeight: 39n,
      CPUQuotaPeriodUSec: 50000n,
      CPUQuotaPerSecUSec: 2n ** 64n - 1n,
      TasksMax: 20n,
    });
    // Then the files, as runc's fs2 manager writes them.
    assertEquals(read(`${dir}/memory.max`), "67108864");
    assertEquals(read(`${dir}/pids.max`), "20");
    assertEquals(read(`${dir}/cpu.max`), "max 50000");
    // A later command (update) reopens it from state.json's record.
    const again = reopenSystemdManager(m.paths(), m.systemd, {
      root: cg.root,
      bus: { systemAddress: bus.address },
    });
    await again.set({ memory: { limit: 32 * 1024 * 1024 } });
    assertEquals(props(sd.calls.at(-1)!.body[2] as unknown[]), { MemoryMax: 33554432n });
    assertEquals(read(`${dir}/memory.max`), "33554432");
    // Nothing systemd has a property for: the bus is not asked.
    const n = sd.calls.length;
    await again.set({ hugepageLimits: [] });
    assertEquals(sd.calls.length, n);
    await again.destroy();
    assert(!again.exists(), "the scope's directory is gone");
    assert(sd.calls.some((c) => c.member === "StopUnit" && c.body[0] === "runc-it-c1.scope"));
    // The slice stays (systemd's, and other containers may be in it).
    assert(Deno.statSync(`${cg.root}/runc.slice/runc-it.slice`).isDirectory);
    // A second stop (the unit is gone) is no error, as in runc.
    await again.destroy();
  } finally {
    sd.close();
    await bus.dispose();
    cg.dispose();
  }
});

Deno.test({
  name: "systemd driver on v1: the scope in systemd's hierarchies, the rest joined by hand",
  ignore,
}, async () => {
  const bus = await startBus();
  const cg = fakeV1(true);
  const managed = ["cpu", "cpuacct", "memory", "devices", "pids", "blkio", "systemd", "unified"];
  const sd = await fakeSystemd(
    bus,
    (unit) => managed.map((c) => `${cg.root}/${c}/system.slice/${unit}`),
  );
  try {
    const m = await newSystemdManager({
      id: "c2",
      root: cg.root,
      mode: "hybrid",
      bus: { systemAddress: bus.address },
      init: new Map([["name=systemd", "/init.scope"], ["", "/init.scope"]]),
    });
    assertEquals(m.systemd?.unit, "runc-c2.scope");
    const paths = m.paths();
    assertEquals(paths["memory"], `${cg.root}/memory/system.slice/runc-c2.scope`);
    assertEquals(paths["name=systemd"], `${cg.root}/systemd/system.slice/runc-c2.scope`);
    assertEquals(paths[""], `${cg.root}/unified/system.slice/runc-c2.scope`);
    await m.apply(4343);
    const start = sd.calls.find((c) => c.member === "StartTransientUnit")!;
    const p = props(start.body[2] as unknown[]);
    assertEquals([p["Slice"], p["BlockIOAccounting"], p["IOAccounting"]], [
      "system.slice",
      true,
      undefined,
    ]);
    // freezer and cpuset are not systemd's: made and joined (cpuset's cpus copied from the parent).
    const freezer = `${cg.root}/freezer/system.slice/runc-c2.scope`;
    assertEquals(read(`${freezer}/cgroup.procs`), "4343");
    assertEquals(read(`${cg.root}/cpuset/system.slice/runc-c2.scope/cpuset.cpus`), "0-3");
    await m.set({ memory: { limit: 1000000 }, blockIO: { weight: 300 } });
    assertEquals(props(sd.calls.at(-1)!.body[2] as unknown[]), {
      MemoryLimit: 1000000n,
      BlockIOWeight: 300n,
    });
    assertEquals(read(`${paths["memory"]}/memory.limit_in_bytes`), "1000000");
    // The freezer went FROZEN and back around SetUnitProperties (runc's freezeBeforeSet).
    assertEquals(read(`${freezer}/freezer.state`), "THAWED");
    // On a fake hierarchy rmdir needs empty directories: the files go first.
    for (const c of ["cpuset", "freezer", "hugetlb", "net_cls", "net_prio", "rdma"]) {
      const d = `${cg.root}/${c}/system.slice/runc-c2.scope`;
      for (const e of Deno.readDirSync(d)) Deno.removeSync(`${d}/${e.name}`);
    }
    await m.destroy();
    for (const d of Object.values(paths)) assert(!m.exists() && !exists(d), `${d} left`);
  } finally {
    sd.close();
    await bus.dispose();
    cg.dispose();
  }
});

function exists(p: string): boolean {
  try {
    Deno.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "systemd driver: a failed job and a job that never ends are clear errors",
  ignore,
}, async () => {
  const bus = await startBus();
  const cg = fakeV2();
  const sd = await fakeSystemd(bus, () => []);
  try {
    const m = await newSystemdManager({
      id: "c3",
      root: cg.root,
      mode: "unified",
      bus: { systemAddress: bus.address },
    });
    sd.result = "failed";
    const e = await assertRejects(() => m.apply(1));
    assertStringIncludes(
      e.message,
      'unable to start unit "runc-c3.scope" (properties [{Name:Description',
    );
    assertStringIncludes(e.message, "error creating systemd unit `runc-c3.scope`: got `failed`");
    assert(sd.calls.some((c) => c.member === "ResetFailedUnit"), "the failed unit is reset");
    // No JobRemoved at all: runc's timeout error (30 s in use; shortened here).
    sd.result = "never";
    const conn = await Systemd.connect(false, { systemAddress: bus.address });
    try {
      await assertRejects(
        () => conn.startUnit("runc-c8.scope", [], 300),
        "Timeout waiting for systemd to create runc-c8.scope",
      );
      await assertRejects(
        () => conn.stopUnit("runc-c8.scope", () => {}, 300),
        "Timed out while waiting for systemd to remove runc-c8.scope",
      );
    } finally {
      conn.close();
    }
  } finally {
    sd.close();
    await bus.dispose();
    cg.dispose();
  }
});

Deno.test({
  name: "systemd driver: rootless asks the user's manager for its cgroup; a missing bus is named",
  ignore,
}, async () => {
  const bus = await startBus();
  const cg = fakeV2();
  const sd = await fakeSystemd(bus, () => []);
  try {
    const m = await newSystemdManager({
      id: "c4",
      rootless: true,
      root: cg.root,
      mode: "unified",
      bus: { userAddress: bus.address },
    });
    assertEquals(m.paths(), {
      "": `${cg.root}/user.slice/user-1000.slice/user@1000.service/user.slice/runc-c4.scope`,
    });
    await assertRejects(
      () => newSystemdManager({ id: "c5", rootless: true, root: cg.root, mode: "hybrid" }),
      "cannot use rootless systemd cgroups manager on cgroup v1",
    );
    const e = await assertRejects(() =>
      newSystemdManager({
        id: "c6",
        rootless: true,
        root: cg.root,
        mode: "unified",
        bus: { userAddress: "unix:path=/nonexistent/bus" },
      })
    );
    assertStringIncludes(e.message, "failed to connect to dbus (hint: for rootless containers");
    assertStringIncludes(
      e.message,
      'error while dialing "unix:path=/nonexistent/bus": dial unix /nonexistent/bus: connect: no such file or directory',
    );
    // Root: no system bus and no private socket.
    const root = await newSystemdManager({
      id: "c7",
      root: cg.root,
      mode: "unified",
      bus: {
        systemAddress: "unix:path=/nonexistent/system_bus_socket",
        privateAddress: "unix:path=/nonexistent/private",
      },
    });
    const e2 = await assertRejects(() => root.apply(1));
    assertStringIncludes(e2.message, 'unable to start unit "runc-c7.scope"');
    assertStringIncludes(
      e2.message,
      "dial unix /nonexistent/private: connect: no such file or directory",
    );
    // Nothing was made, and destroy (delete) does not need the bus.
    await root.destroy();
  } finally {
    sd.close();
    await bus.dispose();
    cg.dispose();
  }
});
