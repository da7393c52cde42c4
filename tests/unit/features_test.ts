import { assert, assertEquals } from "./_assert.ts";
import { featuresDocument, formatFeatures } from "../../core/features/features.ts";
import { libseccompVersion, seccompApiLevel } from "../../ffi/libseccomp.ts";
import {
  CAPABILITY_NAMES,
  capabilityName,
  capabilityNumber,
} from "../../core/spec/capabilities.ts";
import { rlimitNumber, RLIMITS } from "../../core/spec/rlimits.ts";

const RUNC = "/usr/bin/runc";
const haveRunc = (() => {
  try {
    return Deno.statSync(RUNC).isFile;
  } catch {
    return false;
  }
})();

async function runcFeatures(): Promise<string> {
  const out = await new Deno.Command(RUNC, { args: ["features"] }).output();
  assert(out.success, "runc features failed");
  return new TextDecoder().decode(out.stdout);
}

const refSkip = (missing: boolean) =>
  missing ? " (skipped: needs Debian's runc 1.1.5 at /usr/bin/runc as the reference)" : "";

Deno.test({
  name: `features: byte for byte like runc's, apparmor and selinux enabled too${
    refSkip(!haveRunc)
  }`,
  ignore: !haveRunc,
  async fn() {
    const text = await runcFeatures();
    const expected = JSON.parse(text);
    const doc = featuresDocument({
      version: expected.annotations["org.opencontainers.runc.version"],
      commit: expected.annotations["org.opencontainers.runc.commit"],
      libseccompVersion: libseccompVersion(),
    });
    assertEquals(JSON.parse(formatFeatures(doc)), expected);
    assertEquals(formatFeatures(doc), text);
  },
});

Deno.test("features: apparmor and selinux are supported by this build, whatever the host has", () => {
  const doc = featuresDocument({ libseccompVersion: undefined, version: "1.1.5", commit: "c" });
  assertEquals(doc.linux.apparmor, { enabled: true });
  assertEquals(doc.linux.selinux, { enabled: true });
});

Deno.test("features: without libseccomp, seccomp is disabled and unannotated", () => {
  const doc = featuresDocument({ libseccompVersion: undefined, version: "1.1.5", commit: "c" });
  assertEquals(doc.linux.seccomp, { enabled: false });
  assertEquals(doc.annotations, {
    "org.opencontainers.runc.checkpoint.enabled": "true",
    "org.opencontainers.runc.commit": "c",
    "org.opencontainers.runc.version": "1.1.5",
  });
});

Deno.test("features: with libseccomp, its version is annotated first", () => {
  const doc = featuresDocument({ libseccompVersion: "2.5.4" });
  assertEquals(doc.linux.seccomp.enabled, true);
  assertEquals(doc.linux.seccomp.archs?.length, 16);
  assertEquals(Object.keys(doc.annotations)[0], "io.github.seccomp.libseccomp.version");
  assertEquals(doc.annotations["io.github.seccomp.libseccomp.version"], "2.5.4");
  assertEquals(Object.keys(doc), [
    "ociVersionMin",
    "ociVersionMax",
    "hooks",
    "mountOptions",
    "linux",
    "annotations",
  ]);
  assertEquals(doc.ociVersionMin, "1.0.0");
  assertEquals(doc.ociVersionMax, "1.0.2-dev");
  assert(doc.mountOptions.includes("rro") && doc.mountOptions.includes("rnosymfollow"));
  assertEquals([...doc.mountOptions].sort(), doc.mountOptions);
});

Deno.test("formatFeatures: four-space indent, trailing newline, Go's HTML escapes", () => {
  const doc = featuresDocument({ libseccompVersion: undefined, commit: "<a&b>" });
  const text = formatFeatures(doc);
  assert(text.endsWith("}\n"));
  assert(text.includes('\n    "ociVersionMin": "1.0.0",'));
  assert(text.includes('"org.opencontainers.runc.commit": "\\u003ca\\u0026b\\u003e"'));
  assertEquals(JSON.parse(text).annotations["org.opencontainers.runc.commit"], "<a&b>");
});

Deno.test("libseccomp: version and API level when the library is there", () => {
  const have = (() => {
    try {
      return Deno.statSync("/usr/lib/x86_64-linux-gnu/libseccomp.so.2").isFile ||
        Deno.statSync("/usr/lib/aarch64-linux-gnu/libseccomp.so.2").isFile;
    } catch {
      return false;
    }
  })();
  const v = libseccompVersion();
  if (!have) {
    assertEquals(v, undefined);
    return;
  }
  assert(v !== undefined && /^\d+\.\d+\.\d+$/.test(v), `version ${v}`);
  const level = seccompApiLevel();
  assert(level !== undefined && level >= 1, `api level ${level}`);
});

Deno.test("capabilities: numbers follow the kernel up to CAP_CHECKPOINT_RESTORE", () => {
  assertEquals(CAPABILITY_NAMES.length, 41);
  assertEquals(capabilityNumber("CAP_CHOWN"), 0);
  assertEquals(capabilityNumber("CAP_SYS_ADMIN"), 21);
  assertEquals(capabilityNumber("CAP_AUDIT_READ"), 37);
  assertEquals(capabilityNumber("CAP_CHECKPOINT_RESTORE"), 40);
  assertEquals(capabilityNumber("cap_chown"), undefined);
  assertEquals(capabilityName(39), "CAP_BPF");
  assertEquals(capabilityName(41), undefined);
});

Deno.test("rlimits: x86_64/aarch64 numbers", () => {
  assertEquals(Object.keys(RLIMITS).length, 16);
  assertEquals(rlimitNumber("RLIMIT_CPU"), 0);
  assertEquals(rlimitNumber("RLIMIT_NOFILE"), 7);
  assertEquals(rlimitNumber("RLIMIT_AS"), 9);
  assertEquals(rlimitNumber("RLIMIT_RTTIME"), 15);
  assertEquals(rlimitNumber("RLIMIT_FOO"), undefined);
  assertEquals(rlimitNumber("toString"), undefined);
});
