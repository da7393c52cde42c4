import { defaultSpec } from "../../core/spec/template.ts";
import type { Spec } from "../../core/spec/types.ts";
import { planInit, type PlanInput } from "../../core/init/plan.ts";
import { makedev } from "../../core/init/plan_rootfs.ts";
import { CLONE_FLAGS } from "../../core/os/namespaces.ts";
import { CgroupJoin, Chdir, type Op, Opcode, Target } from "../../core/init/protocol.ts";
import { selfJoins } from "../../core/container/create.ts";
import { MOUNT_ATTR, MS } from "../../core/mounts/options.ts";
import { assert, assertEquals, assertThrows } from "./_assert.ts";

function input(spec: Spec, over: Partial<PlanInput> = {}): PlanInput {
  return {
    spec,
    rootfs: "/b/rootfs",
    bundle: "/b",
    fifoPath: "/run/runc/c/exec.fifo",
    extraFds: 0,
    noPivot: false,
    id: "c1",
    noNewKeyring: false,
    hostHasKcore: true,
    sourceKind: () => "dir",
    ...over,
  };
}

function base(): Spec {
  const s = defaultSpec({ rootless: false });
  s.process!.terminal = false;
  s.process!.args = ["sleep", "1"];
  return s;
}

const names = Object.fromEntries(Object.entries(Opcode).map(([k, v]) => [v, k]));
const kinds = (ops: Op[]) => ops.map((o) => names[o.op]);

Deno.test("runc spec's config becomes clone, rootfs, identity, fifo, exec in runc's order", () => {
  const { ops, newUserns } = planInit(input(base()));
  assertEquals(newUserns, false);
  const k = kinds(ops);
  // The caller's fds are swept before anything else runs.
  assertEquals(ops[0], { op: Opcode.SWEEP_FDS, num: [0] });
  const order = [
    "SWEEP_FDS",
    "OPEN_FIFO",
    "CLONE",
    "WAIT_PARENT",
    "SETSID",
    "JOIN_KEYRING",
    "PARENT_PRIVATE",
    "OPEN_ROOT",
    "PIVOT_ROOT",
    "SETHOSTNAME",
    "READONLY_PATH",
    "MASK_PATH",
    "UMASK",
    "SETRLIMIT",
    "NO_NEW_PRIVS",
    "CAP_BOUNDING",
    "FIX_STDIO",
    "LOOKUP_HOME",
    "CHDIR",
    "SETUSER",
    "CHDIR",
    "CAPS",
    "LOOKPATH",
    "READY",
    "WAIT_FIFO",
    "EXEC",
  ];
  let last = -1;
  for (const step of order) {
    const i = k.indexOf(step, last + 1);
    assert(i > last, `${step} after index ${last} in ${k.join(",")}`);
    last = i;
  }
  assertEquals(k.at(-1), "EXEC");
});

Deno.test("the clone op carries exactly the new namespaces; paths are joined first, user first", () => {
  const s = base();
  s.linux!.namespaces = [
    { type: "pid" },
    { type: "network", path: "/proc/1/ns/net" },
    { type: "mount" },
    { type: "user", path: "/proc/1/ns/user" },
  ];
  const { ops } = planInit(input(s));
  assertEquals(ops.slice(2, 6), [
    { op: Opcode.SETNS, str: ["/proc/1/ns/user", "user"], num: [CLONE_FLAGS.user!] },
    { op: Opcode.SETNS, str: ["/proc/1/ns/net", "network"], num: [CLONE_FLAGS.network!] },
    { op: Opcode.JOIN_NS },
    { op: Opcode.CLONE, num: [CLONE_FLAGS.pid! | CLONE_FLAGS.mount!] },
  ]);
});

Deno.test("a new user namespace makes the init wait for its id maps", () => {
  const s = base();
  s.linux!.namespaces!.push({ type: "user" });
  const { ops, newUserns } = planInit(input(s));
  assert(newUserns);
  assertEquals(kinds(ops).slice(2, 5), ["CLONE", "WAIT_PARENT", "SET_ROOT_IDS"]);
  // Dumpable while it waits, so that its uid_map can be written.
  assertEquals(ops[3]!.num, [1]);
  assertEquals(planInit(input(base())).ops[3]!.num, [0]);
  // No mknod inside a user namespace: device nodes are bind-mounted from the host.
  assert(!ops.some((o) => o.op === Opcode.MKNOD));
  assert(
    ops.some((o) =>
      o.op === Opcode.MOUNT && o.str?.[0] === "/dev/null" && o.num?.[1] === Target.FILE
    ),
  );
});

Deno.test("mounts: data goes to the filesystem, flags to mount(2), bind flags to a remount", () => {
  const s = base();
  s.mounts = [
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "newinstance", "gid=5"],
    },
    {
      destination: "/data",
      type: "bind",
      source: "data",
      options: ["rbind", "ro", "nosuid", "rprivate"],
    },
  ];
  const { ops } = planInit(input(s));
  const mounts = ops.filter((o) => o.op === Opcode.MOUNT || o.op === Opcode.REMOUNT);
  assertEquals(mounts[0]!.num, [MS.SLAVE | MS.REC, Target.HOST, 0o755, 0]);
  assertEquals(mounts[1], {
    op: Opcode.MOUNT,
    str: ["/b/rootfs", "/b/rootfs", "", ""],
    num: [MS.BIND | MS.REC, Target.HOST, 0o755, 0],
  });
  // No /dev in the spec: a tmpfs, so devices never land on the image's own /dev.
  assertEquals(mounts[2], {
    op: Opcode.MOUNT,
    str: ["tmpfs", "/dev", "tmpfs", "mode=755,size=65536k"],
    num: [MS.NOSUID | MS.STRICTATIME, Target.DIR, 0o755, 0],
  });
  assertEquals(mounts[3], {
    op: Opcode.MOUNT,
    str: ["devpts", "/dev/pts", "devpts", "newinstance,gid=5"],
    num: [MS.NOSUID, Target.DIR, 0o755, 0],
  });
  assertEquals(mounts[4], {
    op: Opcode.MOUNT,
    str: ["/b/data", "/data", "", ""],
    num: [MS.BIND | MS.REC, Target.DIR, 0o755, 0],
  });
  assertEquals(mounts[5], { op: Opcode.REMOUNT, str: ["/data"], num: [MS.RDONLY | MS.NOSUID] });
  assertEquals(mounts[6], {
    op: Opcode.MOUNT,
    str: ["", "/data", "", ""],
    num: [MS.PRIVATE | MS.REC, Target.EXISTING, 0o755, 0],
  });
});

Deno.test("a file bind source gets a file destination; a missing one is refused", () => {
  const s = base();
  s.mounts = [{ destination: "/etc/hosts", type: "bind", source: "/etc/hosts", options: ["bind"] }];
  const { ops } = planInit(input(s, { sourceKind: () => "file" }));
  assert(
    ops.some((o) =>
      o.op === Opcode.MOUNT && o.str?.[1] === "/etc/hosts" && o.num?.[1] === Target.FILE
    ),
  );
  assertThrows(
    () => planInit(input(s, { sourceKind: () => "missing" })),
    `error mounting "/etc/hosts" to rootfs at "/etc/hosts": stat /etc/hosts: no such file or directory`,
  );
});

Deno.test("default devices are created unless the spec lists its own; /dev/ptmx points into pts", () => {
  const s = base();
  s.linux!.devices = [{
    path: "/dev/null",
    type: "c",
    major: 1,
    minor: 3,
    fileMode: 0o600,
    uid: 5,
    gid: 6,
  }];
  const { ops } = planInit(input(s));
  const nodes = ops.filter((o) => o.op === Opcode.MKNOD);
  assertEquals(nodes.filter((o) => o.str?.[0] === "/dev/null").length, 1);
  assertEquals(nodes.find((o) => o.str?.[0] === "/dev/null")!.num, [0o020600, makedev(1, 3), 5, 6]);
  assertEquals(nodes.length, 6);
  assert(
    ops.some((o) => o.op === Opcode.SYMLINK && o.str?.[1] === "/dev/ptmx" && o.num?.[0] === 1),
  );
  const noKcore = planInit(input(s, { hostHasKcore: false })).ops;
  assert(!noKcore.some((o) => o.op === Opcode.SYMLINK && o.str?.[1] === "/dev/core"));
});

Deno.test("makedev encodes large majors and minors as glibc does", () => {
  assertEquals(makedev(1, 3), 0x103n);
  assertEquals(makedev(259, 65536), 0x10010300n);
  assertEquals(makedev(4096, 1), 1n << 44n | 1n);
});

Deno.test("identity: groups, uid/gid, capability masks, rlimit infinity, umask", () => {
  const s = base();
  s.process!.user = { uid: 1000, gid: 1001, additionalGids: [5, 6], umask: 0o22 };
  s.process!.capabilities = {
    bounding: ["CAP_KILL"],
    effective: ["CAP_CHOWN"],
    ambient: ["CAP_KILL"],
  };
  s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 10, hard: 2n ** 64n - 1n }];
  const { ops } = planInit(input(s));
  const find = (c: number) => ops.find((o) => o.op === c)!;
  assertEquals(find(Opcode.SETGROUPS).str, ["5", "6"]);
  assertEquals(find(Opcode.SETUSER).num, [1000, 1001]);
  assertEquals(find(Opcode.CAP_BOUNDING).num, [1n << 5n]);
  assertEquals(find(Opcode.CAPS).num, [1n, 0n, 0n, 1n << 5n]);
  assertEquals(find(Opcode.SETRLIMIT).num, [7, 10n, -1n]);
  assertEquals(find(Opcode.UMASK).num, [0o22]);
});

Deno.test("exec gets argv and env; PATH goes to the lookup, the kept fds to the sweep", () => {
  const s = base();
  s.process!.env = ["A=1", "PATH=/bin:/sbin"];
  const { ops } = planInit(input(s, { extraFds: 3 }));
  assertEquals(ops[0], { op: Opcode.SWEEP_FDS, num: [3] });
  assertEquals(ops.find((o) => o.op === Opcode.LOOKPATH)!.str, ["sleep", "/bin:/sbin"]);
  assertEquals(ops.at(-1), {
    op: Opcode.EXEC,
    num: [2],
    str: ["sleep", "1", "A=1", "PATH=/bin:/sbin"],
  });
});

Deno.test("HOME is looked up before the user is set, only when env has none", () => {
  const s = base();
  s.process!.user = { uid: 1000, gid: 1000 };
  const k = kinds(planInit(input(s)).ops);
  assert(k.indexOf("LOOKUP_HOME") < k.indexOf("SETUSER"));
  assertEquals(planInit(input(s)).ops.find((o) => o.op === Opcode.LOOKUP_HOME)!.num, [1000]);
  s.process!.env = ["HOME=/home/x"];
  assert(!kinds(planInit(input(s)).ops).includes("LOOKUP_HOME"));
});

Deno.test("the cwd is tried before the user is set, and again after (runc's finalizeNamespace)", () => {
  const ops = planInit(input(base())).ops;
  const chdirs = ops.flatMap((o, i) => o.op === Opcode.CHDIR ? [{ i, to: o.num![0] }] : []);
  const setuser = ops.findIndex((o) => o.op === Opcode.SETUSER);
  assertEquals(chdirs.map((c) => c.to), [Chdir.ROOTFS, Chdir.EARLY, Chdir.CWD]);
  assert(chdirs[1]!.i < setuser && chdirs[2]!.i > setuser);
  // createContainer hooks run in the rootfs, before pivot_root (runc's prepareRootfs).
  assert(chdirs[0]!.i < ops.findIndex((o) => o.op === Opcode.PIVOT_ROOT));
  assertEquals(ops[chdirs[0]!.i]!.str, ["/b/rootfs"]);
});

Deno.test("hooks in the container get the process's environment, never the runtime's", () => {
  const s = base();
  s.process!.env = ["PATH=/bin", "X=1"];
  const hook = { path: "/bin/true" };
  s.hooks = { createContainer: [hook], startContainer: [hook] };
  const hooks = planInit(input(s, { extraFds: 1, extraEnv: ["LISTEN_FDS=1", "LISTEN_PID=1"] }))
    .ops.filter((o) => o.op === Opcode.RUN_HOOK);
  assertEquals(hooks.length, 2);
  for (const h of hooks) {
    assertEquals(h.num![1], 4);
    assertEquals(h.str!.slice(2, 6), ["PATH=/bin", "X=1", "LISTEN_FDS=1", "LISTEN_PID=1"]);
  }
});

Deno.test("a read-only tmpfs or /dev is made read-write, and read-only once what goes under it is", () => {
  const s = base();
  s.mounts = s.mounts!.map((m) =>
    m.destination === "/dev" ? { ...m, options: [...m.options!, "ro"] } : m
  );
  s.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["ro"] });
  const ops = planInit(input(s)).ops;
  const dev = ops.find((o) => o.op === Opcode.MOUNT && o.str?.[1] === "/dev")!;
  assertEquals(Number(dev.num![0]) & MS.RDONLY, 0);
  const k = kinds(ops);
  const late = ops.flatMap((o, i) =>
    o.op === Opcode.REMOUNT && (o.str?.[0] === "/dev" || o.str?.[0] === "/tmp") ? [i] : []
  );
  assertEquals(late.length, 2);
  assert(late.every((i) => i > k.indexOf("PIVOT_ROOT") && i > k.lastIndexOf("MKNOD")));
  assert(late.every((i) => ops[i]!.num![0] === MS.RDONLY));
});

Deno.test("/dev/ptmx given as a device stays the link into the container's devpts", () => {
  const s = base();
  s.linux!.devices = [{ path: "/dev/ptmx", type: "c", major: 5, minor: 2 }];
  const ops = planInit(input(s)).ops;
  assert(!ops.some((o) => o.op === Opcode.MKNOD && o.str?.[0] === "/dev/ptmx"));
  assert(ops.some((o) => o.op === Opcode.SYMLINK && o.str?.[1] === "/dev/ptmx"));
});

Deno.test("the umask is 022 unless the user has one (runc's finalizeRootfs)", () => {
  assertEquals(planInit(input(base())).ops.find((o) => o.op === Opcode.UMASK)!.num, [0o022]);
});

Deno.test("with --debug the init says where it is in runc's words", () => {
  const debugLines = (debug: boolean) =>
    planInit(input(base(), { debug })).ops.filter((o) => o.op === Opcode.DEBUG).map((o) => o.str);
  assertEquals(debugLines(true), [["init: closing the pipe to signal completion"]]);
  assertEquals(debugLines(false), []);
});

Deno.test("the mount that holds the rootfs is made private before the rootfs is bound (rshared)", () => {
  const s = base();
  s.linux!.rootfsPropagation = "rshared";
  const ops = planInit(input(s)).ops;
  const k = kinds(ops);
  assertEquals(ops[k.indexOf("PARENT_PRIVATE")]!.str, ["/b/rootfs"]);
  assert(
    k.indexOf("PARENT_PRIVATE") <
      ops.findIndex((o) => o.op === Opcode.MOUNT && o.str?.[0] === "/b/rootfs"),
  );
  const first = ops.find((o) => o.op === Opcode.MOUNT)!;
  assertEquals(first.num![0], MS.SHARED | MS.REC);
});

Deno.test("sysctl names with dots and with slashes become /proc/sys paths", () => {
  const s = base();
  s.linux!.sysctl = { "net.ipv4.ip_forward": "1", "net/ipv4/conf/eth0.100/forwarding": "0" };
  const writes = planInit(input(s)).ops.filter((o) => o.op === Opcode.WRITE_FILE).map((o) => o.str);
  assertEquals(writes, [
    ["/proc/sys/net/ipv4/ip_forward", "1"],
    ["/proc/sys/net/ipv4/conf/eth0.100/forwarding", "0"],
  ]);
});

Deno.test("no mount namespace: no rootfs ops at all", () => {
  const s = base();
  s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "mount");
  const k = kinds(planInit(input(s)).ops);
  for (const op of ["MOUNT", "PIVOT_ROOT", "MASK_PATH", "MKNOD"]) assert(!k.includes(op), op);
});

Deno.test("root.readonly remounts / read-only after pivot_root", () => {
  const k = planInit(input(base())).ops;
  const pivot = k.findIndex((o) => o.op === Opcode.PIVOT_ROOT);
  const ro = k.findIndex((o) => o.op === Opcode.REMOUNT && o.str?.[0] === "/");
  assert(pivot >= 0 && ro > pivot);
  assertEquals(k[ro]!.num, [MS.RDONLY]);
});

Deno.test("the init joins a session keyring named after the container unless --no-new-keyring", () => {
  const ops = planInit(input(base())).ops;
  assertEquals(ops.find((o) => o.op === Opcode.JOIN_KEYRING)?.str, ["_ses.c1"]);
  const none = planInit(input(base(), { noNewKeyring: true })).ops;
  assert(!none.some((o) => o.op === Opcode.JOIN_KEYRING));
});

Deno.test("recursive attributes become mount_setattr after the mount", () => {
  const s = base();
  s.mounts = [{
    destination: "/data",
    type: "bind",
    source: "/d",
    options: ["rbind", "rro", "rnosuid", "rrelatime"],
  }];
  const ops = planInit(input(s)).ops;
  const i = ops.findIndex((o) => o.op === Opcode.MOUNT_SETATTR);
  assert(i > ops.findIndex((o) => o.op === Opcode.MOUNT && o.str?.[1] === "/data"));
  assertEquals(ops[i], {
    op: Opcode.MOUNT_SETATTR,
    str: ["/data"],
    num: [MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.RELATIME, MOUNT_ATTR.ATIME, 0],
  });
});

Deno.test("sysfs without a network namespace of its own is the host's /sys, bound read-only", () => {
  const s = base();
  s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "network");
  const ops = planInit(input(s)).ops;
  assert(!ops.some((o) => o.op === Opcode.MOUNT && o.str?.[2] === "sysfs"));
  assert(ops.some((o) => o.op === Opcode.MOUNT && o.str?.[0] === "/sys" && o.str?.[1] === "/sys"));
  assert(ops.some((o) => o.op === Opcode.REMOUNT && o.str?.[0] === "/sys"));
});

Deno.test("--no-pivot hides the host's proc and sysfs mounts, then moves the rootfs onto /", () => {
  const ops = planInit(
    input(base(), { noPivot: true, hostProcSysMounts: ["/proc", "/sys", "/b/rootfs/proc"] }),
  ).ops;
  const k = ops.map((o) => names[o.op]);
  assert(!k.includes("PIVOT_ROOT"));
  assertEquals(ops.filter((o) => o.op === Opcode.HIDE_MOUNT).map((o) => o.str), [["/proc"], [
    "/sys",
  ]]);
  assertEquals(ops.find((o) => o.op === Opcode.MOVE_ROOT)!.str, ["/b/rootfs"]);
});

Deno.test("relative mount destinations start at the root", () => {
  const s = base();
  s.mounts = [{ destination: "data/x/../y", type: "tmpfs", source: "tmpfs" }];
  assert(planInit(input(s)).ops.some((o) => o.op === Opcode.MOUNT && o.str?.[1] === "/data/y"));
});

Deno.test("cgroup mounts: the container's own directories bound read-only; a cgroup namespace is made after joining", () => {
  const s = base();
  const paths = {
    pids: "/sys/fs/cgroup/pids/c1",
    "name=systemd": "/sys/fs/cgroup/systemd/c1",
    "": "/sys/fs/cgroup/unified/c1",
  };
  const ops = planInit(input(s, { cgroupPaths: paths })).ops;
  assert(
    ops.some((o) =>
      o.op === Opcode.MOUNT && o.str?.[0] === "/sys/fs/cgroup/pids/c1" &&
      o.str?.[1] === "/sys/fs/cgroup/pids"
    ),
  );
  assert(ops.some((o) => o.op === Opcode.MOUNT && o.str?.[1] === "/sys/fs/cgroup/systemd"));
  assert(
    !ops.some((o) => o.op === Opcode.MOUNT && o.str?.[0] === "/sys/fs/cgroup/unified/c1"),
    "v1 shows no unified",
  );
  assert(
    ops.some((o) =>
      o.op === Opcode.REMOUNT && o.str?.[0] === "/sys/fs/cgroup" &&
      o.num?.[0] === (MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC)
    ),
  );
  s.linux!.namespaces!.push({ type: "cgroup" });
  const ns = planInit(input(s, { cgroupPaths: paths })).ops;
  assertEquals(Number(ns.find((o) => o.op === Opcode.CLONE)!.num![0]) & CLONE_FLAGS.cgroup!, 0);
  const wait = ns.findIndex((o) => o.op === Opcode.WAIT_PARENT);
  assertEquals(ns[wait + 1], { op: Opcode.UNSHARE, num: [CLONE_FLAGS.cgroup!] });
  assert(ns.some((o) => o.op === Opcode.MOUNT && o.str?.[2] === "cgroup" && o.str?.[3] === "pids"));
});

Deno.test("cgroup v2 with a cgroup namespace: a fresh cgroup2, unless a recursive bind of the host's /sys holds its cgroup2 (then the container's own cgroup is bound, as runc's fallback)", () => {
  const s = base();
  s.linux!.namespaces!.push({ type: "cgroup" });
  const paths = { "": "/sys/fs/cgroup/user.slice/c1.scope" };
  const fresh = planInit(input(s, { cgroupPaths: paths })).ops;
  assert(fresh.some((o) => o.op === Opcode.MOUNT && o.str?.[2] === "cgroup2"));
  s.mounts = s.mounts!.filter((m) => m.destination !== "/sys");
  s.mounts.push({
    destination: "/sys",
    type: "none",
    source: "/sys",
    options: ["rbind", "nosuid", "noexec", "nodev", "ro"],
  });
  const bound = planInit(input(s, { cgroupPaths: paths })).ops;
  assert(!bound.some((o) => o.op === Opcode.MOUNT && o.str?.[2] === "cgroup2"));
  assert(
    bound.some((o) =>
      o.op === Opcode.MOUNT && o.str?.[0] === paths[""] && o.str?.[1] === "/sys/fs/cgroup"
    ),
  );
});

Deno.test("without a network namespace, /sys is bound non-recursively when the spec mounts its own cgroups", () => {
  const s = base();
  s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "network");
  const sys = planInit(input(s)).ops.find((o) => o.op === Opcode.MOUNT && o.str?.[0] === "/sys")!;
  assertEquals(sys.num![0], MS.BIND, "no MS_REC: the host's /sys/fs/cgroup mounts stay out");
  s.mounts = s.mounts!.filter((m) => m.type !== "cgroup");
  const rec = planInit(input(s)).ops.find((o) => o.op === Opcode.MOUNT && o.str?.[0] === "/sys")!;
  assertEquals(rec.num![0], MS.BIND | MS.REC);
});

Deno.test("bind sources are numbered for the stub only for a privileged caller's new user and mount namespaces", () => {
  const spec = base();
  spec.mounts!.push(
    { destination: "/a", type: "bind", source: "/srv/a", options: ["rbind"] },
    { destination: "/b", type: "bind", source: "rel", options: ["bind"] },
  );
  const binds = (p: PlanInput) =>
    planInit(p).ops.filter((o) => o.op === Opcode.MOUNT && o.str?.[0]?.match(/^\/(srv|b\/rel)/))
      .map((o) => [o.str![0], o.num![3]]);
  // No user namespace: the init is root on the host and opens them itself.
  assertEquals(binds(input(spec, { privileged: true })), [["/srv/a", 0], ["/b/rel", 0]]);
  const userns = structuredClone(spec);
  userns.linux!.namespaces!.push({ type: "user" });
  assertEquals(binds(input(userns, { privileged: true })), [["/srv/a", 1], ["/b/rel", 2]]);
  // An ordinary user's stub cannot join the init's mount namespace.
  assertEquals(binds(input(userns, { privileged: false })), [["/srv/a", 0], ["/b/rel", 0]]);
  // A user namespace that is joined: the stub is in it already.
  const joined = structuredClone(userns);
  joined.linux!.namespaces!.find((n) => n.type === "user")!.path = "/proc/1/ns/user";
  assertEquals(binds(input(joined, { privileged: true })), [["/srv/a", 0], ["/b/rel", 0]]);
});

Deno.test("mountLabel becomes the context= of tmpfs, devpts and other filesystems where SELinux is enabled", () => {
  const spec = base();
  spec.linux!.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2";
  const data = (p: PlanInput) =>
    Object.fromEntries(
      planInit(p).ops.filter((o) => o.op === Opcode.MOUNT && o.str?.[2])
        .map((o) => [o.str![1], o.str![3]]),
    );
  const on = data(input(spec, { selinuxEnabled: true }));
  const ctx = `context="system_u:object_r:container_file_t:s0:c1,c2"`;
  assertEquals(on["/dev"], `mode=755,size=65536k,${ctx}`);
  assertEquals(on["/dev/pts"], `newinstance,ptmxmode=0666,mode=0620,gid=5,${ctx}`);
  assertEquals(on["/proc"], "");
  assertEquals(on["/dev/mqueue"], "");
  const off = data(input(spec, { selinuxEnabled: false }));
  assertEquals(off["/dev"], "mode=755,size=65536k");
});

Deno.test("the stub joins cgroupfs cgroups itself, first thing: v1 by tasks, cgroup2 by the clone", () => {
  const paths = { cpu: "/sys/fs/cgroup/cpu/c1", "": "/sys/fs/cgroup/unified/c1" };
  const cgroups: Parameters<typeof selfJoins>[0] = { paths: () => paths };
  const joins = selfJoins(cgroups, false, base());
  assertEquals(joins, [
    { dir: "/sys/fs/cgroup/cpu/c1", how: CgroupJoin.TASKS },
    { dir: "/sys/fs/cgroup/unified/c1", how: CgroupJoin.CLONE_INTO },
  ]);
  const { ops } = planInit(input(base(), { cgroupJoins: joins }));
  // After the fd sweep, before the fifo, any namespace joined by path, and the clone.
  assertEquals(kinds(ops).slice(0, 4), ["SWEEP_FDS", "JOIN_CGROUP", "JOIN_CGROUP", "OPEN_FIFO"]);
  assertEquals(ops[1], { op: Opcode.JOIN_CGROUP, str: ["/sys/fs/cgroup/cpu/c1"], num: [0] });
  assertEquals(ops[2]!.num, [CgroupJoin.CLONE_INTO]);
  assert(kinds(ops).indexOf("CLONE") > 3);

  // The CLI moves the stub instead: systemd's cgroups, rootless ones, a namespace joined by path.
  const systemd = { slice: "s.slice", unit: "u.scope" } as unknown as NonNullable<
    typeof cgroups.systemd
  >;
  assertEquals(selfJoins({ systemd, paths: () => paths }, false, base()), undefined);
  assertEquals(selfJoins(cgroups, true, base()), undefined);
  const joined = base();
  joined.linux!.namespaces!.push({ type: "network", path: "/proc/1/ns/net" });
  assertEquals(selfJoins(cgroups, false, joined), undefined);
  assertEquals(kinds(planInit(input(base())).ops).includes("JOIN_CGROUP"), false);
});
