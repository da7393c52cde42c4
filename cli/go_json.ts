/**
 * JSON text as Go's encoding/json writes it (runc's `spec` and `features`
 * output): JSON.stringify's layout, with Go's string escapes.
 *
 * @module
 */

import { goJSONString } from "../core/log.ts";

/**
 * `json.MarshalIndent(v, "", indent)`: no trailing newline.
 *
 * @param value plain data (objects keep their key order)
 * @param indent `"\t"` for config.json, four spaces for `runc features`
 * @returns the JSON text
 */
export function goMarshalIndent(value: unknown, indent: string): string {
  return JSON.stringify(value, null, indent).replace(
    /"(?:[^"\\]|\\.)*"/g,
    (s) => goJSONString(JSON.parse(s) as string),
  );
}
