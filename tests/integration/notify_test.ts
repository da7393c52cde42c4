/** NOTIFY_SOCKET: the container's READY=1 reaches the caller's socket, with MAINPID. */
import { assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { needsRunc, TESTPROG, withSandbox } from "./_util.ts";
import { ffiSys } from "../../ffi/helper.ts";

const skip = needsRunc();

Deno.test({
  name: "run -d with NOTIFY_SOCKET returns once the container is READY and relays it" +
    (skip ? ` (skipped: ${skip})` : ""),
  ignore: !!skip,
  fn: () =>
    withSandbox(
      async (sb) => {
        await Deno.copyFile(TESTPROG, `${sb.bundle}/rootfs/bin/testprog`);
        const host = `${sb.dir}/host-notify.sock`;
        const fd = ffiSys.unixgramBind(host);
        try {
          const r = await sb.run(["run", "-d", "c1"], { env: { NOTIFY_SOCKET: host } });
          assertEquals(r.code, 0, r.stderr);
          const { pid } = JSON.parse(await sb.ok(["state", "c1"]));
          const buf = new Uint8Array(4096);
          const got: string[] = [];
          for (let i = 0; i < 2; i++) {
            const n = await ffiSys.recv(fd, buf, 2000);
            got.push(new TextDecoder().decode(buf.subarray(0, n)));
          }
          assertEquals(got, ["READY=1\n", `MAINPID=${pid}\n`]);
          const env = await Deno.readTextFile(`/proc/${pid}/environ`);
          assertStringIncludes(env, "NOTIFY_SOCKET=/run/notify/notify.sock");
        } finally {
          ffiSys.close(fd);
        }
      },
      (s) => (s.process!.args = ["sh", "-c", "sleep 0.2; testprog notify READY=1; exec sleep 100"]),
    ),
});
