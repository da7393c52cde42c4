/**
 * The manual and the shell completions, made from the same command and flag
 * descriptors as `--help` (one source of truth): `runc(8)`, one
 * `runc-COMMAND(8)` per command, a bash completion and a zsh one.
 * `cli/docs_gen.ts` writes them at build time; nothing here runs in a CLI call.
 *
 * @module
 */

import type { Command, Flag } from "./command.ts";
import { APP_USAGE, HELP_COMMAND } from "./app.ts";
import { flagDefault } from "./help.ts";

/** What the generators need beyond the descriptors. */
export interface DocsInput {
  commands: readonly Command[];
  /** The global flags, as `runc --help` lists them. */
  globals: readonly Flag[];
  /** e.g. `1.1.5` */
  version: string;
  /** The date the pages carry (`2026-11-29`); fixed for reproducible builds. */
  date: string;
}

/** Text for troff: backslashes escaped, no line taken for a request. */
function roff(text: string): string {
  return text.replaceAll("\\", "\\e").split("\n")
    .map((l) => (l.startsWith(".") || l.startsWith("'") ? `\\&${l}` : l))
    .join("\n");
}

/** A flag's names for a man page: `\fB\-\-bundle\fR, \fB\-b\fR \fIvalue\fR`. */
function flagNames(f: Flag): string {
  const value = f.kind === "bool" ? "" : " \\fIvalue\\fR";
  return [f.name, ...(f.aliases ?? [])]
    .map((n) =>
      `\\fB${(n.length === 1 ? "-" : "--").replaceAll("-", "\\-")}${n.replaceAll("-", "\\-")}\\fR`
    )
    .join(", ") + value;
}

function options(flags: readonly Flag[]): string {
  return flags.filter((f) => f.hidden !== true)
    .map((f) => `.TP\n${flagNames(f)}\n${roff(f.usage + flagDefault(f))}\n`).join("");
}

/** Paragraphs, .PP between them (not after the heading); preformatted ones as they are. */
function paragraphs(ps: { text: string; pre: boolean }[]): string {
  return ps.map((p, i) =>
    `${i > 0 ? ".PP\n" : ""}${p.pre ? `.nf\n${roff(p.text)}\n.fi` : roff(p.text)}\n`
  ).join("");
}

function header(name: string, input: DocsInput): string {
  return `.TH ${name.toUpperCase()} 8 "${input.date}" "runc ${input.version}" "System Manager's Manual"\n`;
}

/**
 * runc(8): the runtime, its global options and its commands.
 *
 * @param input the descriptors and the version
 * @returns the page in man(7) markup
 */
export function appPage(input: DocsInput): string {
  const [first, ...rest] = APP_USAGE.split("\n\n");
  const commands = input.commands.map((c) =>
    `.TP\n\\fB${c.name}\\fR\n${roff(c.summary)}\nSee \\fBrunc\\-${c.name}\\fR(8).\n`
  ).join("");
  return header("runc", input) +
    `.SH NAME\nrunc \\- ${roff(first!)}\n` +
    `.SH SYNOPSIS\n\\fBrunc\\fR [\\fIglobal options\\fR] \\fIcommand\\fR [\\fIcommand options\\fR] [\\fIarguments...\\fR]\n` +
    `.SH DESCRIPTION\n${paragraphs(rest.map((p) => ({ text: p, pre: p.startsWith("    ") })))}` +
    `.SH COMMANDS\n${commands}.TP\n\\fB${HELP_COMMAND.names.join(", ")}\\fR\n${
      roff(HELP_COMMAND.summary)
    }\n` +
    `.SH GLOBAL OPTIONS\n${options(input.globals)}` +
    `.SH SEE ALSO\n${input.commands.map((c) => `\\fBrunc\\-${c.name}\\fR(8)`).join(",\n")}\n`;
}

/**
 * runc-COMMAND(8): one command, its usage, description and options, as its
 * `--help` says them.
 *
 * @param cmd the command
 * @param input the descriptors and the version
 * @returns the page in man(7) markup
 */
export function commandPage(cmd: Command, input: DocsInput): string {
  const opts = cmd.flags.some((f) => f.hidden !== true) ? " [\\fIcommand options\\fR]" : "";
  const args = cmd.argsUsage !== "" ? ` ${roff(cmd.argsUsage)}` : "";
  let page = header(`runc-${cmd.name}`, input) +
    `.SH NAME\nrunc\\-${cmd.name} \\- ${roff(cmd.summary)}\n` +
    `.SH SYNOPSIS\n\\fBrunc ${cmd.name}\\fR${opts}${args}\n`;
  const text = [cmd.usageText, cmd.description].filter((t): t is string => t !== undefined);
  if (text.length > 0) {
    page += `.SH DESCRIPTION\n${paragraphs(text.map((t) => ({ text: t.trimEnd(), pre: true })))}`;
  }
  if (cmd.flags.some((f) => f.hidden !== true)) page += `.SH OPTIONS\n${options(cmd.flags)}`;
  return page + `.SH SEE ALSO\n\\fBrunc\\fR(8)\n`;
}

/** The names a flag is typed as: `--bundle`, `-b`. */
function spellings(f: Flag): string[] {
  return [f.name, ...(f.aliases ?? [])].map((n) => (n.length === 1 ? "-" : "--") + n);
}

/** Whether a command's first argument is a container id. */
function takesId(cmd: Command): boolean {
  return cmd.argsUsage.includes("<container-id>");
}

/**
 * The bash completion: commands, each command's flags and the global ones,
 * and the ids of the containers (`runc list -q`) where a command takes one.
 *
 * @param input the descriptors
 * @returns a script for bash-completion's completions directory
 */
export function bashCompletion(input: DocsInput): string {
  // Hidden flags are not offered (as in zsh's and in --help), but their values are skipped.
  const shown = (f: Flag) => f.hidden !== true;
  const globals = input.globals.filter(shown).flatMap(spellings);
  const valued = [...input.globals, ...input.commands.flatMap((c) => c.flags)]
    .filter((f) => f.kind !== "bool").flatMap(spellings);
  const cases = input.commands.map((c) => {
    const flags = [...c.flags, { name: "help", aliases: ["h"], kind: "bool", usage: "" } as Flag]
      .filter(shown).flatMap(spellings).join(" ");
    return `\t${[c.name, ...(c.aliases ?? [])].join("|")})\n\t\tflags="${flags}"\n\t\tids=${
      takesId(c) ? 1 : 0
    }\n\t\t;;`;
  }).join("\n");
  return `# bash completion for runc ${input.version}, made from its command descriptors.
_runc_ids() {
	# The state root given on the command line, else runc's default for this user.
	local root=() i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case "\${COMP_WORDS[i]}" in
		--root) root=(--root "\${COMP_WORDS[i + 1]}") ;;
		--root=*) root=(--root "\${COMP_WORDS[i]#--root=}") ;;
		esac
	done
	"\${COMP_WORDS[0]}" "\${root[@]}" list -q 2>/dev/null
}

_runc() {
	local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD - 1]}
	local valued=" ${valued.join(" ")} "
	# A flag that takes a value: complete file names.
	if [[ "$valued" == *" $prev "* ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	# The command: the first word that is not a global flag or its value.
	local cmd="" i
	for ((i = 1; i < COMP_CWORD; i++)); do
		local w=\${COMP_WORDS[i]}
		if [[ "$w" == -* ]]; then
			[[ "$valued" == *" $w "* ]] && ((i++))
			continue
		fi
		cmd=$w
		break
	done
	if [ -z "$cmd" ]; then
		if [[ "$cur" == -* ]]; then
			COMPREPLY=($(compgen -W "${globals.join(" ")}" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "${input.commands.map((c) => c.name).join(" ")} ${
    HELP_COMMAND.names.join(" ")
  }" -- "$cur"))
		fi
		return
	fi
	local flags="" ids=0
	case "$cmd" in
${cases}
	help | h)
		COMPREPLY=($(compgen -W "${input.commands.map((c) => c.name).join(" ")}" -- "$cur"))
		return
		;;
	esac
	if [[ "$cur" == -* ]]; then
		COMPREPLY=($(compgen -W "$flags" -- "$cur"))
	elif [ "$ids" = 1 ]; then
		COMPREPLY=($(compgen -W "$(_runc_ids)" -- "$cur"))
	fi
}
complete -F _runc runc
`;
}

/** A flag as zsh's _arguments spec: `(-b --bundle)'{-b,--bundle}'[path ...]:value:_files'`. */
function zshFlag(f: Flag): string {
  const names = spellings(f);
  const usage = f.usage.replaceAll("\\", "\\\\").replaceAll("'", "'\\''").replaceAll("[", "\\[")
    .replaceAll("]", "\\]").replaceAll(":", "\\:");
  const value = f.kind === "bool" ? "" : ":value:_files";
  const group = names.length > 1 ? `'(${names.join(" ")})'{${names.join(",")}}` : `'${names[0]}`;
  return names.length > 1 ? `${group}'[${usage}]${value}'` : `${group}[${usage}]${value}'`;
}

/**
 * The zsh completion: the same as bash's, through _arguments.
 *
 * @param input the descriptors
 * @returns a script for a directory on $fpath
 */
export function zshCompletion(input: DocsInput): string {
  const commands = input.commands.map((c) =>
    `\t\t'${c.name}:${c.summary.replaceAll("'", "'\\''").replaceAll(":", "\\:")}'`
  ).join("\n");
  const cases = input.commands.map((c) => {
    const flags = c.flags.filter((f) => f.hidden !== true).map(zshFlag);
    const id = takesId(c) ? ` \\\n\t\t\t'1:container id:_runc_ids'` : "";
    return `\t${c.name})\n\t\t_arguments -s${
      flags.map((f) => ` \\\n\t\t\t${f}`).join("")
    }${id}\n\t\t;;`;
  }).join("\n");
  return `#compdef runc
# zsh completion for runc ${input.version}, made from its command descriptors.

_runc_ids() {
	local -a ids
	ids=(\${(f)"$(runc list -q 2>/dev/null)"})
	_describe 'container id' ids
}

_runc() {
	local -a commands
	commands=(
${commands}
	)
	local curcontext=$curcontext state line
	_arguments -C${
    input.globals.filter((f) => f.hidden !== true).map((f) => ` \\\n\t\t${zshFlag(f)}`).join("")
  } \\
		'1:command:->command' \\
		'*::arguments:->arguments'
	case $state in
	command) _describe 'command' commands ;;
	arguments)
		case $line[1] in
${cases}
		esac
		;;
	esac
}

_runc "$@"
`;
}
