/**
 * The entry point of `build/runc-eager.js`, which build/runc's sh prelude
 * (`cli/prelude.sh`) starts for `create`, `run` and `exec` with V8's eager
 * compilation: the same dispatch as `cli/main.ts`, with only those commands,
 * so that the code V8 compiles and caches for them is only theirs (CRIU's
 * protobuf and the other commands stay out).
 *
 * The prelude sends nothing else here; anything else would be answered as an
 * unknown command would.
 *
 * @module
 */

import { command as create } from "./create.ts";
import { command as exec } from "./exec.ts";
import { command as run } from "./run.ts";
import { codeCacheTurn, main as dispatch } from "./dispatch.ts";

if (import.meta.main) {
  const code = await dispatch(Deno.args, [create, exec, run]);
  await codeCacheTurn();
  Deno.exit(code);
}
