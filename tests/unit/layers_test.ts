/**
 * The layers of the runtime, bottom first: a module may import from its own
 * layer and the ones below, never from one above, and nothing in core/
 * imports ffi/ (core receives the syscall surface; tests hand it a fake).
 * Static imports and dynamic import() both count.
 */
import { assertEquals } from "./_assert.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Bottom first. A path belongs to the first entry it starts with. */
const LAYERS = [
  "core/os/",
  "core/sync.ts",
  "core/log.ts",
  "core/dbus/",
  "core/mounts/",
  "core/spec/",
  "ffi/",
  "core/init/",
  "core/cgroups/",
  "core/intelrdt/",
  "core/state/",
  "core/hooks/",
  "core/seccomp/",
  "core/features/",
  "core/container/",
  "core/criu/",
  "mod.ts",
  "cli/",
];

function layerOf(path: string): number {
  const i = LAYERS.findIndex((l) => path === l || path.startsWith(l));
  if (i < 0) throw new Error(`${path} is in no layer`);
  return i;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${ROOT}${dir}`)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...sources(p));
    else if (
      e.name.endsWith(".ts") && !e.name.endsWith("_test.ts") && !e.name.endsWith(".gen.ts")
    ) {
      out.push(p);
    }
  }
  return out;
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const p of path.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

Deno.test("no module imports from a layer above its own; core never imports ffi", () => {
  const wrong: string[] = [];
  const files = ["mod.ts", ...sources("cli"), ...sources("core"), ...sources("ffi")];
  for (const file of files) {
    const text = Deno.readTextFileSync(`${ROOT}${file}`);
    const dir = file.slice(0, file.lastIndexOf("/") + 1);
    const specs = [
      ...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"(\.[^"]+)"/gms),
      ...text.matchAll(/import\(\s*"(\.[^"]+)"\s*\)/g),
    ].map((m) => m[1]!);
    for (const spec of specs) {
      const target = normalize(`${dir}${spec}`);
      if (target.endsWith(".gen.ts")) continue;
      const up = layerOf(target) > layerOf(file);
      const coreToFfi = file.startsWith("core/") && target.startsWith("ffi/");
      if (up || coreToFfi) wrong.push(`${file} -> ${target}`);
    }
  }
  assertEquals(wrong, []);
});
