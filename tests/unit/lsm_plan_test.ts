/**
 * AppArmor and SELinux in the init programs, as runc 1.1 applies them: the
 * exec attribute written before any seccomp filter and before execve, the
 * session keyring made with the process label, linux.mountLabel as the
 * context= of the mounts that take one and as the label of mqueue's root.
 */
import { defaultSpec } from "../../core/spec/template.ts";
import type { Spec } from "../../core/spec/types.ts";
import { planInit, type PlanInput } from "../../core/init/plan.ts";
import { type ExecPlanInput, planExec } from "../../core/init/plan_exec.ts";
import { execProcess } from "../../core/container/exec.ts";
import { type Op, Opcode } from "../../core/init/protocol.ts";
import { assert, assertEquals, assertThrows } from "./_assert.ts";

const names = Object.fromEntries(Object.entries(Opcode).map(([k, v]) => [v, k]));
const kinds = (ops: Op[]) => ops.map((o) => names[o.op]);
const SECCOMP = { program: new Uint8Array(8), flags: 0, notify: false };
const AA = "/proc/self/attr/apparmor/exec";
const LABEL = "system_u:system_r:container_t:s0:c1,c2";
const MOUNT_LABEL = "system_u:object_r:container_file_t:s0:c1,c2";

function spec(edit: (s: Spec) => void = () => {}): Spec {
  const s = defaultSpec({ rootless: false });
  s.process!.terminal = false;
  s.process!.args = ["sleep", "1"];
  edit(s);
  return s;
}

function init(s: Spec, over: Partial<PlanInput> = {}): Op[] {
  return planInit({
    spec: s,
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
  }).ops;
}

function exec(over: Partial<ExecPlanInput>): Op[] {
  return planExec({
    process: { args: ["true"], cwd: "/", user: { uid: 1000, gid: 1000 } },
    namespaces: [{ type: "mount" }, { type: "pid" }],
    initPid: 42,
    id: "c1",
    extraFds: 0,
    ...over,
  });
}

/** Index of the first op of kind k (asserted present). */
function at(ops: Op[], k: string, from = 0): number {
  const i = kinds(ops).indexOf(k, from);
  assert(i >= 0, `${k} in ${kinds(ops).join(",")}`);
  return i;
}

const writes = (ops: Op[]) => ops.filter((o) => o.op === Opcode.WRITE_FILE).map((o) => o.str);

Deno.test("init: the AppArmor profile is written after the hostname, before any filter and exec", () => {
  for (const noNewPrivileges of [false, true]) {
    const ops = init(
      spec((s) => {
        s.process!.apparmorProfile = "runc-test";
        s.process!.noNewPrivileges = noNewPrivileges;
        s.linux!.sysctl = { "net.ipv4.ip_forward": "1" };
      }),
      { apparmorExecAttr: AA, seccomp: SECCOMP },
    );
    const aa = ops.findIndex((o) => o.str?.[0] === AA);
    assertEquals(ops[aa]!.str, [
      AA,
      "exec runc-test",
      "error during container init: unable to apply apparmor profile: " +
      "apparmor failed to apply profile",
    ]);
    // runc's standard init: hostname, apparmor, sysctl.
    assert(at(ops, "SETHOSTNAME") < aa, "after the hostname");
    assert(aa < ops.findIndex((o) => o.str?.[0]?.startsWith("/proc/sys/")), "before sysctl");
    assert(aa < at(ops, "SECCOMP"), `before the filter (noNewPrivileges ${noNewPrivileges})`);
    assert(aa < at(ops, "EXEC"));
    assertEquals(writes(ops).filter((w) => w![0] === AA).length, 1, "written once");
  }
  // The older kernels' attribute, as the host says (host.ts's apparmorExecAttr).
  const old = init(spec((s) => (s.process!.apparmorProfile = "p")), {
    apparmorExecAttr: "/proc/self/attr/exec",
  });
  assertEquals(writes(old).find((w) => w![1] === "exec p")![0], "/proc/self/attr/exec");
  // A host without AppArmor: the spec checks refuse first; the planner never writes one.
  assertThrows(() => init(spec((s) => (s.process!.apparmorProfile = "p"))), "without AppArmor");
  assertEquals(writes(init(spec())).filter((w) => w![0]!.includes("/attr/")), []);
});

Deno.test("init: the SELinux label goes to keycreate around the keyring, and to exec before the filter", () => {
  for (const noNewPrivileges of [false, true]) {
    const ops = init(
      spec((s) => {
        s.process!.selinuxLabel = LABEL;
        s.process!.noNewPrivileges = noNewPrivileges;
      }),
      { selinuxEnabled: true, seccomp: SECCOMP },
    );
    const key = at(ops, "JOIN_KEYRING");
    const what = "error during container init";
    assertEquals(ops[key - 1]!.str, ["/proc/self/attr/keycreate", LABEL, what]);
    assertEquals(ops[key + 1]!.str, ["/proc/self/attr/keycreate", "", what], "reset after");
    const ex = ops.findIndex((o) => o.str?.[0] === "/proc/thread-self/attr/exec");
    assertEquals(ops[ex]!.str, [
      "/proc/thread-self/attr/exec",
      LABEL,
      "error during container init: can't set process label",
    ]);
    assert(ex < at(ops, "SECCOMP") && ex < at(ops, "EXEC"), kinds(ops).join(","));
    if (noNewPrivileges) assert(at(ops, "NO_NEW_PRIVS") < ex, "runc: no_new_privs, then the label");
  }
  // --no-new-keyring: no keyring, so no keycreate label either.
  const none = init(spec((s) => (s.process!.selinuxLabel = LABEL)), {
    selinuxEnabled: true,
    noNewKeyring: true,
  });
  assertEquals(writes(none).map((w) => w![0]), ["/proc/thread-self/attr/exec"]);
  assertThrows(() => init(spec((s) => (s.process!.selinuxLabel = LABEL))), "without SELinux");
});

Deno.test("exec: --apparmor and --process-label become the exec'd process's profile and label", async () => {
  const base = { args: ["sleep"], cwd: "/", user: { uid: 0, gid: 0 } };
  const p = await execProcess(base, {
    root: "/run/runc",
    id: "c1",
    args: ["id"],
    env: [],
    additionalGids: [],
    caps: [],
    preserveFds: 0,
    detach: false,
    ignorePaused: false,
    apparmor: "runc-test",
    processLabel: LABEL,
  });
  assertEquals([p.apparmorProfile, p.selinuxLabel], ["runc-test", LABEL]);

  const ops = exec({
    process: { ...p, noNewPrivileges: false },
    apparmorExecAttr: AA,
    selinuxEnabled: true,
    seccomp: SECCOMP,
  });
  // runc's setns init words these errors without "error during container init".
  assertEquals(writes(ops), [
    ["/proc/self/attr/keycreate", LABEL, ""],
    ["/proc/self/attr/keycreate", "", ""],
    [AA, "exec runc-test", "apparmor failed to apply profile"],
    ["/proc/thread-self/attr/exec", LABEL, ""],
  ]);
  const k = kinds(ops);
  assertEquals(k.slice(at(ops, "JOIN_KEYRING") - 1, at(ops, "JOIN_KEYRING") + 2), [
    "WRITE_FILE",
    "JOIN_KEYRING",
    "WRITE_FILE",
  ]);
  // Both before the filter, which without no_new_privs comes before the user is set.
  const filter = at(ops, "SECCOMP");
  for (const path of [AA, "/proc/thread-self/attr/exec"]) {
    assert(ops.findIndex((o) => o.str?.[0] === path) < filter, `${path} before the filter`);
  }
  assert(filter < at(ops, "SETUSER"));
  // With no_new_privs the filter is last, the labels still before it.
  const late = exec({
    process: { ...p, noNewPrivileges: true },
    apparmorExecAttr: AA,
    selinuxEnabled: true,
    seccomp: SECCOMP,
  });
  assert(at(late, "LOOKPATH") < at(late, "SECCOMP"));
  assert(late.findIndex((o) => o.str?.[0] === AA) < at(late, "SETUSER"));
  // Without either, nothing is written.
  assertEquals(writes(exec({ apparmorExecAttr: AA, selinuxEnabled: true })), []);
});

Deno.test("mountLabel: context= on tmpfs, devpts, cgroup v1's tmpfs and masked directories, not on bind, proc, sysfs, mqueue", () => {
  const s = spec((s) => {
    s.linux!.mountLabel = MOUNT_LABEL;
    s.mounts!.push(
      { destination: "/data", type: "bind", source: "/srv", options: ["rbind"] },
      { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro"] },
    );
  });
  const plan = (selinuxEnabled: boolean) =>
    init(s, {
      selinuxEnabled,
      cgroupPaths: { memory: "/sys/fs/cgroup/memory/c1", pids: "/sys/fs/cgroup/pids/c1" },
    });
  const ctx = `context="${MOUNT_LABEL}"`;
  const mounts = (ops: Op[]): Record<string, string> =>
    Object.fromEntries(
      ops.filter((o) => o.op === Opcode.MOUNT && (o.str![2] || o.str![0] === "/srv"))
        .map((o) => [o.str![1], o.str![3]]),
    );
  const on = plan(true);
  const m = mounts(on);
  assertEquals(m["/dev/shm"], `mode=1777,size=65536k,${ctx}`);
  assertEquals(m["/dev/pts"], `newinstance,ptmxmode=0666,mode=0620,gid=5,${ctx}`);
  assertEquals(m["/sys/fs/cgroup"], `mode=755,${ctx}`);
  assertEquals(m["/data"], "", "a bind mount takes no data");
  assertEquals(m["/proc"], "");
  assertEquals(m["/dev/mqueue"], "");
  // mqueue's root gets the label as its security.selinux, right after the mount.
  const mq = on.findIndex((o) => o.op === Opcode.MOUNT && o.str![1] === "/dev/mqueue");
  assertEquals(on[mq + 1], {
    op: Opcode.SETXATTR,
    str: ["/dev/mqueue", "security.selinux", MOUNT_LABEL],
  });
  // A masked directory's tmpfs has the context too.
  const masks = on.filter((o) => o.op === Opcode.MASK_PATH).map((o) => o.str);
  assert(masks.length > 3);
  for (const mask of masks) assertEquals(mask![1], ctx);

  // Without SELinux: none of it.
  const off = plan(false);
  assert(!Object.values(mounts(off)).some((d) => d.includes("context=")));
  assertEquals(off.filter((o) => o.op === Opcode.SETXATTR), []);
  assert(off.filter((o) => o.op === Opcode.MASK_PATH).every((o) => o.str!.length === 1));
  // SELinux without a mountLabel: none of it either.
  const plain = init(spec(), { selinuxEnabled: true });
  assertEquals(plain.filter((o) => o.op === Opcode.SETXATTR), []);
  assert(plain.filter((o) => o.op === Opcode.MASK_PATH).every((o) => o.str!.length === 1));
});
