/**
 * Help screens byte for byte as runc 1.1 prints them: urfave/cli v1.22's
 * AppHelpTemplate, CommandHelpTemplate and SubcommandHelpTemplate, run
 * through Go's text/tabwriter (minwidth 1, padding 2, spaces).
 *
 * @module
 */

import type { Command, Flag } from "./command.ts";
import { goQuote } from "../core/log.ts";
import { APP_USAGE, HELP_COMMAND } from "./app.ts";

/**
 * One flag's line as urfave's stringifyFlag writes it, with a tab between the
 * names and the usage: `--bundle value, -b value\tpath to ...`.
 *
 * @param f the flag
 * @returns the line, not yet aligned
 */
export function flagLine(f: Flag): string {
  const takesValue = f.kind !== "bool";
  const names = [f.name, ...(f.aliases ?? [])]
    .map((n) => (n.length === 1 ? "-" : "--") + n + (takesValue ? " value" : ""))
    .join(", ");
  return `${names}\t${(f.usage + flagDefault(f)).trim()}`;
}

/**
 * The ` (default: ...)` urfave/cli prints after a flag's usage ("" when it
 * prints none); the man pages print the same.
 */
export function flagDefault(f: Flag): string {
  let dflt = "";
  switch (f.kind) {
    case "string":
      if (typeof f.default === "string" && f.default !== "") {
        dflt = ` (default: ${goQuote(f.default)})`;
      }
      break;
    case "stringSlice":
      if (Array.isArray(f.default)) {
        const vals = f.default.filter((v) => v !== "").map((v) => goQuote(String(v)));
        if (vals.length > 0) dflt = ` (default: ${vals.join(", ")})`;
      }
      break;
    case "duration":
      dflt = ` (default: ${typeof f.default === "string" ? f.default : "0s"})`;
      break;
    case "int":
    case "uint":
    case "uint64":
      dflt = ` (default: ${typeof f.default === "number" ? f.default : 0})`;
      break;
  }
  return dflt;
}

/**
 * Go's text/tabwriter as urfave configures it: tab-terminated cells in
 * consecutive lines form a column, padded to its widest cell plus two spaces.
 *
 * @param text lines with tab-separated cells
 * @returns the aligned text
 */
export function tabwrite(text: string): string {
  const lines = text.split("\n").map((l) => l.split("\t"));
  const widths: number[][] = lines.map(() => []);
  const runes = (s: string) => [...s].length;
  const format = (column: number, line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      let width = 1;
      let j = i;
      for (; j < line1 && column < lines[j]!.length - 1; j++) {
        width = Math.max(width, runes(lines[j]![column]!) + 2);
      }
      for (let k = i; k < j; k++) widths[k]![column] = width;
      format(column + 1, i, j);
      i = j;
    }
  };
  format(0, 0, lines.length);
  return lines.map((cells, i) =>
    cells.map((c, k) => {
      if (k === cells.length - 1) return c;
      return c + " ".repeat(Math.max(0, widths[i]![k]! - runes(c)));
    }).join("")
  ).join("\n");
}

function visible(flags: Flag[]): Flag[] {
  return flags.filter((f) => f.hidden !== true);
}

function usageLine(cmd: Command, helpName: string): string {
  const opts = visible(cmd.flags).length > 0 ? " [command options]" : "";
  const args = cmd.argsUsage !== "" || cmd.usageText !== undefined
    ? cmd.argsUsage
    : "[arguments...]";
  const extra = cmd.usageText !== undefined ? `\n\n${cmd.usageText}` : "";
  return `${helpName}${opts} ${args}${extra}`;
}

/**
 * `runc CMD --help`, `runc help CMD`.
 *
 * @param cmd the command
 * @returns the help text, ending in a newline
 */
export function commandHelp(cmd: Command): string {
  let out = `NAME:\n   runc ${cmd.name} - ${cmd.summary}\n\nUSAGE:\n   ${
    usageLine(cmd, `runc ${cmd.name}`)
  }`;
  if (cmd.description !== undefined) out += `\n\nDESCRIPTION:\n   ${cmd.description}`;
  const flags = visible(cmd.flags);
  if (flags.length > 0) {
    out += `\n\nOPTIONS:\n   ${flags.map((f) => `${flagLine(f)}\n   `).join("")}`;
  }
  return tabwrite(out + "\n");
}

/**
 * `runc help help`: urfave renders its own help command with an empty name.
 *
 * @returns the help text
 */
export function helpCommandHelp(): string {
  return `NAME:\n    - ${HELP_COMMAND.summary}\n\nUSAGE:\n    ${HELP_COMMAND.argsUsage}\n`;
}

function commandList(commands: Command[]): string {
  const rows = commands.map((c) =>
    `\n   ${[c.name, ...(c.aliases ?? [])].join(", ")}\t${c.summary}`
  );
  rows.push(`\n   ${HELP_COMMAND.names.join(", ")}\t${HELP_COMMAND.summary}`);
  return rows.join("");
}

/**
 * `runc --help`, `runc help`, `runc` alone.
 *
 * @param commands the registry, in runc's order
 * @param globals the global flags
 * @param version the VERSION section: the lines `runc --version` prints after `runc version `
 * @returns the help text
 */
export function appHelp(commands: Command[], globals: Flag[], version: string): string {
  const out = `NAME:\n   runc - ${APP_USAGE}\n\n` +
    `USAGE:\n   runc [global options] command [command options] [arguments...]\n\n` +
    `VERSION:\n   ${version}\n\n` +
    `COMMANDS:${commandList(commands)}\n\n` +
    `GLOBAL OPTIONS:\n   ${visible(globals).map(flagLine).join("\n   ")}\n`;
  return tabwrite(out);
}

/**
 * `runc ''`: urfave shows the App through its SubcommandHelpTemplate.
 *
 * @param commands the registry
 * @param globals the global flags
 * @returns the help text
 */
export function subcommandHelp(commands: Command[], globals: Flag[]): string {
  const out = `NAME:\n   runc - ${APP_USAGE}\n\n` +
    `USAGE:\n   runc command [command options] [arguments...]\n\n` +
    `COMMANDS:${commandList(commands)}\n\n` +
    `OPTIONS:\n   ${visible(globals).map((f) => `${flagLine(f)}\n   `).join("")}\n`;
  return tabwrite(out);
}
