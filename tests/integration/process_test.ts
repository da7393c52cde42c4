/**
 * Every field of config.json's `process`, and hostname, domainname, sysctl and
 * user namespaces, checked from inside the container. Where Debian's runc is
 * installed the same bundle runs through it too and the output must match.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import {
  hasReference,
  isRoot,
  mapSubordinateIds,
  needsRunc,
  type Sandbox,
  subordinateRange,
  withSandbox,
} from "./_util.ts";
import type { Spec } from "../../core/spec/types.ts";

const skip = needsRunc();
const name = (n: string, why = skip) => why ? `${n} (skipped: ${why})` : n;

/**
 * Runs the bundle with ours and, when installed and `compare`, with runc;
 * returns our stdout.
 */
async function runBoth(sb: Sandbox, id = "c1", compare = true): Promise<string> {
  const ours = await sb.run(["run", id]);
  assertEquals(ours.code, 0, `ours: ${ours.stderr}`);
  if (hasReference && compare) {
    const ref = await sb.runReference(["run", id]);
    assertEquals(ref.code, 0, `runc: ${ref.stderr}`);
    assertEquals(ours.stdout, ref.stdout, "output differs from runc's");
  }
  return ours.stdout;
}

function script(s: Spec, text: string): void {
  s.process!.args = ["sh", "-c", text];
}

Deno.test({
  name: name("user: uid, gid, additional gids, HOME from the container's passwd, umask, cwd made"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await Deno.writeTextFile(
        `${sb.bundle}/rootfs/etc/passwd`,
        "root:x:0:0:root:/root:/bin/sh\nu1:x:1000:1000::/home/u1:/bin/sh\n",
      );
      // Rootless, runc 1.1 refuses any additional gid; this runtime sets them
      // where newgidmap left setgroups allowed.
      const out = await runBoth(sb, "c1", isRoot);
      assertEquals(out, "1000 1000\nGroups:\t5 7 \nHOME=/home/u1\n/work/dir\n0027\n");
    }, (s) => {
      mapSubordinateIds(s);
      s.process!.user = { uid: 1000, gid: 1000, additionalGids: [5, 7], umask: 0o27 };
      s.process!.cwd = "/work/dir";
      s.process!.env = s.process!.env!.filter((e) => !e.startsWith("HOME="));
      script(
        s,
        "echo $(id -u) $(id -g); grep Groups /proc/self/status; echo HOME=$HOME; pwd; umask",
      );
    }),
});

Deno.test({
  name: name("user: a uid without a passwd entry gets HOME=/; an explicit HOME is kept"),
  ignore: !!skip,
  fn: async () => {
    await withSandbox(async (sb) => {
      assertEquals(await runBoth(sb), "HOME=/\n");
    }, (s) => {
      mapSubordinateIds(s);
      s.process!.user = { uid: 4321, gid: 4321 };
      script(s, "echo HOME=$HOME");
    });
    await withSandbox(async (sb) => {
      assertEquals(await runBoth(sb), "HOME=/custom\n");
    }, (s) => {
      s.process!.env!.push("HOME=/custom");
      script(s, "echo HOME=$HOME");
    });
  },
});

Deno.test({
  name: name("env is passed exactly"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const out = await runBoth(sb);
      assertStringIncludes(out, "A=1\n");
      assertStringIncludes(out, "B=two words\n");
    }, (s) => {
      s.process!.env!.push("A=1", "B=two words");
      script(s, "env | sort");
    }),
});

Deno.test({
  name: name("capabilities: all five sets, ambient with inheritable"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const out = await runBoth(sb);
      // CAP_CHOWN 0, CAP_KILL 5, CAP_NET_RAW 13, CAP_SYS_ADMIN 21. A non-root
      // process that execs a file without file capabilities keeps only its
      // ambient set in permitted and effective.
      assertStringIncludes(out, "CapInh:\t0000000000000020");
      assertStringIncludes(out, "CapPrm:\t0000000000000020");
      assertStringIncludes(out, "CapEff:\t0000000000000020");
      assertStringIncludes(out, "CapBnd:\t0000000000202021");
      assertStringIncludes(out, "CapAmb:\t0000000000000020");
    }, (s) => {
      mapSubordinateIds(s);
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.capabilities = {
        bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN"],
        permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN"],
        effective: ["CAP_CHOWN", "CAP_KILL"],
        inheritable: ["CAP_KILL"],
        ambient: ["CAP_KILL"],
      };
      s.process!.args = ["grep", "^Cap", "/proc/self/status"];
    }),
});

Deno.test({
  name: name("rlimits, noNewPrivileges false, oomScoreAdj"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const out = await runBoth(sb);
      assertEquals(out, "nofile 512\ncore 0\nNoNewPrivs:\t0\noom 123\n");
    }, (s) => {
      s.process!.rlimits = [
        { type: "RLIMIT_NOFILE", soft: 512, hard: 1024 },
        { type: "RLIMIT_CORE", soft: 0, hard: 0 },
      ];
      s.process!.noNewPrivileges = false;
      s.process!.oomScoreAdj = 123;
      script(
        s,
        "echo nofile $(ulimit -n); echo core $(ulimit -c); grep NoNewPrivs /proc/self/status; " +
          "echo oom $(cat /proc/self/oom_score_adj)",
      );
    }),
});

Deno.test({
  name: name("hostname, domainname and namespaced sysctls, with dots and with slashes"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const out = await runBoth(sb);
      assertEquals(out, "box\n1\n8192\n");
      // runc 1.1 ignores domainname; the runtime-spec says to set it.
      await sb.editSpec((s) => {
        s.domainname = "example.org";
        script(s, "cat /proc/sys/kernel/domainname");
      });
      const r = await sb.run(["run", "c2"]);
      assertEquals(r.stdout, "example.org\n", r.stderr);
    }, (s) => {
      s.hostname = "box";
      // A rootless spec has no network namespace; net.* sysctls need one.
      if (!s.linux!.namespaces!.some((n) => n.type === "network")) {
        s.linux!.namespaces!.push({ type: "network" });
      }
      s.linux!.sysctl = { "net.ipv4.ip_forward": "1", "kernel/msgmax": "8192" };
      script(
        s,
        "hostname; cat /proc/sys/net/ipv4/ip_forward; " +
          "cat /proc/sys/kernel/msgmax",
      );
    }),
});

/** Host ids for the container's: as root 100000.. and 200000..; rootless, the user's subordinate ids. */
const hostIds = () =>
  isRoot
    ? { uid: 100000, gid: 200000 }
    : { uid: subordinateRange("/etc/subuid").start, gid: subordinateRange("/etc/subgid").start };

Deno.test({
  name: name("a new user namespace gets its uid and gid maps before the init goes on"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      // The rootfs must be reachable by the mapped root. Rootless, runc 1.1
      // fails ("fchown fd 7: operation not permitted") when the container's
      // root is not the caller's own uid.
      const out = await runBoth(sb, "c1", isRoot);
      const { uid, gid } = hostIds();
      assertEquals(out.replace(/ +/g, " "), ` 0 ${uid} 65536\n 0 ${gid} 65536\n0 0\n`);
    }, (s) => {
      // Rootless, the spec has a user namespace already, and the maps go
      // through newuidmap and newgidmap.
      if (!s.linux!.namespaces!.some((n) => n.type === "user")) {
        s.linux!.namespaces!.push({ type: "user" });
      }
      const { uid, gid } = hostIds();
      s.linux!.uidMappings = [{ containerID: 0, hostID: uid, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: gid, size: 65536 }];
      // sysfs and mqueue cannot be mounted from a user namespace that does not own the
      // network and ipc namespaces it would show: bind /sys instead, as runc's rootless spec.
      s.mounts = s.mounts!.filter((m) =>
        m.destination !== "/sys/fs/cgroup" && m.destination !== "/sys"
      )
        .concat([{
          destination: "/sys",
          type: "none",
          source: "/sys",
          options: ["rbind", "nosuid", "noexec", "nodev", "ro"],
        }]);
      script(s, "cat /proc/self/uid_map /proc/self/gid_map; echo $(id -u) $(id -g)");
    }),
});

Deno.test({
  name: name("namespaces given by path are joined; a path to the wrong kind is refused"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await sb.ok(["run", "-d", "a"]);
      const { pid } = JSON.parse(await sb.ok(["state", "a"]));
      const hostNet = await Deno.readLink(`/proc/${pid}/ns/net`);
      const hostUts = await Deno.readLink(`/proc/${pid}/ns/uts`);
      // Rootless, a's namespaces belong to its user namespace: b joins that too.
      const joined = isRoot ? ["network", "uts"] : ["network", "uts", "user"];
      const file = (type: string) => type === "network" ? "net" : type;
      await sb.editSpec((s) => {
        s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
          joined.includes(n.type) ? { type: n.type, path: `/proc/${pid}/ns/${file(n.type)}` } : n
        );
        delete s.hostname;
        script(s, "readlink /proc/self/ns/net; readlink /proc/self/ns/uts");
      });
      const r = await sb.run(["run", "b"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, `${hostNet}\n${hostUts}\n`);

      await sb.editSpec((s) => {
        s.linux!.namespaces = s.linux!.namespaces!.map((n) =>
          n.type === "network" ? { type: "network", path: `/proc/${pid}/ns/ipc` } : n
        );
      });
      const bad = await sb.run(["run", "c"]);
      assertEquals(bad.code, 1);
      assertStringIncludes(bad.stderr, `/proc/${pid}/ns/ipc is not a network namespace`);
      assert(!(await sb.ids()).includes("c"), "a failed container left its state");
    }, (s) => {
      s.process!.args = ["sleep", "100"];
      // A rootless spec has none: give a a network namespace of its own to join.
      if (!s.linux!.namespaces!.some((n) => n.type === "network")) {
        s.linux!.namespaces!.push({ type: "network" });
      }
    }),
});

Deno.test({
  name: name("--preserve-fds and socket activation pass fds from 3 on, and nothing else"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      await Deno.writeTextFile(`${sb.dir}/f3`, "three\n");
      await Deno.writeTextFile(`${sb.dir}/f4`, "four\n");
      const r = await sb.run(["run", "--preserve-fds", "1", "c1"], {
        script: `exec 3<"${sb.dir}/f3" 4<"${sb.dir}/f4"; export LISTEN_FDS=1 LISTEN_PID=$$; `,
      });
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "three\nfour\nLISTEN_FDS=1 LISTEN_PID=1\n0\n1\n2\n3\n4\n");
    }, (s) =>
      script(
        s,
        "cat <&3; cat <&4; echo LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID; ls /proc/self/fd | grep -v '^[5-9]'",
      )),
});

Deno.test({
  name: name(
    "an AppArmor profile or SELinux label the host cannot apply is an error, nothing left",
  ),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      let apparmor = false;
      try {
        apparmor =
          (await Deno.readTextFile("/sys/module/apparmor/parameters/enabled")).trim() === "Y";
      } catch { /* not built in */ }
      if (!apparmor) {
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 1);
        assertStringIncludes(r.stderr, "apparmor");
        assertEquals(await sb.ids(), []);
      }
      await sb.editSpec((s) => {
        delete s.process!.apparmorProfile;
        s.process!.selinuxLabel = "system_u:system_r:container_t:s0";
      });
      const mountinfo = await Deno.readTextFile("/proc/self/mountinfo");
      if (!mountinfo.includes(" - selinuxfs ")) {
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 1);
        assertStringIncludes(
          r.stderr,
          "selinux label is specified in config, but selinux is disabled or not supported",
        );
        assertEquals(await sb.ids(), []);
      }
    }, (s) => (s.process!.apparmorProfile = "unconfined")),
});
