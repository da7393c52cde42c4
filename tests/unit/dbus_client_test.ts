// The D-Bus client against a real dbus-daemon (a private session-type bus).
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_assert.ts";
import { noDaemonReason, startBus } from "./_dbus_daemon.ts";
import { DBusConnection, DBusError } from "../../core/dbus/connection.ts";
import type { Variant } from "../../core/dbus/marshal.ts";

const reason = noDaemonReason();
if (reason) console.log(`dbus_client_test: skipped: ${reason}`);
const ignore = reason !== undefined;

const BUS = {
  destination: "org.freedesktop.DBus",
  path: "/org/freedesktop/DBus",
  interface: "org.freedesktop.DBus",
};

Deno.test({ name: "dbus: auth, Hello, GetId, ListNames, NameHasOwner", ignore }, async () => {
  const bus = await startBus();
  const c = await DBusConnection.open(bus.address);
  try {
    assert(/^:\d+\.\d+$/.test(c.uniqueName), `unique name ${c.uniqueName}`);
    const [id] = await c.call({ ...BUS, member: "GetId" });
    assert(/^[0-9a-f]{32}$/.test(id as string), `bus id ${id}`);
    const [names] = await c.call({ ...BUS, member: "ListNames" });
    assert((names as string[]).includes("org.freedesktop.DBus"));
    assert((names as string[]).includes(c.uniqueName), "our unique name is listed");
    const [has] = await c.call({
      ...BUS,
      member: "NameHasOwner",
      signature: "s",
      body: [c.uniqueName],
    });
    assertEquals(has, true);
    const [none] = await c.call({
      ...BUS,
      member: "NameHasOwner",
      signature: "s",
      body: ["org.example.Nobody"],
    });
    assertEquals(none, false);
  } finally {
    c.close();
    await bus.dispose();
  }
});

Deno.test({
  name: "dbus: an unknown method is a DBusError with the bus's name and message",
  ignore,
}, async () => {
  const bus = await startBus();
  const c = await DBusConnection.open(bus.address);
  try {
    const e = await assertRejects(() => c.call({ ...BUS, member: "NoSuchMethod" }));
    assert(e instanceof DBusError);
    assertEquals(e.errorName, "org.freedesktop.DBus.Error.UnknownMethod");
    assertStringIncludes(e.message, "NoSuchMethod");
    assertStringIncludes(e.message, "org.freedesktop.DBus.Error.UnknownMethod: ");
    // A wrong argument type: the daemon's InvalidArgs.
    const e2 = await assertRejects(() =>
      c.call({ ...BUS, member: "NameHasOwner", signature: "u", body: [5] })
    );
    assert(e2 instanceof DBusError);
    assertEquals(e2.errorName, "org.freedesktop.DBus.Error.InvalidArgs");
    // The connection is still good afterwards.
    const [id] = await c.call({ ...BUS, member: "GetId" });
    assertEquals(typeof id, "string");
  } finally {
    c.close();
    await bus.dispose();
  }
});

Deno.test({ name: "dbus: RequestName and the NameOwnerChanged signal", ignore }, async () => {
  const bus = await startBus();
  const a = await DBusConnection.open(bus.address);
  const b = await DBusConnection.open(bus.address);
  try {
    await a.addMatch(
      "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.example.Test'",
    );
    const seen = a.waitSignal(
      (s) => s.member === "NameOwnerChanged" ? s : undefined,
      5000,
      "NameOwnerChanged",
    );
    const [r] = await b.call({
      ...BUS,
      member: "RequestName",
      signature: "su",
      body: ["org.example.Test", 0],
    });
    assertEquals(r, 1); // DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER
    const s = await seen;
    assertEquals(s.interface, "org.freedesktop.DBus");
    assertEquals(s.signature, "sss");
    assertEquals(s.body, ["org.example.Test", "", b.uniqueName]);
    const [owner] = await a.call({
      ...BUS,
      member: "GetNameOwner",
      signature: "s",
      body: ["org.example.Test"],
    });
    assertEquals(owner, b.uniqueName);
  } finally {
    a.close();
    b.close();
    await bus.dispose();
  }
});

Deno.test({ name: "dbus: Introspectable and Properties of the bus", ignore }, async () => {
  const bus = await startBus();
  const c = await DBusConnection.open(bus.address);
  try {
    const [xml] = await c.call({
      ...BUS,
      interface: "org.freedesktop.DBus.Introspectable",
      member: "Introspect",
    });
    assertStringIncludes(xml as string, '<interface name="org.freedesktop.DBus">');
    const [features] = await c.call({
      ...BUS,
      interface: "org.freedesktop.DBus.Properties",
      member: "Get",
      signature: "ss",
      body: ["org.freedesktop.DBus", "Features"],
    });
    assertEquals((features as Variant).sig, "as");
    assert(Array.isArray((features as Variant).value));
    const [all] = await c.call({
      ...BUS,
      interface: "org.freedesktop.DBus.Properties",
      member: "GetAll",
      signature: "s",
      body: ["org.freedesktop.DBus"],
    });
    const keys = (all as [string, Variant][]).map(([k]) => k);
    assert(keys.includes("Features") && keys.includes("Interfaces"), `keys ${keys}`);
  } finally {
    c.close();
    await bus.dispose();
  }
});

Deno.test(
  { name: "dbus: a message to ourselves round-trips every type the driver uses", ignore },
  async () => {
    // A signal we emit comes back to us through the daemon when we match it:
    // its body went through our encoder, the daemon's validation, and our decoder.
    const bus = await startBus();
    const c = await DBusConnection.open(bus.address);
    try {
      await c.addMatch("type='signal',interface='org.example.Echo'");
      const sig = "sobuyxtiasaya(sv)a(sa(sv))vd";
      const body = [
        "unit.scope",
        "/org/freedesktop/systemd1/job/42",
        true,
        4294967295,
        255,
        -(2n ** 63n),
        2n ** 64n - 1n,
        -7,
        ["a", "", "ü"],
        new Uint8Array([1, 0, 255]),
        [["Delegate", { sig: "b", value: true }], ["PIDs", { sig: "au", value: [1, 2] }]],
        [["x.scope", [["TasksMax", { sig: "t", value: 10n }]]]],
        { sig: "a(ss)", value: [["/dev/null", "rwm"]] },
        1.5,
      ];
      const got = c.waitSignal(
        (s) => s.interface === "org.example.Echo" ? s : undefined,
        5000,
        "echo",
      );
      const e = await DBusConnection.open(bus.address);
      try {
        await e.emit({
          path: "/org/example/Echo",
          interface: "org.example.Echo",
          member: "Echo",
          signature: sig,
          body,
        });
        const s = await got;
        assertEquals(s.signature, sig);
        assertEquals(s.body, body);
      } finally {
        e.close();
      }
    } finally {
      c.close();
      await bus.dispose();
    }
  },
);

Deno.test(
  { name: "dbus: a missing socket and a refused uid are clear errors", ignore },
  async () => {
    const e = await assertRejects(() => DBusConnection.open("unix:path=/nonexistent/bus"));
    assertStringIncludes(
      e.message,
      "dial unix /nonexistent/bus: connect: no such file or directory",
    );
    const bus = await startBus();
    try {
      // The daemon checks the claimed uid against the socket's credentials.
      const e2 = await assertRejects(() => DBusConnection.open(bus.address, { uid: 4242 }));
      assertStringIncludes(e2.message, "authentication as uid 4242 refused");
    } finally {
      await bus.dispose();
    }
  },
);
