import { assert, assertEquals, assertThrows } from "./_assert.ts";
import {
  CHECKS,
  rootfsPath,
  runCheck,
  sysctlDotted,
  type ValidateContext,
  validateSpec,
} from "../../core/spec/validate.ts";
import { SpecError } from "../../core/spec/errors.ts";
import { defaultSpec } from "../../core/spec/template.ts";
import type { Spec } from "../../core/spec/types.ts";

/** Host facts fixed so the tests do not depend on this machine. */
const HOST = {
  userNamespaces: true,
  cgroupNamespaces: true,
  selinuxEnabled: false,
  capLastCap: 40,
  cgroup2Unified: false,
  intelRdt: true,
  intelRdtCat: false,
  intelRdtMba: false,
  apparmorEnabled: false,
  systemdRunning: false,
  fsType: (path: string) => path === "/proc" ? "proc" : path === "/sys" ? "sysfs" : "ext4",
};

const CTX: ValidateContext = { bundleDir: "/nonexistent-bundle", host: HOST };

function base(): Spec {
  return defaultSpec({ rootless: false });
}

/** Asserts check `name` refuses `spec` with exactly `message`; returns the error. */
function refuses(name: string, spec: Spec, message: string, ctx = CTX): SpecError {
  const err = assertThrows(() => runCheck(name, spec, ctx));
  assert(err instanceof SpecError, `${name}: expected a SpecError, got ${err}`);
  assertEquals(err.message, message, `check ${name}`);
  assertEquals(err.check, name);
  return err;
}

/** Asserts check `name` accepts `spec`, returning its warnings. */
function accepts(name: string, spec: Spec, ctx = CTX): string[] {
  return runCheck(name, spec, ctx);
}

function mutate(f: (s: Spec) => void): Spec {
  const s = base();
  f(s);
  return s;
}

Deno.test("every check has a unique name and a test below", () => {
  const names = CHECKS.map((c) => c.name);
  assertEquals(new Set(names).size, names.length);
  assertEquals(
    names,
    [
      "process",
      "console",
      "ociVersion",
      "root",
      "mounts",
      "devices",
      "cgroups",
      "rootfsPropagation",
      "namespaces",
      "userMappings",
      "seccomp",
      "unified",
      "rootfs",
      "hostname",
      "security",
      "userNamespace",
      "cgroupNamespace",
      "sysctl",
      "intelRdt",
      "rootless",
      "systemd",
      "mountDestinations",
      "rlimits",
      "capabilities",
    ],
  );
});

Deno.test("check process", () => {
  assertEquals(accepts("process", base()), []);
  refuses("process", mutate((s) => delete s.process), "process property must not be empty");
  refuses("process", mutate((s) => s.process!.cwd = ""), "Cwd property must not be empty");
  refuses("process", mutate((s) => s.process!.cwd = "tmp"), "Cwd must be an absolute path");
  refuses("process", mutate((s) => s.process!.args = []), "args must not be empty");
  refuses("process", mutate((s) => delete s.process!.args), "args must not be empty");
  const label = mutate((s) => s.process!.selinuxLabel = "system_u:system_r:container_t:s0");
  refuses(
    "process",
    label,
    "selinux label is specified in config, but selinux is disabled or not supported",
  );
  assertEquals(accepts("process", label, { ...CTX, host: { ...HOST, selinuxEnabled: true } }), []);
  const profile = mutate((s) => s.process!.apparmorProfile = "docker-default");
  refuses(
    "process",
    profile,
    "unable to apply apparmor profile: apparmor: config provided but apparmor not supported",
  );
  assertEquals(
    accepts("process", profile, { ...CTX, host: { ...HOST, apparmorEnabled: true } }),
    [],
  );
});

Deno.test("check mountDestinations", () => {
  assertEquals(accepts("mountDestinations", base()), []);
  const withMount = (m: Spec["mounts"] & object) => mutate((s) => s.mounts = [...s.mounts!, ...m]);
  refuses(
    "mountDestinations",
    withMount([{ destination: "/../etc", type: "tmpfs", source: "tmpfs" }]),
    "mount destination /../etc escapes the container's root",
  );
  refuses(
    "mountDestinations",
    withMount([{ destination: "a/../..", type: "tmpfs", source: "tmpfs" }]),
    "mount destination a/../.. escapes the container's root",
  );
  assertEquals(
    accepts("mountDestinations", withMount([{ destination: "data/x/../y", type: "tmpfs" }])),
    [],
  );
  // A mount over the whole rootfs would do nothing (the container pivots into the rootfs below it).
  refuses(
    "mountDestinations",
    withMount([{ destination: "/", type: "tmpfs", source: "tmpfs" }]),
    "mount destination / is the container's root: mount over the rootfs with root.path instead",
  );
  refuses(
    "mountDestinations",
    withMount([{ destination: "/data/..", type: "bind", source: "/tmp", options: ["bind"] }]),
    "mount destination /data/.. is the container's root: mount over the rootfs with root.path instead",
  );
  // /proc: a procfs, or the host's procfs bound (runc's "rootless with host pidns").
  const proc = (m: Spec["mounts"] & object) =>
    mutate((s) => s.mounts = [...s.mounts!.filter((x) => x.destination !== "/proc"), ...m]);
  refuses(
    "mountDestinations",
    proc([{ destination: "/proc", type: "tmpfs", source: "tmpfs" }]),
    '"/proc" cannot be mounted because it is not of type proc',
  );
  refuses(
    "mountDestinations",
    proc([{ destination: "/proc", type: "none", source: "/tmp", options: ["rbind"] }]),
    '"/proc" cannot be mounted because it is not of type proc',
  );
  assertEquals(
    accepts(
      "mountDestinations",
      proc([{ destination: "/proc", type: "none", source: "/proc", options: ["rbind"] }]),
    ),
    [],
  );
  refuses(
    "mountDestinations",
    withMount([{ destination: "/proc/sys", type: "tmpfs", source: "tmpfs" }]),
    '"/proc/sys" cannot be mounted because it is inside /proc',
  );
  assertEquals(
    accepts(
      "mountDestinations",
      withMount([{ destination: "/proc/cpuinfo", type: "bind", source: "/x" }]),
    ),
    [],
  );
  const sys = (m: Spec["mounts"] & object) =>
    mutate((s) => s.mounts = [...s.mounts!.filter((x) => x.destination !== "/sys"), ...m]);
  refuses(
    "mountDestinations",
    sys([{ destination: "/sys", type: "tmpfs", source: "tmpfs" }]),
    '"/sys" cannot be mounted because it is not of type sysfs',
  );
  assertEquals(
    accepts(
      "mountDestinations",
      sys([{ destination: "/sys", type: "bind", source: "/sys", options: ["rbind"] }]),
    ),
    [],
  );
});

Deno.test("check console", () => {
  assertEquals(accepts("console", base()), []);
  const sized = mutate((s) => s.process!.consoleSize = { height: 24, width: 80 });
  assertEquals(accepts("console", sized), []);
  sized.process!.terminal = false;
  assertEquals(accepts("console", sized), [
    "process.consoleSize is ignored because process.terminal is not true",
  ]);
});

Deno.test("check ociVersion", () => {
  assertEquals(accepts("ociVersion", base()), []);
  assertEquals(accepts("ociVersion", mutate((s) => s.ociVersion = "")), [
    "ociVersion is missing or empty",
  ]);
  assertEquals(accepts("ociVersion", mutate((s) => s.ociVersion = "0.5.0")), [
    'ociVersion "0.5.0" is not a 1.x version',
  ]);
});

Deno.test("check root", () => {
  assertEquals(accepts("root", base()), []);
  refuses("root", mutate((s) => delete s.root), "root must be specified");
});

Deno.test("check mounts: relative destination warns, NUL bytes fail", () => {
  assertEquals(accepts("mounts", base()), []);
  const rel = mutate((s) =>
    s.mounts!.push({ destination: "rel/x", type: "tmpfs", source: "tmpfs" })
  );
  assertEquals(accepts("mounts", rel), [
    "mount destination rel/x is not absolute. Support for non-absolute mount destinations " +
    "will be removed in a future release.",
  ]);
  const err = refuses(
    "mounts",
    mutate((s) =>
      s.mounts!.push({
        destination: "/x",
        type: "tmpfs",
        source: "/a\0",
        options: ["ro"],
        uidMappings: [{ containerID: 0, hostID: 1, size: 2 }],
      })
    ),
    "invalid mount {Destination:/x Type:tmpfs Source:/a\0 Options:[ro] " +
      "UIDMappings:[{ContainerID:0 HostID:1 Size:2}] GIDMappings:[]}: mount field contains null byte",
  );
  assertEquals(err.field, "mounts[7]");
  // A bind mount's type is ignored, as in runc.
  const bind = mutate((s) =>
    s.mounts!.push({ destination: "/x", type: "t\0", source: "/a", options: ["rbind"] })
  );
  assertEquals(accepts("mounts", bind), []);
});

Deno.test("check devices", () => {
  const dev = mutate((s) =>
    s.linux!.devices = [{ path: "/dev/fuse", type: "c", major: 10, minor: 229 }]
  );
  assertEquals(accepts("devices", dev), []);
  dev.linux!.devices![0]!.type = "x";
  refuses("devices", dev, 'invalid device type "x"');
});

Deno.test("check cgroups", () => {
  assertEquals(accepts("cgroups", base()), []);
  refuses(
    "cgroups",
    mutate((s) => s.linux!.resources!.devices!.push({ allow: true })),
    "device access at 1 field cannot be empty",
  );
  refuses(
    "cgroups",
    mutate((s) => s.linux!.resources!.devices!.push({ allow: true, type: "x", access: "r" })),
    'invalid cgroup device type "x"',
  );
  assertEquals(accepts("cgroups", mutate((s) => s.linux!.resources!.memory = { kernel: 1 })), [
    "Kernel memory settings are ignored and will be removed",
  ]);
  const path = mutate((s) => s.linux!.cgroupsPath = "/a/b");
  assertEquals(accepts("cgroups", path), []);
  refuses(
    "cgroups",
    path,
    'expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/a/b" instead',
    { ...CTX, systemdCgroup: true },
  );
  path.linux!.cgroupsPath = "system.slice:runc:abc";
  assertEquals(accepts("cgroups", path, { ...CTX, systemdCgroup: true }), []);
});

Deno.test("check rootfsPropagation", () => {
  assertEquals(
    accepts("rootfsPropagation", mutate((s) => s.linux!.rootfsPropagation = "rslave")),
    [],
  );
  refuses(
    "rootfsPropagation",
    mutate((s) => s.linux!.rootfsPropagation = "foo"),
    "rootfsPropagation=foo is not supported",
  );
  refuses(
    "rootfsPropagation",
    mutate((s) => s.linux!.rootfsPropagation = "rprivate"),
    "rootfsPropagation of [r]private is not safe without pivot_root",
    { ...CTX, noPivotRoot: true },
  );
});

Deno.test("check namespaces", () => {
  assertEquals(accepts("namespaces", base()), []);
  assertEquals(
    accepts("namespaces", mutate((s) => s.linux!.namespaces!.push({ type: "cgroup", path: "/x" }))),
    [],
  );
  const err = refuses(
    "namespaces",
    mutate((s) => s.linux!.namespaces!.push({ type: 'f"o\to', path: "/x" })),
    'namespace {"f\\"o\\to" "/x"} does not exist',
  );
  assertEquals(err.field, "linux.namespaces[5].type");
  refuses(
    "namespaces",
    mutate((s) => s.linux!.namespaces!.push({ type: "pid" })),
    'malformed spec file: duplicated ns {"pid" ""}',
  );
  refuses(
    "namespaces",
    mutate((s) => s.linux!.namespaces![0]!.path = "/proc/1/ns/pid\0"),
    'namespace {"pid" "/proc/1/ns/pid\\x00"}: path contains null byte',
  );
});

Deno.test("check userMappings", () => {
  const user = mutate((s) => s.linux!.namespaces!.push({ type: "user" }));
  assertEquals(accepts("userMappings", base()), []);
  refuses("userMappings", user, "User namespaces enabled, but no uid mappings found.");
  user.linux!.uidMappings = [{ containerID: 1, hostID: 100000, size: 65536 }];
  refuses("userMappings", user, "User namespaces enabled, but no user mapping found.");
  user.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  refuses("userMappings", user, "User namespaces enabled, but no gid mappings found.");
  user.linux!.gidMappings = [{ containerID: 1, hostID: 100000, size: 1 }];
  refuses("userMappings", user, "User namespaces enabled, but no group mapping found.");
  user.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  assertEquals(accepts("userMappings", user), []);
});

Deno.test("check seccomp", () => {
  const sec = (seccomp: NonNullable<NonNullable<Spec["linux"]>["seccomp"]>) =>
    mutate((s) => s.linux!.seccomp = seccomp);
  const good = sec({
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [{
      names: ["read"],
      action: "SCMP_ACT_ALLOW",
      args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }],
    }],
  });
  assertEquals(accepts("seccomp", good), []);
  // No default action and no rules: disabled, whatever else is there.
  assertEquals(accepts("seccomp", sec({ defaultAction: "", flags: ["X"] })), []);
  refuses(
    "seccomp",
    sec({ defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_BOGUS"] }),
    'seccomp flag "SECCOMP_FILTER_FLAG_BOGUS" is not supported',
  );
  refuses(
    "seccomp",
    sec({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_FOO"] }),
    "string SCMP_ARCH_FOO is not a valid arch for seccomp",
  );
  refuses(
    "seccomp",
    sec({ defaultAction: "SCMP_ACT_FOO" }),
    "string SCMP_ACT_FOO is not a valid action for seccomp",
  );
  refuses(
    "seccomp",
    sec({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["x"], action: "SCMP_ACT_BAR" }] }),
    "string SCMP_ACT_BAR is not a valid action for seccomp",
  );
  refuses(
    "seccomp",
    sec({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{
        names: ["x"],
        action: "SCMP_ACT_ERRNO",
        args: [{ index: 0, value: 1, op: "SCMP_CMP_FOO" }],
      }],
    }),
    "string SCMP_CMP_FOO is not a valid operator for seccomp",
  );
});

Deno.test("check unified", () => {
  const uni = mutate((s) => s.linux!.resources!.unified = { "memory.high": "1G" });
  refuses("unified", uni, "invalid configuration: cannot use unified on cgroup v1");
  assertEquals(accepts("unified", uni, { ...CTX, host: { ...HOST, cgroup2Unified: true } }), []);
  assertEquals(accepts("unified", base()), []);
});

Deno.test("check systemd", () => {
  const sd = { ...CTX, systemdCgroup: true };
  refuses(
    "systemd",
    base(),
    "systemd not running on this host, cannot use systemd cgroups manager",
    sd,
  );
  assertEquals(accepts("systemd", base(), { ...sd, host: { ...HOST, systemdRunning: true } }), []);
  // Without --systemd-cgroup nothing is asked of the host.
  assertEquals(accepts("systemd", base()), []);
});

Deno.test("check rootfs", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "spec_validate_" }));
  try {
    await Deno.mkdir(`${dir}/rootfs`);
    await Deno.symlink("rootfs", `${dir}/link`);
    await Deno.writeTextFile(`${dir}/file`, "");
    const ctx = { ...CTX, bundleDir: dir };
    assertEquals(accepts("rootfs", base(), ctx), []);
    assertEquals(accepts("rootfs", mutate((s) => s.root!.path = `${dir}/rootfs/`), ctx), []);
    refuses(
      "rootfs",
      mutate((s) => s.root!.path = "nope"),
      `invalid rootfs: stat ${dir}/nope: no such file or directory`,
      ctx,
    );
    refuses(
      "rootfs",
      mutate((s) => s.root!.path = "link"),
      "invalid rootfs: not an absolute path, or a symlink",
      ctx,
    );
    refuses(
      "rootfs",
      mutate((s) => s.root!.path = "file"),
      `invalid rootfs: ${dir}/file: not a directory`,
      ctx,
    );
    assertEquals(rootfsPath(base(), dir), `${dir}/rootfs`);
    assertEquals(rootfsPath(mutate((s) => s.root!.path = "/a/../b/"), dir), "/b");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("check hostname (and domainname)", () => {
  const noUts = mutate((s) =>
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "uts")
  );
  assertEquals(accepts("hostname", base()), []);
  refuses("hostname", noUts, "unable to set hostname without a private UTS namespace");
  delete noUts.hostname;
  assertEquals(accepts("hostname", noUts), []);
  noUts.domainname = "example.org";
  refuses("hostname", noUts, "unable to set domainname without a private UTS namespace");
  assertEquals(accepts("hostname", mutate((s) => s.domainname = "example.org")), []);
});

Deno.test("check security", () => {
  const noMnt = mutate((s) =>
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "mount")
  );
  assertEquals(accepts("security", base()), []);
  refuses("security", noMnt, "unable to restrict sys entries without a private MNT namespace");
  noMnt.linux!.maskedPaths = [];
  noMnt.linux!.readonlyPaths = [];
  assertEquals(accepts("security", noMnt), []);
});

Deno.test("check userNamespace", () => {
  const maps = mutate((s) => s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]);
  refuses(
    "userNamespace",
    maps,
    "User namespace mappings specified, but USER namespace isn't enabled in the config",
  );
  assertEquals(accepts("userNamespace", mutate((s) => s.linux!.gidMappings = [])), []);
  const user = mutate((s) => s.linux!.namespaces!.push({ type: "user" }));
  assertEquals(accepts("userNamespace", user), []);
  refuses("userNamespace", user, "USER namespaces aren't enabled in the kernel", {
    ...CTX,
    host: { ...HOST, userNamespaces: false },
  });
});

Deno.test("check cgroupNamespace", () => {
  const cg = mutate((s) => s.linux!.namespaces!.push({ type: "cgroup" }));
  assertEquals(accepts("cgroupNamespace", cg), []);
  refuses("cgroupNamespace", cg, "cgroup namespaces aren't enabled in the kernel", {
    ...CTX,
    host: { ...HOST, cgroupNamespaces: false },
  });
});

Deno.test("check sysctl", () => {
  const withSysctl = (sysctl: Record<string, string>, drop?: string) =>
    mutate((s) => {
      s.linux!.sysctl = sysctl;
      if (drop) s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== drop);
    });
  assertEquals(
    accepts(
      "sysctl",
      withSysctl({
        "kernel.shmmax": "1",
        "kernel/msgmax": "1",
        "fs.mqueue.queues_max": "1",
        "net/ipv4/ip_forward": "1",
        "net.ipv4.conf.eno2/100.rp_filter": "1",
        "kernel.domainname": "x",
      }),
    ),
    [],
  );
  refuses(
    "sysctl",
    withSysctl({ "kernel.shmmax": "1" }, "ipc"),
    'sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace',
  );
  refuses(
    "sysctl",
    withSysctl({ "net/ipv4/ip_forward": "1" }, "network"),
    'sysctl "net.ipv4.ip_forward" not allowed in host network namespace',
  );
  const joined = withSysctl({ "net.ipv4.ip_forward": "1" });
  joined.linux!.namespaces!.find((n) => n.type === "network")!.path = "/proc/self/ns/net";
  refuses("sysctl", joined, 'sysctl "net.ipv4.ip_forward" not allowed in host network namespace');
  joined.linux!.namespaces!.find((n) => n.type === "network")!.path = "/nonexistent";
  refuses("sysctl", joined, "invalid netns path: stat /nonexistent: no such file or directory");
  refuses(
    "sysctl",
    withSysctl({ "kernel.hostname": "x" }),
    'sysctl "kernel.hostname" is not allowed as it conflicts with the OCI "hostname" field',
  );
  refuses(
    "sysctl",
    withSysctl({ "kernel.domainname": "x" }, "uts"),
    'sysctl "kernel.domainname" is not in a separate kernel namespace',
  );
  refuses(
    "sysctl",
    withSysctl({ "vm.swappiness": "1" }),
    'sysctl "vm.swappiness" is not in a separate kernel namespace',
  );
  // A net sysctl in the container's own netns that names another /proc file.
  for (const key of ["net/../../sysrq-trigger", "net/./ipv4/ip_forward", "net//x", "net."]) {
    refuses("sysctl", withSysctl({ [key]: "1" }), `sysctl "${key}" is not a sysctl name`);
  }
});

Deno.test("sysctlDotted converts the slash form like runc", () => {
  assertEquals(sysctlDotted("net/ipv4/ip_forward"), "net.ipv4.ip_forward");
  assertEquals(
    sysctlDotted("net/ipv4/conf/eno2.100/rp_filter"),
    "net.ipv4.conf.eno2/100.rp_filter",
  );
  assertEquals(
    sysctlDotted("net.ipv4.conf.eno2/100.rp_filter"),
    "net.ipv4.conf.eno2/100.rp_filter",
  );
  assertEquals(sysctlDotted("kernel"), "kernel");
  assertEquals(sysctlDotted(""), "");
});

Deno.test("check intelRdt", () => {
  assertEquals(accepts("intelRdt", mutate((s) => s.linux!.intelRdt = { closID: "web" })), []);
  for (const clos of [".", "..", "a/b"]) {
    refuses(
      "intelRdt",
      mutate((s) => s.linux!.intelRdt = { closID: clos }),
      `invalid intelRdt.ClosID "${clos}"`,
    );
  }
  const l3 = mutate((s) => s.linux!.intelRdt = { l3CacheSchema: "L3:0=f" });
  refuses(
    "intelRdt",
    l3,
    "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled",
  );
  assertEquals(accepts("intelRdt", l3, { ...CTX, host: { ...HOST, intelRdtCat: true } }), []);
  const mb = mutate((s) => s.linux!.intelRdt = { memBwSchema: "MB:0=70" });
  refuses(
    "intelRdt",
    mb,
    "intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled",
  );
  assertEquals(accepts("intelRdt", mb, { ...CTX, host: { ...HOST, intelRdtMba: true } }), []);
  // Without resctrl: a schema has runc 1.1's words (above); a closID alone,
  // or an empty intelRdt, which runc 1.1 would ignore, is refused too.
  const none = { ...CTX, host: { ...HOST, intelRdt: false } };
  for (const rdt of [{ closID: "web" }, {}]) {
    refuses(
      "intelRdt",
      mutate((s) => s.linux!.intelRdt = rdt),
      "intelRdt is specified in config, but Intel RDT is not enabled",
      none,
    );
  }
  refuses(
    "intelRdt",
    l3,
    "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled",
    none,
  );
});

Deno.test("check rootless", () => {
  const ctx = { ...CTX, rootlessEuid: true };
  assertEquals(accepts("rootless", base()), [], "only when rootless");
  refuses("rootless", base(), "rootless container requires user namespaces", ctx);
  const spec = defaultSpec({ rootless: true, hostUid: 1000, hostGid: 1000 });
  assertEquals(accepts("rootless", spec, ctx), []);
  delete spec.linux!.uidMappings;
  refuses("rootless", spec, "rootless containers requires at least one UID mapping", ctx);
  spec.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  spec.linux!.gidMappings = [];
  refuses("rootless", spec, "rootless containers requires at least one GID mapping", ctx);
  spec.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  spec.mounts![2]!.options!.push("gid=5");
  refuses(
    "rootless",
    spec,
    "cannot specify gid= mount options for unmapped gid in rootless containers",
    ctx,
  );
  spec.mounts![2]!.options!.pop();
  spec.mounts![2]!.options!.push("uid=0");
  assertEquals(accepts("rootless", spec, ctx), []);
});

Deno.test("check rlimits", () => {
  assertEquals(accepts("rlimits", base()), []);
  refuses(
    "rlimits",
    mutate((s) => s.process!.rlimits!.push({ type: "RLIMIT_FOO", hard: 1, soft: 1 })),
    "wrong rlimit value: RLIMIT_FOO",
  );
  refuses(
    "rlimits",
    mutate((s) => s.process!.rlimits!.push({ type: "RLIMIT_NOFILE", hard: 1, soft: 1 })),
    'rlimit "RLIMIT_NOFILE" may not be specified more than once',
  );
});

Deno.test("check capabilities: unknown ones are ignored with runc's warning", () => {
  assertEquals(accepts("capabilities", base()), []);
  const caps = mutate((s) => {
    s.process!.capabilities!.bounding!.push("CAP_FOO", "CAP_BAR");
    s.process!.capabilities!.effective!.push("CAP_BAZ", "CAP_FOO", "CAP_CHECKPOINT_RESTORE");
  });
  assertEquals(accepts("capabilities", caps), [
    "ignoring unknown or unavailable capabilities: [CAP_BAR CAP_BAZ CAP_FOO]",
  ]);
  assertEquals(accepts("capabilities", caps, { ...CTX, host: { ...HOST, capLastCap: 39 } }), [
    "ignoring unknown or unavailable capabilities: [CAP_BAR CAP_BAZ CAP_CHECKPOINT_RESTORE CAP_FOO]",
  ]);
});

Deno.test("validateSpec: runs all checks in order and collects warnings", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "spec_validate_" }));
  try {
    await Deno.mkdir(`${dir}/rootfs`);
    const ctx = { ...CTX, bundleDir: dir };
    assertEquals(validateSpec(base(), ctx), { warnings: [] });
    const spec = mutate((s) => {
      s.mounts!.push({ destination: "rel", type: "tmpfs", source: "tmpfs" });
      s.process!.capabilities!.ambient!.push("CAP_NOPE");
    });
    assertEquals(validateSpec(spec, ctx).warnings.length, 2);
    // runc's order: namespaces (conversion) before rootfs (validator).
    spec.root!.path = "missing";
    spec.linux!.namespaces!.push({ type: "foo" });
    const seen: string[] = [];
    const err = assertThrows(
      () => validateSpec(spec, ctx, (w) => seen.push(w)),
      'namespace {"foo" ""} does not exist',
    );
    // The mount warning comes before the namespace error, as in runc.
    assert(err instanceof SpecError);
    assertEquals(seen.length, 1);
    assertEquals(err.warnings, seen);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
