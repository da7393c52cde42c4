/**
 * runc's command line for a table of commands (`cli/main.ts` gives all of
 * them, a generated build/entry/CMD.ts one): global flags, logging
 * set-up, dispatch to a command descriptor, and runc 1.1's handling of usage
 * errors, help and failures (stdout for help and "Incorrect Usage", a logrus
 * line for errors, exit 1, or 3 for an unknown help topic).
 *
 * Only the flag parser, help renderer, logger and the descriptors are loaded
 * here; a command's `run` imports what it needs.
 *
 * @module
 */

import type { Command, GlobalOptions } from "./command.ts";
import { UsageError } from "./command.ts";
import { checkForms, parseFlags } from "./flags.ts";
import { appHelp, commandHelp, helpCommandHelp, subcommandHelp } from "./help.ts";
import { globalFlags, HELP_COMMAND, HELP_FLAG } from "./app.ts";
import { configureLog, logError, logToStderr } from "../core/log.ts";
import { osErrorText } from "../core/os/errno.ts";
import { euid, kernelTooOld, runningInUserNS } from "../core/os/host.ts";
import { absPath } from "../core/os/path.ts";

/**
 * Commands that start processes in a container, which need a kernel this
 * runtime supports; the others (state, list, kill, delete...) work on any,
 * as runc's do.
 */
const KERNEL_NEEDED = new Set(["create", "run", "exec", "restore", "checkpoint"]);

const encoder = new TextEncoder();

function write(out: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  try {
    let off = 0;
    while (off < bytes.length) off += out.writeSync(bytes.subarray(off));
  } catch {
    // A closed stdout (`runc --help | head -1`) is not an error worth reporting.
  }
}

const stdout = (text: string) => write(Deno.stdout, text);
const stderr = (text: string) => write(Deno.stderr, text);

/** runc's fatal(): log the error, repeat it on stderr when the log goes elsewhere. */
function fatal(msg: string, code = 1): number {
  logError(msg);
  if (!logToStderr()) stderr(msg + "\n");
  return code;
}

/** An error's message as runc prints it. */
function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The default `--root`: $XDG_RUNTIME_DIR/runc for non-root users, as runc decides. */
function defaultRoot(): { path: string; xdg: boolean } {
  const xdg = Deno.env.get("XDG_RUNTIME_DIR") ?? "";
  if (xdg !== "" && honorXDGRuntimeDir()) return { path: `${xdg}/runc`, xdg: true };
  return { path: "/run/runc", xdg: false };
}

function honorXDGRuntimeDir(): boolean {
  if (euid() !== 0) return true;
  if (!runningInUserNS()) return false;
  const user = Deno.env.get("USER");
  return user === undefined || user !== "root";
}

/** Go's os.MkdirAll, with Go's error text. */
function mkdirAll(path: string, mode: number): void {
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.statSync(path);
  } catch {
    // Missing or unreachable: create the parents, then report mkdir's own error.
  }
  if (info !== undefined) {
    if (info.isDirectory) return;
    throw new Error(`mkdir ${path}: not a directory`);
  }
  const parent = path.replace(/\/+[^/]*\/*$/, "");
  if (parent !== "" && parent !== path) mkdirAll(parent, mode);
  try {
    Deno.mkdirSync(path, { mode });
  } catch (err) {
    try {
      if (Deno.lstatSync(path).isDirectory) return;
    } catch { /* report the mkdir error */ }
    throw new Error(`mkdir ${path}: ${osErrorText(err)}`, { cause: err });
  }
}

/** runc's App.Before: the XDG root directory, an absolute root, logging. */
function before(g: GlobalOptions, xdgRoot: boolean): number | undefined {
  if (xdgRoot) {
    try {
      mkdirAll(g.root, 0o700);
    } catch (err) {
      stderr("the path in $XDG_RUNTIME_DIR must be writable by the user\n");
      return fatal(messageOf(err));
    }
    try {
      Deno.chmodSync(g.root, 0o1700);
    } catch (err) {
      stderr("you should check permission of the path in $XDG_RUNTIME_DIR\n");
      return fatal(`chmod ${g.root}: ${osErrorText(err)}`);
    }
  }
  g.root = absPath(g.root);
  try {
    configureLog({ debug: g.debug, format: g.logFormat, file: g.log });
  } catch (err) {
    return fatal(messageOf(err));
  }
  return undefined;
}

/** The command called `name` (or one of its aliases) in the table. */
function findCommand(commands: readonly Command[], name: string): Command | undefined {
  return commands.find((c) => c.name === name || (c.aliases ?? []).includes(name));
}

async function appHelpText(
  commands: readonly Command[],
  globals = globalFlags(defaultRoot().path),
): Promise<string> {
  const { versionLines } = await import("./version.ts");
  return appHelp([...commands], globals, await versionLines());
}

/** urfave's ShowCommandHelp for a help topic. */
function showHelpTopic(commands: readonly Command[], name: string): number {
  if (name === "") {
    stdout(subcommandHelp([...commands], globalFlags(defaultRoot().path)));
    return 0;
  }
  if ((HELP_COMMAND.names as readonly string[]).includes(name)) {
    stdout(helpCommandHelp());
    return 0;
  }
  const cmd = findCommand(commands, name);
  if (cmd === undefined) {
    // urfave prints its ExitError with Fprintln through runc's FatalWriter.
    const text = `No help topic for '${name}'\n`;
    logError(text);
    if (!logToStderr()) stderr(text);
    return 3;
  }
  stdout(commandHelp(cmd));
  return 0;
}

/** urfave's help command (and the App's default action). */
async function helpAction(commands: readonly Command[], args: string[]): Promise<number> {
  if (args.length > 0) return showHelpTopic(commands, args[0]!);
  stdout(await appHelpText(commands));
  return 0;
}

/** urfave's Command.Run for `help` / `h`. */
function runHelpCommand(commands: readonly Command[], argv: string[]): Promise<number> {
  const flags = [HELP_FLAG];
  const p = parseFlags(flags, argv, true);
  const err = p.error ?? checkForms(flags, p.visited);
  if (err !== undefined) {
    stdout(`Incorrect Usage: ${err}\n\n${helpCommandHelp()}`);
    return Promise.resolve(fatal(err));
  }
  if (p.values.help === true) {
    stdout(helpCommandHelp());
    return Promise.resolve(0);
  }
  return helpAction(commands, p.args);
}

/** urfave's Command.Run: parse, help, action; errors as runc reports them. */
async function runCommand(cmd: Command, argv: string[], global: GlobalOptions): Promise<number> {
  const flags = [...cmd.flags, HELP_FLAG];
  const p = parseFlags(flags, argv, cmd.skipArgReorder !== true);
  const err = p.error ?? checkForms(flags, p.visited);
  if (err !== undefined) {
    stdout(`Incorrect Usage: ${err}\n\n${commandHelp(cmd)}`);
    return fatal(err);
  }
  if (p.values.help === true) {
    stdout(commandHelp(cmd));
    return 0;
  }
  delete p.values.help;
  p.set.delete("help");
  if (KERNEL_NEEDED.has(cmd.name)) {
    const old = kernelTooOld();
    if (old !== undefined) return fatal(old);
  }
  try {
    return await cmd.run({ global, flags: p.values, args: p.args, setFlags: p.set });
  } catch (e) {
    if (e instanceof UsageError && e.showHelp) stdout(`Incorrect Usage.\n\n${commandHelp(cmd)}`);
    const code = (e as { exitCode?: unknown } | null)?.exitCode;
    return fatal(messageOf(e), typeof code === "number" ? code : 1);
  }
}

/**
 * Runs runc's command line.
 *
 * @param argv the arguments after the program name
 * @param commands the commands it knows
 * @returns the exit code
 */
export async function main(argv: string[], commands: readonly Command[]): Promise<number> {
  const root = defaultRoot();
  const globals = globalFlags(root.path);
  const g = parseFlags(globals, argv);
  const forms = checkForms(globals, g.visited);
  if (forms !== undefined) {
    stdout(`${forms}\n${await appHelpText(commands, globals)}`);
    return fatal(forms);
  }
  if (g.error !== undefined) {
    stdout(`Incorrect Usage. ${g.error}\n\n${await appHelpText(commands, globals)}`);
    return fatal(g.error);
  }
  if (g.values.help === true) {
    stdout(await appHelpText(commands, globals));
    return 0;
  }
  if (g.values.version === true) {
    const { versionLines } = await import("./version.ts");
    stdout(`runc version ${await versionLines()}\n`);
    return 0;
  }
  const v = g.values;
  const logFormat = String(v["log-format"]);
  const global: GlobalOptions = {
    debug: v.debug === true,
    log: String(v.log),
    logFormat: logFormat === "json" ? "json" : "text",
    root: String(v.root),
    criu: String(v.criu),
    systemdCgroup: v["systemd-cgroup"] === true,
    rootless: String(v.rootless),
  };
  if (logFormat !== "" && logFormat !== "text" && logFormat !== "json") {
    // runc checks the format before it opens the log file.
    const failed = before({ ...global, log: "" }, root.xdg && !g.set.has("root"));
    return failed ?? fatal(`invalid log-format: ${logFormat}`);
  }
  const failed = before(global, root.xdg && !g.set.has("root"));
  if (failed !== undefined) return failed;

  const name = g.args[0];
  if (name !== undefined) {
    if ((HELP_COMMAND.names as readonly string[]).includes(name)) {
      return await runHelpCommand(commands, g.args.slice(1));
    }
    const cmd = findCommand(commands, name);
    if (cmd !== undefined) return await runCommand(cmd, g.args.slice(1), global);
  }
  return await helpAction(commands, g.args);
}

/**
 * One turn of Deno's event loop, for the entry points to take before they
 * exit. Deno stores a module's V8 code cache on such a turn after compiling
 * it; a command that made no asynchronous call (`kill`, `state` of a missing
 * container) would exit before it, and after a new build every such call
 * would compile the whole bundle again (about 20 ms) until another command
 * stored the cache. The turn is an empty write to stdout, which Deno answers
 * without a syscall: 0.6 ms the first time in a process against 1.1 ms for
 * the stat of "/" it was before, and next to nothing after a command's own
 * output.
 */
async function codeCacheTurn(): Promise<void> {
  await Deno.stdout.write(new Uint8Array(0)).catch(() => {});
}

/**
 * An entry point's whole work: runc's command line with these commands, one
 * event-loop turn ({@linkcode codeCacheTurn}), then exit with the code.
 *
 * @param commands the commands the entry knows
 */
export async function runEntry(commands: readonly Command[]): Promise<never> {
  const code = await main(Deno.args, commands);
  await codeCacheTurn();
  Deno.exit(code);
}
