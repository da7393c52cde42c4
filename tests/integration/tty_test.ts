/**
 * Terminals: a console socket receives a pty master (checked by a receiver in
 * csrc/testprog), a foreground run relays a pty driven by script(1), and the
 * error cases are runc's.
 */
import { assert, assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import {
  type Listener,
  mapSubordinateIds,
  needsRunc,
  RUNC,
  type Sandbox,
  startListener,
  withSandbox,
} from "./_util.ts";

const skip = needsRunc();
const name = (n: string) => skip ? `${n} (skipped: ${skip})` : n;

/** Starts a console-socket receiver; resolves once it listens. */
function receiver(sb: Sandbox): Promise<Listener> {
  return startListener("recvtty", `${sb.dir}/console.sock`);
}

Deno.test({
  name: name(
    "--console-socket gets the pty master; the container's stdio is that pty, owned by its user",
  ),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const rx = await receiver(sb);
      const r = await sb.run(["run", "-d", "--console-socket", rx.path, "c1"]);
      assertEquals(r.code, 0, r.stderr);
      const out = await rx.output;
      assert(/name \/dev\/ptmx master pts (\d+)/.test(out), out);
      const pts = out.match(/master pts (\d+)/)![1];
      assertStringIncludes(out, `tty=/dev/pts/${pts}`);
      assertStringIncludes(out, "owner=1000 mode=crw--w----");
      assertStringIncludes(out, "console=char");
      assertStringIncludes(out, "size=24 80");
      // The container's "\n" arrives as "\n": ONLCR is off, as in runc.
      assert(!out.includes("\r\n"), JSON.stringify(out));
    }, (s) => {
      s.process!.terminal = true;
      mapSubordinateIds(s);
      s.process!.user = { uid: 1000, gid: 1000 };
      s.process!.consoleSize = { height: 24, width: 80 };
      s.process!.args = [
        "sh",
        "-c",
        "echo tty=$(tty); echo owner=$(stat -c %u $(tty)) mode=$(stat -c %A $(tty)); " +
        "[ -c /dev/console ] && echo console=char; echo size=$(stty size)",
      ];
    }),
});

Deno.test({
  name: name("run in the foreground relays the terminal both ways (driven by script(1))"),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const child = new Deno.Command("script", {
        args: ["-qec", `${RUNC} --root ${sb.root} run c1`, "/dev/null"],
        cwd: sb.bundle,
        stdin: "piped",
        stdout: "piped",
      }).spawn();
      const w = child.stdin.getWriter();
      await new Promise((r) => setTimeout(r, 500));
      await w.write(new TextEncoder().encode("typed-line\r"));
      await w.close();
      const out = await child.output();
      const text = new TextDecoder().decode(out.stdout);
      assertEquals(out.code, 0, text);
      assertStringIncludes(text, "got:typed-line");
      assertStringIncludes(text, "is-a-tty");
      assertEquals(await sb.ids(), []);
    }, (s) => {
      s.process!.terminal = true;
      s.process!.args = ["sh", "-c", "[ -t 0 ] && echo is-a-tty; read line; echo got:$line"];
    }),
});

Deno.test({
  name: name(
    "terminal errors: detached without a console socket, a socket without a terminal, no tty at all",
  ),
  ignore: !!skip,
  fn: () =>
    withSandbox(async (sb) => {
      const detached = await sb.run(["run", "-d", "c1"]);
      assertEquals(detached.code, 1);
      assertStringIncludes(
        detached.stderr,
        "cannot allocate tty if runc will detach without setting console socket",
      );
      const created = await sb.run(["create", "c1"]);
      assertStringIncludes(
        created.stderr,
        "cannot allocate tty if runc will detach without setting console socket",
      );
      // The test's stdio are files and it has no controlling terminal.
      const fg = await sb.run(["run", "c1"], {
        script: 'exec setsid "$0" "$@" >"$RUNC_IT_OUT" 2>"$RUNC_IT_ERR" # ',
      });
      assertEquals(fg.code, 1);
      assertStringIncludes(fg.stderr, "open /dev/tty: no such device or address");
      await sb.editSpec((s) => (s.process!.terminal = false));
      const sock = await sb.run(["run", "-d", "--console-socket", `${sb.dir}/x.sock`, "c1"]);
      assertEquals(sock.code, 1);
      assertStringIncludes(
        sock.stderr,
        "cannot use console socket if runc will not detach or allocate tty",
      );
      assertEquals(await sb.ids(), []);
    }, (s) => {
      s.process!.terminal = true;
    }),
});
