import { assertEquals, assertStringIncludes } from "../unit/_assert.ts";
import { RUNC } from "./_util.ts";

const REFERENCE = "/usr/bin/runc";
const hasRef = (() => {
  try {
    Deno.statSync(REFERENCE);
    Deno.statSync(RUNC);
    return true;
  } catch {
    return false;
  }
})();

async function specIn(bin: string, args: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "runc-spec-" });
  try {
    const out = await new Deno.Command(bin, { args: ["spec", ...args], cwd: dir }).output();
    if (out.code !== 0) {
      throw new Error(`${bin} spec failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return await Deno.readTextFile(`${dir}/config.json`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const args of [[], ["--rootless"]]) {
  Deno.test({
    name: `build/runc spec ${args.join(" ")} writes the same bytes as runc 1.1` +
      (hasRef ? "" : " (skipped: needs /usr/bin/runc and build/runc)"),
    ignore: !hasRef,
    fn: async () => {
      assertEquals(await specIn(RUNC, args), await specIn(REFERENCE, args));
    },
  });
}

Deno.test({
  name: "build/runc spec refuses to overwrite config.json" +
    (hasRef ? "" : " (skipped: needs build/runc)"),
  ignore: !hasRef,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "runc-spec-" });
    try {
      await Deno.writeTextFile(`${dir}/config.json`, "{}");
      const out = await new Deno.Command(RUNC, { args: ["spec"], cwd: dir, stderr: "piped" })
        .output();
      assertEquals(out.code, 1);
      assertStringIncludes(
        new TextDecoder().decode(out.stderr),
        "File config.json exists. Remove it first",
      );
      assertEquals(await Deno.readTextFile(`${dir}/config.json`), "{}");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
