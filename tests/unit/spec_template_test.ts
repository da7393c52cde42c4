import { assert, assertEquals } from "./_assert.ts";
import { defaultSpec } from "../../core/spec/template.ts";
import { decodeSpec } from "../../core/spec/decode.ts";

const RUNC = "/usr/bin/runc";
const haveRunc = (() => {
  try {
    return Deno.statSync(RUNC).isFile;
  } catch {
    return false;
  }
})();

/** Runs `runc spec [args]` in a fresh temp dir and returns the file's bytes as text. */
async function runcSpec(args: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "spec_template_" });
  try {
    const out = await new Deno.Command(RUNC, { args: ["spec", ...args], cwd: dir }).output();
    assert(out.success, `runc spec failed: ${new TextDecoder().decode(out.stderr)}`);
    return await Deno.readTextFile(`${dir}/config.json`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const refSkip = (missing: boolean) =>
  missing ? " (skipped: needs Debian's runc 1.1.5 at /usr/bin/runc as the reference)" : "";

Deno.test({
  name: `defaultSpec matches \`runc spec\` byte for byte${refSkip(!haveRunc)}`,
  ignore: !haveRunc,
  async fn() {
    const expected = await runcSpec([]);
    assert(!expected.endsWith("\n"), "runc's config.json has no trailing newline");
    assertEquals(JSON.stringify(defaultSpec({ rootless: false }), null, "\t"), expected);
  },
});

Deno.test({
  name: `defaultSpec rootless matches \`runc spec --rootless\` byte for byte${refSkip(!haveRunc)}`,
  ignore: !haveRunc,
  async fn() {
    const expected = await runcSpec(["--rootless"]);
    assertEquals(JSON.stringify(defaultSpec({ rootless: true }), null, "\t"), expected);
  },
});

Deno.test("defaultSpec: the plain spec's shape", () => {
  const spec = defaultSpec({ rootless: false });
  assertEquals(spec.ociVersion, "1.0.2-dev");
  assertEquals(spec.process?.args, ["sh"]);
  assertEquals(spec.linux?.namespaces?.map((n) => n.type), [
    "pid",
    "network",
    "ipc",
    "uts",
    "mount",
  ]);
  assertEquals(spec.linux?.resources, { devices: [{ allow: false, access: "rwm" }] });
  assertEquals(Object.keys(spec), ["ociVersion", "process", "root", "hostname", "mounts", "linux"]);
});

Deno.test("defaultSpec: rootless changes", () => {
  const spec = defaultSpec({ rootless: true, hostUid: 1000, hostGid: 1001 });
  const linux = spec.linux!;
  assertEquals(Object.keys(linux), [
    "uidMappings",
    "gidMappings",
    "namespaces",
    "maskedPaths",
    "readonlyPaths",
  ]);
  assertEquals(linux.uidMappings, [{ containerID: 0, hostID: 1000, size: 1 }]);
  assertEquals(linux.gidMappings, [{ containerID: 0, hostID: 1001, size: 1 }]);
  assertEquals(linux.namespaces?.map((n) => n.type), ["pid", "ipc", "uts", "mount", "user"]);
  assertEquals(linux.resources, undefined);
  const sys = spec.mounts?.find((m) => m.destination === "/sys");
  assertEquals(sys, {
    destination: "/sys",
    type: "none",
    source: "/sys",
    options: ["rbind", "nosuid", "noexec", "nodev", "ro"],
  });
  const pts = spec.mounts?.find((m) => m.destination === "/dev/pts");
  assert(!pts?.options?.some((o) => o.startsWith("gid=")), "gid= removed");
});

Deno.test("defaultSpec returns a fresh object each call", () => {
  const a = defaultSpec({ rootless: false });
  a.process!.args!.push("x");
  assertEquals(defaultSpec({ rootless: false }).process?.args, ["sh"]);
});

Deno.test("defaultSpec round-trips through decodeSpec unchanged", () => {
  for (const rootless of [false, true]) {
    const spec = defaultSpec({ rootless, hostUid: 0, hostGid: 0 });
    const text = JSON.stringify(spec, null, "\t");
    assertEquals(JSON.stringify(decodeSpec(text), null, "\t"), text);
  }
});

Deno.test("defaultSpec: a cgroup namespace on a cgroup v2 host, before the rootless user namespace", () => {
  const types = (s: ReturnType<typeof defaultSpec>) => s.linux!.namespaces!.map((n) => n.type);
  assertEquals(types(defaultSpec({ rootless: false, cgroupNamespace: true })), [
    "pid",
    "network",
    "ipc",
    "uts",
    "mount",
    "cgroup",
  ]);
  assertEquals(
    types(defaultSpec({ rootless: true, hostUid: 1000, hostGid: 1000, cgroupNamespace: true })),
    ["pid", "ipc", "uts", "mount", "cgroup", "user"],
  );
  assertEquals(types(defaultSpec({ rootless: false })), ["pid", "network", "ipc", "uts", "mount"]);
});
