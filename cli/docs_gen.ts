/**
 * Writes the manual and the completions (cli/docs.ts) into a directory laid
 * out as under PREFIX/share: `man/man8/runc.8`, `man/man8/runc-COMMAND.8`,
 * `bash-completion/completions/runc`, `zsh/site-functions/_runc`. Run by
 * `make docs`:
 *
 *   deno run --allow-write cli/docs_gen.ts OUTDIR DATE
 *
 * @module
 */
import { COMMANDS } from "./commands.ts";
import { globalFlags } from "./app.ts";
import { VERSION } from "./version.ts";
import { appPage, bashCompletion, commandPage, type DocsInput, zshCompletion } from "./docs.ts";

const [out, date] = Deno.args;
if (!out || !date) {
  console.error("usage: docs_gen.ts OUTDIR DATE");
  Deno.exit(2);
}
// The --root default a man page shows: root's (a user's is under $XDG_RUNTIME_DIR).
const input: DocsInput = {
  commands: COMMANDS,
  globals: globalFlags("/run/runc"),
  version: VERSION,
  date,
};
for (const d of ["man/man8", "bash-completion/completions", "zsh/site-functions"]) {
  Deno.mkdirSync(`${out}/${d}`, { recursive: true });
}
Deno.writeTextFileSync(`${out}/man/man8/runc.8`, appPage(input));
for (const cmd of COMMANDS) {
  Deno.writeTextFileSync(`${out}/man/man8/runc-${cmd.name}.8`, commandPage(cmd, input));
}
Deno.writeTextFileSync(`${out}/bash-completion/completions/runc`, bashCompletion(input));
Deno.writeTextFileSync(`${out}/zsh/site-functions/_runc`, zshCompletion(input));
