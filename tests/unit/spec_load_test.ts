import { assert, assertEquals, assertRejects, assertThrows } from "./_assert.ts";
import { loadSpec, loadSpecWithWarnings, MAX_SPEC_SIZE } from "../../core/spec/load.ts";
import { decodeProcess, decodeSpec } from "../../core/spec/decode.ts";
import { SpecError } from "../../core/spec/errors.ts";
import { defaultSpec } from "../../core/spec/template.ts";

/** Runs fn with a temp bundle holding config.json = text (if given) and rootfs/. */
async function withBundle(
  text: string | undefined,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "spec_load_" });
  try {
    await Deno.mkdir(`${dir}/rootfs`);
    if (text !== undefined) await Deno.writeTextFile(`${dir}/config.json`, text);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function loadError(text: string | undefined): Promise<SpecError> {
  let err: Error | undefined;
  await withBundle(text, async (dir) => {
    err = await assertRejects(() => loadSpec(dir));
  });
  assert(err instanceof SpecError, `expected a SpecError, got ${err}`);
  return err;
}

Deno.test("loadSpec: missing config.json has runc's message", async () => {
  const err = await loadError(undefined);
  assertEquals(err.message, "JSON specification file config.json not found");
});

Deno.test("loadSpec: null is refused without a crash", async () => {
  assertEquals((await loadError("null")).message, "config cannot be null");
});

Deno.test("loadSpec: non-object top levels have Go's message", async () => {
  for (
    const [text, what] of [["[]", "array"], ["5", "number"], ['"x"', "string"], ["true", "bool"]]
  ) {
    assertEquals(
      (await loadError(text!)).message,
      `json: cannot unmarshal ${what} into Go value of type specs.Spec`,
    );
  }
});

Deno.test("loadSpec: bad JSON names the file", async () => {
  for (const text of ["", "{", '{"process": }', "{} junk"]) {
    const err = await loadError(text);
    assert(err.message.startsWith("invalid JSON in config.json: "), err.message);
  }
});

Deno.test("loadSpec: a huge file is refused with a clear error", async () => {
  const big = `{"ociVersion": "1.0.2", "hostname": "${"x".repeat(MAX_SPEC_SIZE)}"}`;
  const err = await loadError(big);
  assertEquals(err.message, `config.json is too large: more than ${MAX_SPEC_SIZE} bytes`);
});

Deno.test("loadSpec: config.json that is a directory", async () => {
  await withBundle(undefined, async (dir) => {
    await Deno.mkdir(`${dir}/config.json`);
    const err = await assertRejects(() => loadSpec(dir));
    assert(err instanceof SpecError);
    assertEquals(err.message, "read config.json: is a directory");
  });
});

Deno.test("loadSpec: missing bundle directory", async () => {
  const err = await assertRejects(() => loadSpec("/nonexistent-bundle-dir"));
  assert(err instanceof SpecError);
  assertEquals(err.message, "chdir /nonexistent-bundle-dir: no such file or directory");
});

Deno.test("loadSpec: process checks come first, with runc's messages", async () => {
  assertEquals((await loadError("{}")).message, "process property must not be empty");
  assertEquals(
    (await loadError('{"process": {}}')).message,
    "Cwd property must not be empty",
  );
  assertEquals(
    (await loadError('{"process": {"cwd": "a"}}')).message,
    "Cwd must be an absolute path",
  );
  assertEquals((await loadError('{"process": {"cwd": "/"}}')).message, "args must not be empty");
  assertEquals(
    (await loadError('{"process": {"cwd": "/", "args": ["sh"]}}')).message,
    "root must be specified",
  );
});

Deno.test("loadSpec: the default spec loads, with its warnings returned", async () => {
  const spec = defaultSpec({ rootless: false });
  spec.mounts!.push({ destination: "rel", type: "tmpfs", source: "tmpfs" });
  await withBundle(JSON.stringify(spec), async (dir) => {
    const seen: string[] = [];
    const loaded = await loadSpec(dir, { onWarning: (w) => seen.push(w) });
    assertEquals(loaded.process?.args, ["sh"]);
    assertEquals(seen, [
      "mount destination rel is not absolute. Support for non-absolute mount destinations " +
      "will be removed in a future release.",
    ]);
    const { warnings } = await loadSpecWithWarnings(dir);
    assertEquals(warnings, seen);
  });
});

Deno.test("loadSpec: validate: false only decodes", async () => {
  await withBundle('{"process": {"cwd": "rel"}}', async (dir) => {
    const spec = await loadSpec(dir, { validate: false });
    assertEquals(spec.process?.cwd, "rel");
  });
});

Deno.test("decodeSpec: type mismatches have Go's text", () => {
  const cases: [string, string][] = [
    [
      '{"process": {"args": "true"}}',
      "string into Go struct field Process.process.args of type []string",
    ],
    [
      '{"process": {"args": ["a", 1]}}',
      "number into Go struct field Process.process.args of type string",
    ],
    [
      '{"process": {"user": {"uid": -1}}}',
      "number -1 into Go struct field User.process.user.uid of type uint32",
    ],
    [
      '{"process": {"user": {"uid": 4294967296}}}',
      "number 4294967296 into Go struct field User.process.user.uid",
    ],
    [
      '{"process": {"user": {"uid": 1.0}}}',
      "number 1.0 into Go struct field User.process.user.uid",
    ],
    [
      '{"process": {"oomScoreAdj": 1e3}}',
      "number 1e3 into Go struct field Process.process.oomScoreAdj of type int",
    ],
    ['{"process": 5}', "number into Go struct field Spec.process of type specs.Process"],
    ['{"linux": []}', "array into Go struct field Spec.linux of type specs.Linux"],
    ['{"hostname": 5}', "number into Go struct field Spec.hostname of type string"],
    [
      '{"linux": {"namespaces": ["pid"]}}',
      "string into Go struct field Linux.linux.namespaces of type specs.LinuxNamespace",
    ],
    [
      '{"linux": {"namespaces": [{"type": 5}]}}',
      "LinuxNamespace.linux.namespaces.type of type specs.LinuxNamespaceType",
    ],
    [
      '{"linux": {"sysctl": {"a": 1}}}',
      "number into Go struct field Linux.linux.sysctl of type string",
    ],
    [
      '{"linux": {"resources": {"rdma": {"m": "x"}}}}',
      "LinuxResources.linux.resources.rdma of type specs.LinuxRdma",
    ],
    [
      '{"linux": {"resources": {"memory": {"limit": 9223372036854775808}}}}',
      "number 9223372036854775808 into Go struct field LinuxMemory.linux.resources.memory.limit of type int64",
    ],
    [
      '{"linux": {"resources": {"blockIO": {"weightDevice": [{"major": "x"}]}}}}',
      "LinuxWeightDevice.linux.resources.blockIO.weightDevice.major of type int64",
    ],
    [
      '{"linux": {"devices": [{"fileMode": "x"}]}}',
      "LinuxDevice.linux.devices.fileMode of type fs.FileMode",
    ],
    [
      '{"process": {"consoleSize": {"height": -1}}}',
      "number -1 into Go struct field Box.process.consoleSize.height of type uint",
    ],
    ['{"windows": 5}', "number into Go struct field Spec.windows of type specs.Windows"],
  ];
  for (const [text, part] of cases) {
    const err = assertThrows(() => decodeSpec(text), part);
    assert(err instanceof SpecError);
    assert(err.message.startsWith("json: cannot unmarshal "), err.message);
  }
});

Deno.test("decodeSpec: the first mismatch in document order wins", () => {
  assertThrows(
    () => decodeSpec('{"hostname": 1, "process": {"args": 1}}'),
    "Spec.hostname",
  );
});

Deno.test("decodeSpec: Go's normalisation (case, null, zero values, unknown keys)", () => {
  const spec = decodeSpec(
    '{"Process": {"Args": ["a", null], "CWD": "/", "user": null, "x": 1}, "hostname": null, ' +
      '"root": {}, "extra": true, "linux": {"namespaces": [null]}, "windows": {"a": 1}}',
  );
  assertEquals(spec, {
    ociVersion: "",
    process: { user: { uid: 0, gid: 0 }, args: ["a", ""], cwd: "/" },
    root: { path: "" },
    linux: { namespaces: [{ type: "" }] },
  });
});

Deno.test("decodeSpec: 64-bit integers keep their value", () => {
  const spec = decodeSpec(
    '{"process": {"cwd": "/", "rlimits": [{"type": "RLIMIT_NOFILE", ' +
      '"hard": 18446744073709551615, "soft": 1024}]}, ' +
      '"linux": {"resources": {"memory": {"limit": -9223372036854775808, "swap": -1}}}}',
  );
  const r = spec.process?.rlimits?.[0];
  assertEquals(r?.hard, 18446744073709551615n);
  assertEquals(r?.soft, 1024);
  assertEquals(spec.linux?.resources?.memory?.limit, -9223372036854775808n);
  assertEquals(spec.linux?.resources?.memory?.swap, -1);
});

Deno.test("decodeSpec: uint64 overflow is refused", () => {
  assertThrows(
    () => decodeSpec('{"process": {"rlimits": [{"hard": 18446744073709551616}]}}'),
    "number 18446744073709551616 into Go struct field POSIXRlimit.process.rlimits.hard of type uint64",
  );
});

Deno.test("decodeProcess: an exec process file", () => {
  const p = decodeProcess('{"args": ["ls"], "cwd": "/", "env": ["A=1"]}');
  assertEquals(p, { user: { uid: 0, gid: 0 }, args: ["ls"], env: ["A=1"], cwd: "/" });
  assertThrows(() => decodeProcess("[]"), "Go value of type specs.Process");
  assertThrows(() => decodeProcess("null"), "process cannot be null");
});
