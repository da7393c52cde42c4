/**
 * The two sides of the init protocol cannot drift: csrc/protocol.h is parsed
 * here and every number, layout size and op of it compared with
 * core/init/protocol.ts, every builder of core/init/ops.ts checked against
 * the op table's string counts, and the stub's errno texts against
 * core/os/errno.ts.
 */
import {
  CgroupJoin,
  Chdir,
  CHUNK,
  MAGIC,
  OP_HEADER_SIZE,
  Opcode,
  PROGRAM_HEADER_SIZE,
  ProgramFlag,
  RECORD_HEADER_SIZE,
  RECORD_MORE,
  Tag,
  Target,
  VERSION,
} from "../../core/init/protocol.ts";
import { ops } from "../../core/init/ops.ts";
import { ERRNO_TEXT } from "../../core/os/errno.ts";
import { assert, assertEquals } from "./_assert.ts";

const header = Deno.readTextFileSync(new URL("../../csrc/protocol.h", import.meta.url));

function define(name: string): number {
  const m = new RegExp(`#define ${name} (0x[0-9a-f]+|\\d+)u?\\b`).exec(header);
  assert(m, `csrc/protocol.h defines ${name}`);
  return Number(m[1]);
}

/** The X(NAME, number, min, max, handler) rows of RP_OPS. */
const table = [...header.matchAll(/X\((\w+), (\d+), (\d+), (-?\d+), (\w+)\)/g)].map((m) => ({
  name: m[1]!,
  number: Number(m[2]),
  min: Number(m[3]),
  max: Number(m[4]),
}));

Deno.test("constants and record flags are the header's", () => {
  assertEquals(MAGIC, define("RP_MAGIC"));
  assertEquals(VERSION, define("RP_VERSION"));
  assertEquals(CHUNK, define("RP_CHUNK"));
  assertEquals(RECORD_MORE, define("RP_REC_MORE"));
  const flags = Object.fromEntries(
    [...header.matchAll(/#define RP_F_(\w+) (\d+)u/g)].map((m) => [m[1]!, Number(m[2])]),
  );
  assertEquals(flags, { ...ProgramFlag });
});

Deno.test("layout sizes are those the header asserts", () => {
  const sizes = Object.fromEntries(
    [...header.matchAll(/_Static_assert\(sizeof\(struct (\w+)\) == (\d+)/g)].map((m) => [
      m[1]!,
      Number(m[2]),
    ]),
  );
  assertEquals(sizes, {
    rp_program: PROGRAM_HEADER_SIZE,
    rp_op: OP_HEADER_SIZE,
    rp_record: RECORD_HEADER_SIZE,
  });
});

Deno.test("every op has the same name and number on both sides", () => {
  assert(table.length > 40, "the op table was parsed");
  assertEquals(Object.fromEntries(table.map((r) => [r.name, r.number])), { ...Opcode });
});

Deno.test("targets, chdir kinds, cgroup joins and record tags are the header's enums", () => {
  const joins = Object.fromEntries(
    [...header.matchAll(/RP_CGROUP_(\w+) = (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
  );
  assertEquals(joins, { ...CgroupJoin });
  const chdirs = Object.fromEntries(
    [...header.matchAll(/RP_CHDIR_(\w+) = (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
  );
  assertEquals(chdirs, { ...Chdir });
  const targets = Object.fromEntries(
    [...header.matchAll(/RP_TARGET_(\w+) = (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
  );
  assertEquals(targets, { ...Target });
  const tags = Object.fromEntries(
    [...header.matchAll(/REC_(\w+) = (\d+)/g)].map((m) => [m[1]!, Number(m[2])]),
  );
  assertEquals(tags, { ...Tag });
});

/** A call of each builder; a builder without one here fails the test below. */
const SAMPLES: { [K in keyof typeof ops]: () => ReturnType<typeof ops[K]> } = {
  sweepFds: () => ops.sweepFds(2),
  openFifo: () => ops.openFifo("/run/runc/c/exec.fifo"),
  joinCgroup: () => ops.joinCgroup("/sys/fs/cgroup/unified/c", CgroupJoin.CLONE_INTO),
  setns: () => ops.setns("/proc/1/ns/net", "network", 0x40000000),
  joinNs: () => ops.joinNs(),
  clone: () => ops.clone(0x20000000),
  waitParent: () => ops.waitParent(true),
  setRootIds: () => ops.setRootIds(),
  unshare: () => ops.unshare(0x02000000),
  setsid: () => ops.setsid(),
  joinKeyring: () => ops.joinKeyring("_ses.c"),
  openRoot: () => ops.openRoot("/b/rootfs"),
  parentPrivate: () => ops.parentPrivate("/b/rootfs"),
  mount: () => ops.mount({ source: "proc", target: "/proc", fstype: "proc", flags: 0, kind: 1 }),
  remount: () => ops.remount("/", 1),
  mountSetattr: () => ops.mountSetattr("/data", 1, 0),
  mkdir: () => ops.mkdir("/data", 0o755),
  mknod: () => ops.mknod("/dev/null", 0o20666, 259n, 0, 0),
  symlink: () => ops.symlink("pts/ptmx", "/dev/ptmx", true),
  pivotRoot: () => ops.pivotRoot(),
  moveRoot: () => ops.moveRoot("/b/rootfs"),
  hideMount: () => ops.hideMount("/proc"),
  sethostname: () => ops.sethostname("c"),
  setdomainname: () => ops.setdomainname("d"),
  writeFile: () => ops.writeFile("/proc/self/attr/exec", "l", "can't set process label"),
  maskPath: () => ops.maskPath("/proc/kcore", 'context="system_u:object_r:container_file_t:s0"'),
  setxattr: () => ops.setxattr("/dev/mqueue", "security.selinux", "system_u:object_r:x_t:s0"),
  readonlyPath: () => ops.readonlyPath("/proc/sys"),
  setrlimit: () => ops.setrlimit(7, 1024n, -1n),
  noNewPrivs: () => ops.noNewPrivs(),
  setgroups: () => ops.setgroups([]),
  setuser: () => ops.setuser(1000, 1000),
  caps: () => ops.caps(1n, 1n, 0n, 0n),
  capBounding: () => ops.capBounding(1n),
  umask: () => ops.umask(0o022),
  chdir: () => ops.chdir("/", Chdir.EARLY),
  lookupHome: () => ops.lookupHome(0),
  lookpath: () => ops.lookpath("sh", "/bin"),
  seccomp: () => ops.seccomp(new Uint8Array(8), 0),
  sendSeccomp: () => ops.sendSeccomp(),
  cliHooks: () => ops.cliHooks(),
  console: () => ops.console(true, 24, 80),
  fixStdio: () => ops.fixStdio(0),
  runHook: () =>
    ops.runHook({
      path: "/bin/h",
      args: ["h"],
      env: [],
      timeout: 0,
      stateBefore: "{}",
      stateAfter: "",
      withPid: false,
      label: "error running hook #0",
    }),
  debug: () => ops.debug("x"),
  ready: () => ops.ready(),
  waitFifo: () => ops.waitFifo(),
  exec: () => ops.exec(["sh"], ["PATH=/bin"]),
  exit: () => ops.exit(),
};

Deno.test("every builder makes an op the stub's table accepts", () => {
  const byNumber = new Map(table.map((r) => [r.number, r]));
  for (const [name, sample] of Object.entries(SAMPLES)) {
    const op = sample();
    const row = byNumber.get(op.op);
    assert(row, `${name}: op ${op.op} is in csrc/protocol.h`);
    const n = op.str?.length ?? 0;
    assert(n >= row.min && (row.max < 0 || n <= row.max), `${name}: ${n} strings for ${row.name}`);
    assert((op.num?.length ?? 0) <= 4, `${name}: at most 4 numbers`);
  }
  // Every op a program may hold has a builder (END and CONTINUE never appear in one).
  const built = new Set(Object.values(SAMPLES).map((s) => s().op));
  const missing = table.filter((r) => !built.has(r.number as Opcode)).map((r) => r.name);
  assertEquals(missing, ["END", "CONTINUE"]);
});

Deno.test("the stub's errno texts are core/os/errno.ts's", () => {
  const c = Deno.readTextFileSync(new URL("../../csrc/errtext.c", import.meta.url));
  const texts = Object.fromEntries(
    [...c.matchAll(/\[(\d+)\] = "([^"]*)"/g)].map((m) => [Number(m[1]), m[2]!]),
  );
  assertEquals(texts, { ...ERRNO_TEXT });
});
