/**
 * The library API (mod.ts), used as README.md shows it: its example block is
 * taken from the README and run, as a Deno program of its own, on a bundle.
 */
import { assertEquals } from "../unit/_assert.ts";
import { needsRoot, RUNC, skipName, withSandbox } from "./_util.ts";

const why = needsRoot("the example creates a container as root");
const TREE = new URL("../../", import.meta.url).pathname;

Deno.test({
  name: skipName("README's mod.ts example creates, starts, inspects and deletes a container", why),
  ignore: !!why,
  fn: () =>
    withSandbox(async (sb) => {
      const readme = Deno.readTextFileSync(`${TREE}/README.md`);
      const block = /### From TypeScript[^]*?```ts\n([^]*?)```/.exec(readme)?.[1];
      if (!block) throw new Error("README has no mod.ts example");
      await sb.editSpec((s) => (s.process!.args = ["sleep", "30"]));
      // Its own state root, which the sandbox's dispose does not look in.
      const root = `${sb.dir}/example-root`;
      const program = block
        .replace('"./mod.ts"', JSON.stringify(`${TREE}mod.ts`))
        .replace('"/run/runc-example"', JSON.stringify(root))
        .replace('"/mycontainer"', JSON.stringify(sb.bundle));
      await Deno.writeTextFile(`${sb.dir}/example.ts`, program);
      try {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--no-lock", `--config=${TREE}deno.json`, `${sb.dir}/example.ts`],
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        assertEquals(out.code, 0, dec.decode(out.stderr));
        assertEquals(dec.decode(out.stdout), "running\n");
        // Deleted: nothing left under its root.
        assertEquals([...Deno.readDirSync(root)], []);
      } finally {
        // Also when the example or a check failed: its container "demo" goes,
        // process and cgroups with it (an error when it is already gone).
        await new Deno.Command(RUNC, {
          args: ["--root", root, "delete", "--force", "demo"],
          stdout: "null",
          stderr: "null",
        }).output();
      }
    }),
});
