/**
 * Seccomp: every action, errnoRet, argument matching, the ENOSYS patch for
 * syscalls newer than the profile, and SCMP_ACT_NOTIFY with an agent, for run
 * and exec, with noNewPrivileges on and off. csrc/testprog makes the syscalls
 * (numbers are x86_64's) and is the agent.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import {
  type Listener,
  needsRunc,
  type Sandbox,
  startListener,
  TESTPROG,
  withSandbox,
} from "./_util.ts";
import type { LinuxSeccomp, Spec } from "../../core/spec/types.ts";

const why = needsRunc() ??
  (Deno.build.arch !== "x86_64" ? "the syscall numbers here are x86_64's" : undefined);
const name = (n: string) => why ? `${n} (skipped: ${why})` : n;

const PERSONALITY = 135;
const MKDIR = 83;
const FCHMODAT2 = 452;

/** Runs testprog in a container with the profile; returns its stdout and exit code. */
async function sys(
  sb: Sandbox,
  id: string,
  seccomp: LinuxSeccomp,
  args: string[],
  nnp = true,
): Promise<{ out: string; code: number; err: string }> {
  await sb.editSpec((s) => {
    s.process!.args = ["/bin/testprog", "sys", ...args];
    s.process!.noNewPrivileges = nnp;
    s.linux!.seccomp = seccomp;
  });
  const r = await sb.run(["run", id]);
  return { out: r.stdout.trim(), code: r.code, err: r.stderr };
}

async function withTestprog(fn: (sb: Sandbox) => Promise<void>, edit?: (s: Spec) => void) {
  await withSandbox(async (sb) => {
    await Deno.copyFile(TESTPROG, `${sb.bundle}/rootfs/bin/testprog`);
    await fn(sb);
  }, edit);
}

const allowAllBut = (
  action: string,
  extra: Partial<LinuxSeccomp["syscalls"] extends (infer T)[] | undefined ? T : never> = {},
): LinuxSeccomp => ({
  defaultAction: "SCMP_ACT_ALLOW",
  syscalls: [{ names: ["personality"], action, ...extra }],
});

Deno.test({
  name: name(
    "every action: errno with errnoRet, kill, kill_process, kill_thread, trap, trace, log, allow",
  ),
  ignore: !!why,
  fn: () =>
    withTestprog(async (sb) => {
      const p = String(PERSONALITY);
      assertEquals(
        (await sys(sb, "e1", allowAllBut("SCMP_ACT_ERRNO", { errnoRet: 22 }), [p])).out,
        "errno=22",
      );
      assertEquals((await sys(sb, "e2", allowAllBut("SCMP_ACT_ERRNO"), [p])).out, "errno=1");
      for (
        const action of [
          "SCMP_ACT_KILL",
          "SCMP_ACT_KILL_PROCESS",
          "SCMP_ACT_KILL_THREAD",
          "SCMP_ACT_TRAP",
        ]
      ) {
        const r = await sys(sb, `k-${action}`, allowAllBut(action), [p]);
        assertEquals(r.code, 128 + 31, `${action}: killed by SIGSYS`);
        assertEquals(r.out, "");
      }
      // No tracer: the kernel fails a traced syscall with ENOSYS.
      assertEquals(
        (await sys(sb, "t1", allowAllBut("SCMP_ACT_TRACE"), [p, "0xffffffff"])).out,
        "errno=38",
      );
      assert(
        (await sys(sb, "l1", allowAllBut("SCMP_ACT_LOG"), [p, "0xffffffff"])).out.startsWith(
          "ret=",
        ),
      );
      assert(
        (await sys(sb, "a1", allowAllBut("SCMP_ACT_ALLOW"), [p, "0xffffffff"])).out.startsWith(
          "ret=",
        ),
      );
      // Without no_new_privs the filter is loaded early, with the stub's privileges.
      assertEquals(
        (await sys(sb, "n1", allowAllBut("SCMP_ACT_ERRNO", { errnoRet: 7 }), [p], false)).out,
        "errno=7",
      );
      assertEquals(await sb.ids(), []);
    }),
});

Deno.test({
  name: name("argument matching: EQ, MASKED_EQ, and several conditions on one argument"),
  ignore: !!why,
  fn: () =>
    withTestprog(async (sb) => {
      const p = String(PERSONALITY);
      const eq = allowAllBut("SCMP_ACT_ERRNO", {
        errnoRet: 9,
        args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }],
      });
      assertEquals((await sys(sb, "a1", eq, [p, "8"])).out, "errno=9");
      assert((await sys(sb, "a2", eq, [p, "0xffffffff"])).out.startsWith("ret="));
      const masked = allowAllBut("SCMP_ACT_ERRNO", {
        errnoRet: 9,
        args: [{ index: 0, value: 0x10, valueTwo: 0x10, op: "SCMP_CMP_MASKED_EQ" }],
      });
      assertEquals((await sys(sb, "a3", masked, [p, "0x18"])).out, "errno=9");
      assert((await sys(sb, "a4", masked, [p, "0"])).out.startsWith("ret="));
      // Two conditions on arg 0: a rule each, so either matches (runc's behaviour).
      const either = allowAllBut("SCMP_ACT_ERRNO", {
        errnoRet: 9,
        args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }, {
          index: 0,
          value: 2,
          op: "SCMP_CMP_EQ",
        }],
      });
      assertEquals((await sys(sb, "a5", either, [p, "1"])).out, "errno=9");
      assertEquals((await sys(sb, "a6", either, [p, "2"])).out, "errno=9");
    }),
});

Deno.test({
  name: name(
    "a syscall newer than every syscall the profile names gets ENOSYS, an older unnamed one the default",
  ),
  ignore: !!why,
  fn: () =>
    withTestprog(async (sb) => {
      // What the init does once the filter is loaded: write, read, close (the
      // READY handshake, the fifo), openat, execve; no close_range or sendmsg
      // (fds are swept before the filter). The rest is the test program's own
      // (getpid is the call it probes).
      const profile: LinuxSeccomp = {
        defaultAction: "SCMP_ACT_ERRNO",
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        syscalls: [{
          names: [
            "read",
            "write",
            "open",
            "openat",
            "close",
            "execve",
            "brk",
            "arch_prctl",
            "set_tid_address",
            "set_robust_list",
            "rseq",
            "prlimit64",
            "mprotect",
            "getrandom",
            "newfstatat",
            "fstat",
            "ioctl",
            "exit_group",
            "exit",
            "getpid",
            "readlinkat",
            "uname",
            "mmap",
            "munmap",
            "rt_sigprocmask",
            "rt_sigaction",
            "futex",
            "statx",
            "not_a_syscall_libseccomp_knows",
          ],
          action: "SCMP_ACT_ALLOW",
        }],
      };
      assertEquals((await sys(sb, "s1", profile, ["39"])).out, "ret=1", "getpid is allowed");
      assertEquals(
        (await sys(sb, "s2", profile, [String(PERSONALITY)])).out,
        "errno=1",
        "default action",
      );
      assertEquals(
        (await sys(sb, "s3", profile, [String(FCHMODAT2)])).out,
        "errno=38",
        "newer than the profile",
      );
    }),
});

Deno.test({
  name: name("a profile with an unknown action is refused before anything is created"),
  ignore: !!why,
  fn: () =>
    withTestprog(async (sb) => {
      const r = await sys(sb, "x1", allowAllBut("SCMP_ACT_BOGUS"), ["39"]);
      assertEquals(r.code, 1);
      assertStringIncludes(r.err, "SCMP_ACT_BOGUS");
      assertEquals(await sb.ids(), []);
    }),
});

/** Starts testprog's seccomp agent on a socket; resolves once it listens. */
function agent(sb: Sandbox): Promise<Listener> {
  return startListener("seccomp-agent", `${sb.dir}/agent.sock`);
}

for (const nnp of [true, false]) {
  Deno.test({
    name: name(
      `SCMP_ACT_NOTIFY: the agent gets the listener and answers mkdir (run and exec, noNewPrivileges ${nnp})`,
    ),
    ignore: !!why,
    fn: () =>
      withTestprog(async (sb) => {
        const ag = await agent(sb);
        try {
          await sb.editSpec((s) => {
            s.process!.noNewPrivileges = nnp;
            s.process!.args = [
              "sh",
              "-c",
              "mkdir /tmp/n1 && echo made; [ -d /tmp/n1 ] && echo exists || echo absent; sleep 100",
            ];
            s.linux!.seccomp = {
              defaultAction: "SCMP_ACT_ALLOW",
              listenerPath: ag.path,
              listenerMetadata: "meta-data",
              syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" }],
            };
          });
          const r = await sb.run(["run", "-d", "c1"]);
          assertEquals(r.code, 0, r.stderr);
          const ex = await sb.run(["exec", "c1", "/bin/testprog", "sys", String(MKDIR), "0"]);
          assertEquals(ex.code, 0, ex.stderr);
          // The agent answered with success without making anything (path 0 would be EFAULT).
          assertEquals(ex.stdout.trim(), "ret=0");
          const { pid } = JSON.parse(await sb.ok(["state", "c1"]));
          await sb.ok(["delete", "--force", "c1"]);
          ag.child.kill("SIGKILL");
          const out = await ag.output;
          const state = JSON.parse(out.split("\n").find((l) => l.startsWith("state "))!.slice(6));
          assertEquals(state.fds, ["seccompFd"]);
          assertEquals(state.metadata, "meta-data");
          assertEquals(state.pid, pid);
          assertEquals(state.state.id, "c1");
          assertStringIncludes(out, "notified mkdir");
        } finally {
          try {
            ag.child.kill("SIGKILL");
          } catch { /* ended */ }
          await ag.child.status;
        }
      }),
  });
}

Deno.test({
  name: name("SCMP_ACT_NOTIFY with an agent that is not there fails create and leaves nothing"),
  ignore: !!why,
  fn: () =>
    withTestprog(async (sb) => {
      await sb.editSpec((s) => {
        s.process!.args = ["true"];
        s.linux!.seccomp = {
          defaultAction: "SCMP_ACT_ALLOW",
          listenerPath: `${sb.dir}/nobody.sock`,
          syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }],
        };
      });
      const r = await sb.run(["run", "c1"]);
      assertEquals(r.code, 1);
      assertStringIncludes(
        r.stderr,
        "failed to connect with seccomp agent specified in the seccomp profile",
      );
      assertEquals(await sb.ids(), []);
    }),
});

Deno.test({
  name: name("seccomp flags TSYNC, LOG and SPEC_ALLOW are accepted and the filter still applies"),
  ignore: !!why,
  fn: () =>
    withTestprog(async (sb) => {
      const profile: LinuxSeccomp = {
        ...allowAllBut("SCMP_ACT_ERRNO", { errnoRet: 22 }),
        flags: [
          "SECCOMP_FILTER_FLAG_TSYNC",
          "SECCOMP_FILTER_FLAG_LOG",
          "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        ],
      };
      const r = await sys(sb, "f1", profile, [String(PERSONALITY)]);
      assertEquals(r.out, "errno=22", r.err);
    }),
});
