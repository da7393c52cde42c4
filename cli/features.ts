/**
 * `runc features`: the features this runtime supports, as JSON.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { checkArgs } from "./args.ts";

/** The `features` descriptor. */
export const command: Command = {
  name: "features",
  summary: "show the enabled features",
  argsUsage: "",
  description: `Show the enabled features.
   The result is parsable as a JSON.
   See https://pkg.go.dev/github.com/opencontainers/runc/types/features for the type definition.
   The types are experimental and subject to change.
`,
  flags: [],
  async run(ctx) {
    checkArgs("features", ctx.args, 0, "exact");
    const [{ featuresDocument, formatFeatures }, { COMMIT, VERSION }, { libseccompVersion }] =
      await Promise.all([
        import("../core/features/features.ts"),
        import("./version.ts"),
        import("../ffi/libseccomp.ts"),
      ]);
    const text = formatFeatures(
      featuresDocument({
        version: VERSION,
        commit: COMMIT,
        libseccompVersion: libseccompVersion(),
      }),
    );
    const bytes = new TextEncoder().encode(text);
    let off = 0;
    while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
    return 0;
  },
};
