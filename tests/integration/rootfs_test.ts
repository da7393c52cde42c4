/**
 * The root filesystem: recursive mount attributes, --no-pivot, /dev, devices
 * from the spec, and rootfs trees planted with hostile symlinks, checked from
 * inside the container and from the host.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { addNamespaces, needsRoot, needsRunc, withHostMount, withSandbox } from "./_util.ts";
import type { Spec } from "../../core/spec/types.ts";

const skip = needsRunc();
const name = (n: string, why = skip) => why ? `${n} (skipped: ${why})` : n;
const script = (text: string) => (s: Spec) => (s.process!.args = ["sh", "-c", text]);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

const mountsTmpfs = needsRoot("mounts a tmpfs on the host below the bind source");
Deno.test({
  name: name(
    "rro makes a bind mount and the mounts below it read-only (mount_setattr)",
    mountsTmpfs,
  ),
  ignore: !!mountsTmpfs,
  fn: () =>
    withSandbox(async (sb) => {
      const src = `${sb.dir}/src`;
      await Deno.mkdir(`${src}/sub`, { recursive: true });
      await sb.editSpec((s) => {
        s.mounts!.push({
          destination: "/data",
          type: "bind",
          source: src,
          options: ["rbind", "rro", "rnosuid"],
        });
      });
      await withHostMount(["-t", "tmpfs", "tmpfs", `${src}/sub`], `${src}/sub`, async () => {
        const r = await sb.run(["run", "c1"]);
        assertEquals(r.code, 0, r.stderr);
        assertStringIncludes(r.stdout, "top:Read-only file system");
        assertStringIncludes(r.stdout, "sub:Read-only file system");
        assert(/ \/data\/sub ro,nosuid/.test(r.stdout), r.stdout);
      });
    }, (s) => {
      script(
        "touch /data/x 2>&1 | sed 's/.*: /top:/'; touch /data/sub/x 2>&1 | sed 's/.*: /sub:/'; " +
          "grep ' /data' /proc/self/mountinfo",
      )(s);
    }),
});

Deno.test({
  name: name("--no-pivot: the rootfs is moved onto / and the host's /proc is not reachable"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const r = await sb.run(["run", "--no-pivot", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      // pid 1 in its own /proc, which is the only full proc mount there is
      assertEquals(r.stdout, "1\n/proc\n");
    }, script("echo $$; grep ' - proc ' /proc/self/mountinfo | awk '$4 == \"/\" {print $5}'")),
});

Deno.test({
  name: name("/dev is a tmpfs when the spec mounts none; nothing is created in the image's /dev"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assertStringIncludes(r.stdout, " /dev rw,nosuid");
      assertStringIncludes(r.stdout, "- tmpfs");
      assertStringIncludes(r.stdout, "null-ok");
      assertEquals([...Deno.readDirSync(`${sb.bundle}/rootfs/dev`)].length, 0);
    }, (s) => {
      s.mounts = s.mounts!.filter((m) => !m.destination.startsWith("/dev"));
      script("grep ' /dev ' /proc/self/mountinfo; [ -c /dev/null ] && echo null-ok")(s);
    }),
});

const mknod = needsRoot(
  "makes device nodes the host lacks; a rootless container can only bind the host's devices",
);
Deno.test({
  name: name("devices from the spec get their type, numbers, mode and owner", mknod),
  ignore: !!mknod,
  fn: () =>
    withSandbox(async (sb) => {
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout.trim(), "crw-r----- 1000 1001 1, 7 /dev/mydev");
    }, (s) => {
      s.linux!.devices = [{
        path: "/dev/mydev",
        type: "c",
        major: 1,
        minor: 7,
        fileMode: 0o640,
        uid: 1000,
        gid: 1001,
      }];
      script("ls -ln /dev/mydev | awk '{print $1, $3, $4, $5, $6, $10}'")(s);
    }),
});

Deno.test({
  name: name("hostile symlinks in the rootfs never lead a mount, mkdir or device onto the host"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const host = `${sb.dir}/host-target`, hostDev = `${sb.dir}/host-dev`;
      await Deno.mkdir(host);
      await Deno.mkdir(hostDev);
      const rootfs = `${sb.bundle}/rootfs`;
      // /evil -> a host dir (absolute), /up -> ../../.. (climbing), /dev -> another host dir
      await Deno.symlink(host, `${rootfs}/evil`);
      await Deno.symlink("../../../../../../..", `${rootfs}/up`);
      await Deno.remove(`${rootfs}/dev`, { recursive: true });
      await Deno.symlink(hostDev, `${rootfs}/dev`);
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals([...Deno.readDirSync(host)].length, 0, "something was created in the host dir");
      assertEquals(
        [...Deno.readDirSync(hostDev)].length,
        0,
        "a device or link was created on the host",
      );
      assert(
        !(await exists(`${sb.dir}/x-runc-it`)) && !(await exists("/x-runc-it")),
        "created outside the rootfs",
      );
      // What the symlinks pointed at was made inside the rootfs instead.
      assert(await exists(`${rootfs}${host}/m1`), "the /evil mount went elsewhere");
      assert(await exists(`${rootfs}/x-runc-it`), "the /up mount went elsewhere");
      assertStringIncludes(r.stdout, "ok");
    }, (s) => {
      s.mounts!.push(
        { destination: "/evil/m1", type: "tmpfs", source: "tmpfs" },
        { destination: "/up/x-runc-it", type: "tmpfs", source: "tmpfs" },
      );
      script("echo ok")(s);
    }),
});

const ownCgroups = needsRoot("the container's own cgroups are made in the host's v1 hierarchies");
Deno.test({
  name: name(
    "the cgroup mount shows the container's own cgroups, read-only; with a cgroup namespace as its root",
    ownCgroups,
  ),
  ignore: !!ownCgroups,
  fn: () =>
    withSandbox(
      async (sb) => {
        const id = `cgmount-${crypto.randomUUID().slice(0, 8)}`;
        const r = await sb.run(["run", id]);
        assertEquals(r.code, 0, r.stderr);
        assertStringIncludes(r.stdout, `pids=/${id}`);
        assertStringIncludes(r.stdout, "write=refused");
        assert(/ \/sys\/fs\/cgroup\/pids ro,/.test(r.stdout), r.stdout);
        await sb.editSpec((s) => addNamespaces(s, "cgroup"));
        const ns = await sb.run(["run", `${id}-ns`]);
        assertEquals(ns.code, 0, ns.stderr);
        assertStringIncludes(ns.stdout, "pids=/ /sys/fs/cgroup/pids ro,");
        assertStringIncludes(ns.stdout, "own=8:pids:/\n");
      },
      script(
        "grep ' /sys/fs/cgroup/pids ' /proc/self/mountinfo | awk '{print $4, $5, $6}' | sed 's/^/pids=/'; " +
          "echo own=$(grep ':pids:' /proc/self/cgroup); " +
          "(mkdir /sys/fs/cgroup/pids/x) 2>/dev/null && echo write=done || echo write=refused",
      ),
    ),
});

const delegation = needsRoot(
  "maps host ids 100000.. and gives them a cgroup made in the host's cgroup2 hierarchy",
);
Deno.test({
  name: name(
    "cgroup v2 delegation: a container in a user and cgroup namespace owns its v2 cgroup",
    delegation,
  ),
  ignore: !!delegation,
  fn: () =>
    withSandbox(async (sb) => {
      const id = `deleg-${crypto.randomUUID().slice(0, 8)}`;
      await sb.ok(["run", "-d", id]);
      try {
        const { pid } = JSON.parse(await sb.ok(["state", id]));
        const line = (await Deno.readTextFile(`/proc/${pid}/cgroup`)).split("\n").find((l) =>
          l.startsWith("0::")
        );
        if (!line) return; // no cgroup v2 hierarchy on this host
        const root = (await Deno.readTextFile("/proc/self/mountinfo")).split("\n")
          .find((l) => l.includes(" - cgroup2 "))!.split(" ")[4]!;
        const dir = `${root}${line.slice(3)}`;
        assertEquals((await Deno.stat(dir)).uid, 100000);
        assertEquals((await Deno.stat(`${dir}/cgroup.procs`)).uid, 100000);
      } finally {
        await sb.run(["delete", "--force", id]);
      }
    }, (s) => {
      addNamespaces(s, "user", "cgroup");
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.mounts = s.mounts!.filter((m) =>
        m.destination !== "/sys" && m.destination !== "/sys/fs/cgroup"
      )
        .concat([{
          destination: "/sys",
          type: "none",
          source: "/sys",
          options: ["rbind", "nosuid", "noexec", "nodev", "ro"],
        }]);
      s.process!.args = ["sleep", "100"];
    }),
});

// Rootless, the stub cannot join the init's mount namespace to open the
// sources as the caller: with the container's root mapped to subordinate ids,
// a 0700 directory of the caller's stays closed (runc 1.1 fails there too).
const rootsDir = needsRoot("maps host ids 100000.., and the bind source is root's own");
Deno.test({
  name: name(
    "a bind source the mapped root cannot reach (a 0700 directory of root's) is mounted by fd",
    rootsDir,
  ),
  ignore: !!rootsDir,
  fn: () =>
    withSandbox(async (sb) => {
      // uid 100000 (the container's root) has no search right on private/.
      await Deno.mkdir(`${sb.dir}/private/data`, { recursive: true, mode: 0o700 });
      await Deno.chmod(`${sb.dir}/private`, 0o700);
      await Deno.chmod(`${sb.dir}/private/data`, 0o755);
      await Deno.writeTextFile(`${sb.dir}/private/data/secret`, "reached\n");
      await Deno.writeTextFile(`${sb.dir}/private/file`, "file source\n");
      // The rootfs is root's: the mapped root could not make the destinations.
      await Deno.mkdir(`${sb.bundle}/rootfs/mnt/data`, { recursive: true });
      await Deno.writeTextFile(`${sb.bundle}/rootfs/mnt/file`, "");
      await sb.editSpec((s) => {
        s.mounts!.push(
          {
            destination: "/mnt/data",
            type: "bind",
            source: `${sb.dir}/private/data`,
            options: ["rbind", "ro"],
          },
          {
            destination: "/mnt/file",
            type: "bind",
            source: `${sb.dir}/private/file`,
            options: ["bind"],
          },
        );
      });
      const r = await sb.run(["run", `msrc-${crypto.randomUUID().slice(0, 8)}`]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, "reached\nfile source\nro\n");
      assertEquals(await sb.ids(), []);
    }, (s) => {
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      script(
        "cat /mnt/data/secret /mnt/file; grep ' /mnt/data ' /proc/self/mountinfo | cut -d' ' -f6 | cut -d, -f1",
      )(s);
    }),
});
