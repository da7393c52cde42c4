/**
 * AppArmor and SELinux with a real LSM: process.apparmorProfile and
 * `exec --apparmor` confine the program, a profile that is not loaded is an
 * error that leaves nothing behind; process.selinuxLabel, `exec
 * --process-label` and linux.mountLabel label the process and its mounts.
 *
 * Each part needs its LSM enabled in the kernel, which our hosts do not have:
 * AppArmor (/sys/module/apparmor/parameters/enabled is Y, apparmor_parser on
 * PATH) runs in the VM lane (Debian's 6.1 kernel enables AppArmor by default);
 * SELinux (/sys/fs/selinux/enforce, a policy loaded; permissive is enough)
 * needs a guest booted with SELinux. Every skipped test says why, in its name
 * and on stdout.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { hasReference, needsRoot, type Sandbox, skipName, TESTPROG, withSandbox } from "./_util.ts";

/** Where a program is on PATH, or undefined. */
function which(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return `${dir}/${name}`;
    } catch { /* not here */ }
  }
  return undefined;
}

const APPARMOR_PARSER = which("apparmor_parser");

const noApparmor = (() => {
  let on = false;
  try {
    on = Deno.readTextFileSync("/sys/module/apparmor/parameters/enabled").trim() === "Y";
  } catch { /* not built in */ }
  if (!on) return "needs AppArmor enabled (/sys/module/apparmor/parameters/enabled is not Y)";
  if (!APPARMOR_PARSER) return "needs apparmor_parser (apt-get install apparmor)";
  return needsRoot("loads AppArmor profiles");
})();

const noSelinux = (() => {
  try {
    Deno.statSync("/sys/fs/selinux/enforce");
  } catch {
    return "needs SELinux enabled (no /sys/fs/selinux/enforce)";
  }
  try {
    Deno.statSync("/sys/fs/selinux/policy");
  } catch {
    return "needs an SELinux policy loaded";
  }
  return needsRoot("labels processes and mounts");
})();

for (const [lsm, why] of [["AppArmor", noApparmor], ["SELinux", noSelinux]]) {
  if (why) console.log(`lsm_test: the ${lsm} tests are skipped: ${why}`);
}

// --- AppArmor -----------------------------------------------------------------

const PROFILE = `runc-lsm-test-${Deno.pid}`;
/** Everything allowed but writes under /tmp/denied (self-contained: no includes). */
const PROFILE_TEXT = `
profile ${PROFILE} flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  signal,
  ptrace,
  unix,
  mount,
  umount,
  pivot_root,
  deny /tmp/denied/** w,
}
`;

/** Loads the test profile, runs fn, and always removes the profile. */
async function withProfile(fn: () => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "runc-lsm-" });
  const file = `${dir}/profile`;
  await Deno.writeTextFile(file, PROFILE_TEXT);
  const parser = (flag: string) =>
    new Deno.Command(APPARMOR_PARSER!, { args: [flag, file], stdout: "piped", stderr: "piped" })
      .output();
  try {
    const load = await parser("-r");
    assert(load.success, `apparmor_parser -r: ${new TextDecoder().decode(load.stderr)}`);
    try {
      await fn();
    } finally {
      const unload = await parser("-R");
      assert(unload.success, `apparmor_parser -R: ${new TextDecoder().decode(unload.stderr)}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The AppArmor label of a process, as /proc shows it ("NAME (enforce)", "unconfined"). */
function apparmorLabel(pid: number | "self"): string {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/attr/apparmor/current`).trim();
  } catch {
    return Deno.readTextFileSync(`/proc/${pid}/attr/current`).trim();
  }
}

/** In the container: its label, then a write where the profile denies it, then one elsewhere. */
const PROBE = "cat /proc/self/attr/apparmor/current 2>/dev/null || cat /proc/self/attr/current; " +
  "echo x >/tmp/denied/f && echo denied-write-done; echo y >/tmp/allowed && echo allowed-write-done";

async function initPid(sb: Sandbox, id: string): Promise<number> {
  return JSON.parse(await sb.ok(["state", id])).pid;
}

/** The pids of a container's processes (runc ps --format json). */
async function pids(sb: Sandbox, id: string): Promise<number[]> {
  return JSON.parse(await sb.ok(["ps", "--format", "json", id]));
}

Deno.test({
  name: skipName(
    "AppArmor: process.apparmorProfile confines the container's process in enforce mode",
    noApparmor,
  ),
  ignore: !!noApparmor,
  fn: () =>
    withProfile(() =>
      withSandbox(async (sb) => {
        await Deno.mkdir(`${sb.bundle}/rootfs/tmp/denied`, { recursive: true });
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 0, r.stderr);
        assertEquals(r.stdout, `${PROFILE} (enforce)\nallowed-write-done\n`);
        assertStringIncludes(r.stderr, "/tmp/denied/f: Permission denied");
        // Seen from the host too, and an exec'd process gets the container's profile.
        await sb.editSpec((s) => (s.process!.args = ["sleep", "1000"]));
        await sb.ok(["run", "-d", "c2"]);
        assertEquals(apparmorLabel(await initPid(sb, "c2")), `${PROFILE} (enforce)`);
        const e = await sb.run(["exec", "c2", "sh", "-c", PROBE]);
        assertEquals(e.stdout, `${PROFILE} (enforce)\nallowed-write-done\n`, e.stderr);
        assertStringIncludes(e.stderr, "Permission denied");
      }, (s) => {
        s.root!.readonly = false;
        s.process!.apparmorProfile = PROFILE;
        s.process!.args = ["sh", "-c", PROBE];
      })
    ),
});

Deno.test({
  name: skipName(
    "AppArmor: exec --apparmor confines the exec'd process, and only it",
    noApparmor,
  ),
  ignore: !!noApparmor,
  fn: () =>
    withProfile(() =>
      withSandbox(async (sb) => {
        await Deno.mkdir(`${sb.bundle}/rootfs/tmp/denied`, { recursive: true });
        await sb.ok(["run", "-d", "c1"]);
        const init = await initPid(sb, "c1");
        assertEquals(apparmorLabel(init), "unconfined");
        const e = await sb.run(["exec", "--apparmor", PROFILE, "c1", "sh", "-c", PROBE]);
        assertEquals(e.code, 0, e.stderr);
        assertEquals(e.stdout, `${PROFILE} (enforce)\nallowed-write-done\n`);
        assertStringIncludes(e.stderr, "/tmp/denied/f: Permission denied");
        // Without the flag, the container's (no) profile: the write goes through.
        const plain = await sb.run(["exec", "c1", "sh", "-c", PROBE]);
        assertEquals(plain.stdout, "unconfined\ndenied-write-done\nallowed-write-done\n");
        assertEquals(apparmorLabel(init), "unconfined");
      }, (s) => {
        s.root!.readonly = false;
        s.process!.args = ["sleep", "1000"];
      })
    ),
});

Deno.test({
  name: skipName(
    "AppArmor: a profile that is not loaded is runc's error, and nothing is left behind",
    noApparmor,
  ),
  ignore: !!noApparmor,
  fn: () =>
    withSandbox(async (sb) => {
      const missing = `${PROFILE}-not-loaded`;
      const attr = (() => {
        try {
          Deno.statSync("/proc/self/attr/apparmor/exec");
          return "/proc/self/attr/apparmor/exec";
        } catch {
          return "/proc/self/attr/exec";
        }
      })();
      const words = `apparmor failed to apply profile: write ${attr}: no such file or directory`;
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 1, r.stderr);
      assertStringIncludes(
        r.stderr,
        `unable to start container process: error during container init: ` +
          `unable to apply apparmor profile: ${words}`,
      );
      assertEquals(await sb.ids(), [], "no state left");
      if (hasReference) {
        const ref = await sb.runReference(["run", "c1"]);
        assertEquals(ref.code, 1, ref.stderr);
        assertStringIncludes(ref.stderr, `unable to apply apparmor profile: ${words}`);
      }

      // exec: the same error, worded as runc's setns init; the container goes on alone.
      await sb.editSpec((s) => {
        delete s.process!.apparmorProfile;
        s.process!.args = ["sleep", "1000"];
      });
      await sb.ok(["run", "-d", "c1"]);
      const before = await pids(sb, "c1");
      const e = await sb.run(["exec", "--apparmor", missing, "c1", "true"]);
      assertEquals(e.code, 255, e.stderr);
      assertStringIncludes(e.stderr, `unable to start container process: ${words}`);
      assertEquals(await pids(sb, "c1"), before, "no process left in the container");
      assertEquals(JSON.parse(await sb.ok(["state", "c1"])).status, "running");
    }, (s) => (s.process!.apparmorProfile = `${PROFILE}-not-loaded`)),
});

// --- SELinux ------------------------------------------------------------------

/**
 * The first of the candidates the loaded policy takes as a valid context
 * (selinuxfs's context file canonicalizes it or refuses it with EINVAL), other
 * than `unlike`; undefined when none is.
 */
function validContext(candidates: string[], unlike = ""): string | undefined {
  for (const c of candidates) {
    try {
      const f = Deno.openSync("/sys/fs/selinux/context", { read: true, write: true });
      try {
        f.writeSync(new TextEncoder().encode(c));
        const buf = new Uint8Array(4096);
        const n = f.readSync(buf) ?? 0;
        const canon = new TextDecoder().decode(buf.subarray(0, n)).replace(/\0.*$/s, "").trim();
        if (canon && canon !== unlike) return canon;
      } finally {
        f.close();
      }
    } catch { /* not valid in this policy */ }
  }
  return undefined;
}

/** The SELinux label of a process. */
function selinuxLabel(pid: number | "self"): string {
  return Deno.readTextFileSync(`/proc/${pid}/attr/current`).replace(/\0.*$/s, "").trim();
}

const selinux = (() => {
  if (noSelinux) return undefined;
  const own = selinuxLabel("self");
  const process = validContext([
    "system_u:system_r:container_t:s0:c1,c2",
    "system_u:system_r:unconfined_t:s0",
    "unconfined_u:unconfined_r:unconfined_t:s0",
    "system_u:system_r:initrc_t:s0",
    "system_u:system_r:kernel_t:s0",
  ], own);
  const other = process &&
    validContext([
      "system_u:system_r:initrc_t:s0",
      "system_u:system_r:unconfined_t:s0",
      "unconfined_u:unconfined_r:unconfined_t:s0",
      "system_u:system_r:kernel_t:s0",
    ], process);
  // Not tmpfs_t: a tmpfs or mqueue gets that without any context= or setxattr.
  const mount = validContext([
    "system_u:object_r:container_file_t:s0:c1,c2",
    "system_u:object_r:tmp_t:s0",
    "system_u:object_r:etc_t:s0",
  ], "system_u:object_r:tmpfs_t:s0");
  if (process && other && mount) {
    console.log(`lsm_test: SELinux contexts: process ${process}, exec ${other}, mounts ${mount}`);
    return { process, other, mount };
  }
  return undefined;
})();
const noContexts = noSelinux ??
  (selinux ? undefined : "needs process and file contexts valid in the loaded SELinux policy");
if (!noSelinux && noContexts) console.log(`lsm_test: the SELinux tests are skipped: ${noContexts}`);

Deno.test({
  name: skipName(
    "SELinux: process.selinuxLabel labels the container's process; exec --process-label the exec'd one",
    noContexts,
  ),
  ignore: !!noContexts,
  fn: () =>
    withSandbox(async (sb) => {
      const { process, other } = selinux!;
      await sb.ok(["run", "-d", "c1"]);
      const init = await initPid(sb, "c1");
      assertEquals(selinuxLabel(init), process);
      // exec: the container's label, or the flag's.
      const same = await sb.run(["exec", "c1", "cat", "/proc/self/attr/current"]);
      assertEquals(same.stdout.replace(/\0/g, "").trim(), process, same.stderr);
      const flag = await sb.run([
        "exec",
        "--process-label",
        other,
        "c1",
        "cat",
        "/proc/self/attr/current",
      ]);
      assertEquals(flag.stdout.replace(/\0/g, "").trim(), other, flag.stderr);
      assertEquals(selinuxLabel(init), process, "the init's label is unchanged");
      // A label the policy refuses is the kernel's EINVAL, at the keyring.
      const bad = await sb.run(["exec", "--process-label", "no_u:no_r:no_t:s0", "c1", "true"]);
      assertEquals(bad.code, 255, bad.stderr);
      assertStringIncludes(bad.stderr, "write /proc/self/attr/keycreate: invalid argument");
    }, (s) => {
      s.process!.selinuxLabel = selinux!.process;
      s.process!.args = ["sleep", "1000"];
    }),
});

Deno.test({
  name: skipName(
    "SELinux: mountLabel is the context= of tmpfs and devpts, and the label of mqueue's root",
    noContexts,
  ),
  ignore: !!noContexts,
  fn: () =>
    withSandbox(async (sb) => {
      const { mount } = selinux!;
      await sb.ok(["run", "-d", "c1"]);
      const init = await initPid(sb, "c1");
      const mountinfo = await Deno.readTextFile(`/proc/${init}/mountinfo`);
      const line = (dest: string) => mountinfo.split("\n").find((l) => l.split(" ")[4] === dest);
      for (const dest of ["/dev", "/dev/shm", "/dev/pts"]) {
        assertStringIncludes(line(dest) ?? "", "context=", `${dest}: ${line(dest)}`);
      }
      assert(!line("/proc")?.includes("context="), line("/proc"));
      // The read-only tmpfs over each masked directory (runc's maskPath).
      const masks = mountinfo.split("\n").filter((l) =>
        / - tmpfs /.test(l) &&
        ["/proc/acpi", "/proc/scsi", "/sys/firmware"].includes(l.split(" ")[4]!)
      );
      assert(masks.length > 0, `a masked directory in ${mountinfo}`);
      for (const m of masks) assertStringIncludes(m, "context=", m);
      const label = async (path: string) => {
        const out = await new Deno.Command(TESTPROG, {
          args: ["getxattr", `/proc/${init}/root${path}`, "security.selinux"],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert(out.success, new TextDecoder().decode(out.stderr));
        return new TextDecoder().decode(out.stdout).trim();
      };
      assertEquals(await label("/dev/shm"), mount);
      assertEquals(await label("/dev/mqueue"), mount);
    }, (s) => {
      s.linux!.mountLabel = selinux!.mount;
      s.process!.args = ["sleep", "1000"];
    }),
});
