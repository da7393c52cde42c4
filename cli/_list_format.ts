/**
 * The output of `runc list`: a table laid out as Go's text/tabwriter does with
 * runc's settings (minwidth 12, padding 3), the ids alone with -q, or JSON.
 *
 * @module
 */
import type { StateDocument } from "../core/container/query.ts";

/**
 * Formats the containers as runc 1.1 prints them.
 *
 * @param docs the containers
 * @param format `table` or `json`
 * @param quiet ids only
 * @returns the text to print
 * @throws Error `invalid format option` for any other format
 */
export function formatList(docs: StateDocument[], format: string, quiet: boolean): string {
  if (quiet) return docs.map((d) => `${d.id}\n`).join("");
  if (format === "json") {
    // json.Encoder of a nil slice prints null.
    if (docs.length === 0) return "null\n";
    return `${JSON.stringify(docs)}\n`;
  }
  if (format !== "table") throw new Error("invalid format option");
  const rows = [
    ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"],
    ...docs.map((d) => [d.id, String(d.pid), d.status, d.bundle, d.created, d.owner]),
  ];
  return tabwrite(rows, 12, 3);
}

/**
 * Aligns cells like text/tabwriter with flags 0: every cell but the last of a
 * row is padded to its column's width plus padding, at least minWidth.
 */
function tabwrite(rows: string[][], minWidth: number, padding: number): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(minWidth, cell.length + padding));
    });
  }
  return rows.map((row) =>
    row.map((cell, i) => i < row.length - 1 ? cell.padEnd(widths[i]!) : cell).join("") + "\n"
  ).join("");
}
