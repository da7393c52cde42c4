/**
 * Rootless containers: an ordinary user (made by the test, with /etc/subuid
 * and /etc/subgid ranges) runs containers from `runc spec --rootless` with the
 * same commands as root. The test itself runs as root to set the user up and
 * calls build/runc through runuser(1).
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { makeRootfs, needsRoot, RUNC } from "./_util.ts";
import type { Spec } from "../../core/spec/types.ts";

const USERS = ["runc-it-a", "runc-it-b"];
const SUB_START = 300000;

function why(): string | undefined {
  const base = needsRoot("makes users with useradd and writes /etc/subuid and /etc/subgid");
  if (base) return base;
  for (const tool of ["/usr/sbin/useradd", "/usr/sbin/runuser", "/usr/bin/newuidmap"]) {
    try {
      Deno.statSync(tool);
    } catch {
      return `needs ${tool} (apt-get install passwd util-linux uidmap)`;
    }
  }
  try {
    if (Deno.readTextFileSync("/proc/sys/kernel/unprivileged_userns_clone").trim() === "0") {
      return "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)";
    }
  } catch { /* not a Debian-patched kernel knob: allowed */ }
  return undefined;
}
const skip = why();
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;

async function sh(
  cmd: string,
  args: string[],
): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

/** Makes the test users (once) with subordinate id ranges; returns uid and gid of each. */
async function users(): Promise<
  { name: string; uid: number; gid: number; subuid: number; subgid: number }[]
> {
  const out = [];
  for (const [i, u] of USERS.entries()) {
    if ((await sh("id", ["-u", u])).code !== 0) {
      const r = await sh("/usr/sbin/useradd", ["-M", "-s", "/bin/sh", u]);
      if (r.code !== 0 && !r.err.includes("already exists")) {
        throw new Error(`useradd ${u}: ${r.err}`);
      }
    }
    for (const f of ["/etc/subuid", "/etc/subgid"]) {
      const text = await Deno.readTextFile(f).catch(() => "");
      if (!text.split("\n").some((l) => l.startsWith(`${u}:`))) {
        await Deno.writeTextFile(f, `${u}:${SUB_START + i * 65536}:65536\n`, { append: true });
      }
    }
    const uid = Number((await sh("id", ["-u", u])).out);
    const gid = Number((await sh("id", ["-g", u])).out);
    // useradd may have given the user a range already: use whatever is there.
    const range = (f: string) =>
      Number(
        (Deno.readTextFileSync(f).split("\n").find((l) => l.startsWith(`${u}:`)) ?? "").split(
          ":",
        )[1],
      );
    out.push({ name: u, uid, gid, subuid: range("/etc/subuid"), subgid: range("/etc/subgid") });
  }
  return out;
}

/** A bundle owned by the user, from `runc spec --rootless` run as that user. */
class RootlessSandbox {
  constructor(readonly dir: string, readonly user: string) {}
  get bundle() {
    return `${this.dir}/bundle`;
  }
  get root() {
    return `${this.dir}/state`;
  }

  /** Runs build/runc as the user; stdout and stderr go to files (see _util.ts). */
  async runc(
    args: string[],
    user = this.user,
  ): Promise<{ code: number; out: string; err: string }> {
    // stdio goes to files in a directory every test user may write.
    const out = `${this.dir}/io/out.${crypto.randomUUID()}`, err = `${out}.err`;
    const r = await new Deno.Command("/usr/sbin/runuser", {
      args: [
        "-u",
        user,
        "--",
        "/bin/sh",
        "-c",
        'cd "$1" && shift && exec "$@" >"$OUT" 2>"$ERR"',
        "sh",
        this.bundle,
        RUNC,
        "--root",
        this.root,
        ...args,
      ],
      env: { OUT: out, ERR: err },
      stdin: "null",
    }).output();
    const res = {
      code: r.code,
      out: await Deno.readTextFile(out).catch(() => ""),
      err: await Deno.readTextFile(err).catch(() => ""),
    };
    await Deno.remove(out).catch(() => {});
    await Deno.remove(err).catch(() => {});
    return res;
  }

  async editSpec(edit: (s: Spec) => void): Promise<void> {
    const p = `${this.bundle}/config.json`;
    const s = JSON.parse(await Deno.readTextFile(p));
    edit(s);
    await Deno.writeTextFile(p, JSON.stringify(s, null, "\t"));
  }
}

async function withRootless(
  fn: (
    sb: RootlessSandbox,
    u: { uid: number; gid: number; subuid: number; subgid: number }[],
  ) => Promise<void>,
) {
  const us = await users();
  const dir = await Deno.makeTempDir({ prefix: "runc-rootless-" });
  await Deno.chmod(dir, 0o755);
  const sb = new RootlessSandbox(dir, USERS[0]!);
  try {
    await makeRootfs(`${sb.bundle}/rootfs`);
    await sh("chown", ["-R", `${us[0]!.uid}:${us[0]!.gid}`, dir]);
    await Deno.mkdir(`${dir}/io`);
    await Deno.chmod(`${dir}/io`, 0o1777);
    const spec = await sb.runc(["spec", "--rootless"]);
    if (spec.code !== 0) throw new Error(`runc spec --rootless: ${spec.err}`);
    await sb.editSpec((s) => {
      s.process!.terminal = false;
      s.process!.args = ["sh", "-c", "echo uid=$(id -u); cat /proc/self/uid_map; hostname"];
    });
    await fn(sb, us);
  } finally {
    try {
      for (const e of Deno.readDirSync(sb.root)) await sb.runc(["delete", "--force", e.name]);
    } catch { /* nothing made */ }
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: name("an ordinary user runs a container from runc spec --rootless, as root inside"),
  ignore: !!skip,
  fn: () =>
    withRootless(async (sb, [u]) => {
      const r = await sb.runc(["run", "c1"]);
      assertEquals(r.code, 0, r.err);
      assertEquals(r.out.replace(/ +/g, " "), `uid=0\n 0 ${u!.uid} 1\nrunc\n`);
      assertEquals((await Deno.stat(sb.root)).mode! & 0o777, 0o700, "the state root is private");
    }),
});

Deno.test({
  name: name("rootless: create, list, start, exec, kill, delete"),
  ignore: !!skip,
  fn: () =>
    withRootless(async (sb) => {
      await sb.editSpec((s) => (s.process!.args = ["sleep", "100"]));
      assertEquals((await sb.runc(["create", "c1"])).code, 0);
      assertStringIncludes((await sb.runc(["list"])).out, "created");
      assertEquals((await sb.runc(["start", "c1"])).code, 0);
      assertEquals(JSON.parse((await sb.runc(["state", "c1"])).out).status, "running");
      const ex = await sb.runc(["exec", "c1", "id", "-u"]);
      assertEquals([ex.code, ex.out], [0, "0\n"], ex.err);
      assertEquals((await sb.runc(["kill", "c1", "KILL"])).code, 0);
      for (let i = 0; i < 100; i++) {
        if (JSON.parse((await sb.runc(["state", "c1"])).out).status === "stopped") break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assertEquals((await sb.runc(["delete", "c1"])).code, 0);
      assertEquals((await sb.runc(["list", "-q"])).out, "");
    }),
});

Deno.test({
  name: name("rootless: more ids than the user's own through newuidmap and newgidmap"),
  ignore: !!skip,
  fn: () =>
    withRootless(async (sb, [u]) => {
      await sb.editSpec((s) => {
        s.root!.readonly = false;
        const caps = s.process!.capabilities!;
        for (const set of [caps.bounding!, caps.effective!, caps.permitted!]) set.push("CAP_CHOWN");
        s.linux!.uidMappings = [{ containerID: 0, hostID: u!.uid, size: 1 }, {
          containerID: 1,
          hostID: u!.subuid,
          size: 65536,
        }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: u!.gid, size: 1 }, {
          containerID: 1,
          hostID: u!.subgid,
          size: 65536,
        }];
        s.process!.args = [
          "sh",
          "-c",
          "cat /proc/self/uid_map | wc -l; touch /tmp/f; chown 1000:1000 /tmp/f && stat -c %u /tmp/f",
        ];
      });
      const r = await sb.runc(["run", "c1"]);
      assertEquals(r.code, 0, r.err);
      assertEquals(r.out, "2\n1000\n");
      const owner = (await Deno.stat(`${sb.bundle}/rootfs/tmp/f`)).uid;
      assertEquals(owner, u!.subuid + 999, "container uid 1000 is a subordinate id on the host");
    }),
});

Deno.test({
  name: name("rootless: another user can neither see nor touch the containers"),
  ignore: !!skip,
  fn: () =>
    withRootless(async (sb) => {
      await sb.editSpec((s) => (s.process!.args = ["sleep", "100"]));
      assertEquals((await sb.runc(["run", "-d", "c1"])).code, 0);
      const other = USERS[1]!;
      const list = await sb.runc(["list"], other);
      assertEquals(list.code, 1);
      assertStringIncludes(list.err, "permission denied");
      for (const args of [["state", "c1"], ["kill", "c1", "KILL"], ["delete", "--force", "c1"]]) {
        const r = await sb.runc(args, other);
        assert(r.code !== 0, `${args.join(" ")} worked for another user`);
      }
      assertEquals(JSON.parse((await sb.runc(["state", "c1"])).out).status, "running");
    }),
});

Deno.test({
  name: name(
    "rootless: cgroup limits without permission are an informative error, and nothing is left",
  ),
  ignore: !!skip,
  fn: () =>
    withRootless(async (sb) => {
      await sb.editSpec((s) => (s.linux!.resources = { pids: { limit: 10 } }));
      const r = await sb.runc(["run", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.err, "pids");
      assert(!r.err.includes("\n    at "), r.err);
      let left: string[] = [];
      try {
        left = [...Deno.readDirSync(sb.root)].map((e) => e.name);
      } catch { /* no root */ }
      assertEquals(left, []);
    }),
});
