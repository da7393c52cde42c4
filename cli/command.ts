/**
 * The shape every subcommand module exports: a descriptor that the registry in
 * `cli/commands.ts` lists. Descriptors hold only argument metadata and a `run`
 * function; policy lives in `core/`, which `run` imports lazily so that a call
 * pays only for the modules its own command needs.
 *
 * @module
 */

/** How a flag takes its value, following urfave/cli v1 (which runc 1.1 uses). */
export type FlagKind =
  | "bool"
  | "string"
  | "int"
  | "uint"
  | "uint64"
  | "stringSlice"
  | "int64Slice"
  | "duration";

/** One command-line flag, with runc 1.1's name, short forms and default. */
export interface Flag {
  /** Long name without dashes, e.g. `bundle`. */
  name: string;
  /** Other names, e.g. `["b"]` for `-b`. */
  aliases?: string[];
  kind: FlagKind;
  /** The help text shown by `--help`, copied from runc. */
  usage: string;
  /**
   * Default value as runc shows it in help; absent when runc shows none (ints
   * then default to 0, strings to "", durations to "0s"). Durations are written
   * the Go way, e.g. `"5s"`.
   */
  default?: string | number | boolean | string[];
  /** Hidden flags are accepted but not listed in help. */
  hidden?: boolean;
}

/**
 * Parsed flag values, keyed by long name, defaults filled in. Repeated slice
 * flags collect; durations are numbers of milliseconds; int64Slice values are
 * numbers.
 */
export type FlagValues = Record<
  string,
  string | number | boolean | string[] | number[] | undefined
>;

/** Global options shared by every command. */
export interface GlobalOptions {
  debug: boolean;
  log: string;
  logFormat: "text" | "json";
  root: string;
  criu: string;
  systemdCgroup: boolean;
  rootless: string;
}

/** What a command's `run` receives. */
export interface CommandContext {
  global: GlobalOptions;
  flags: FlagValues;
  args: string[];
  /** Long names of the flags given on the command line (urfave's `IsSet`). */
  setFlags?: ReadonlySet<string>;
}

/** A subcommand descriptor. */
export interface Command {
  name: string;
  aliases?: string[];
  /** One-line summary shown in `runc --help`. */
  summary: string;
  /**
   * urfave's ArgsUsage: the text after `runc NAME [command options]` in the
   * USAGE section, e.g. `<container-id>`; `[command options]` is added when the
   * command has visible flags. Empty with no usageText shows `[arguments...]`.
   */
  argsUsage: string;
  /**
   * Extra paragraph printed under the USAGE line after a blank line (runc puts
   * the container-id text and some examples there), kept byte for byte.
   */
  usageText?: string;
  /** The DESCRIPTION section. */
  description?: string;
  flags: Flag[];
  /**
   * urfave's SkipArgReorder: flags after the first argument are left to the
   * command (exec, ps) instead of being parsed.
   */
  skipArgReorder?: boolean;
  /**
   * Runs the command; resolves to the process exit code. Errors thrown are
   * logged by `cli/dispatch.ts` as runc does and turn into exit code 1, or into
   * the error's own `exitCode` when it has a numeric one (runc exec's 255).
   */
  run(ctx: CommandContext): Promise<number>;
}

/** Thrown for wrong usage; `cli/dispatch.ts` prints it like urfave/cli and exits 1. */
export class UsageError extends Error {
  /** @param message what is wrong, e.g. `runc: "state" requires exactly 1 argument(s)` */
  constructor(message: string, readonly showHelp = false) {
    super(message);
    this.name = "UsageError";
  }
}
