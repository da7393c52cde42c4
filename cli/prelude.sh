#!/bin/sh
":" //; # build/runc is both a sh script (these lines) and the bundled CLI (the rest, after them).
":" //; # A command with a bundle of its own beside this file, runc-CMD.js (that command alone),
":" //; # runs from it: with V8's eager compilation for the Makefile's OWN_EAGER_COMMANDS (the code
":" //; # cache then holds every function the command calls and little else), lazily for its
":" //; # OWN_LAZY_COMMANDS. Every other command, and a line with --help or --version before its
":" //; # command, runs from this file, compiled lazily. (V8 throws away a code cache made under
":" //; # other flags: each file keeps its own.)
":" //; c=; s=; for a; do if [ -n "$s" ]; then s=; continue; fi; case $a in -h|-help|--help|-h=*|-help=*|--help=*|-v|-version|--version|-v=*|-version=*|--version=*) break ;; --root|-root|--log|-log|--log-format|-log-format|--criu|-criu|--rootless|-rootless) s=1 ;; -*) ;; *) c=$a; break ;; esac; done
":" //; e=; case $c in @OWN_EAGER_COMMANDS@) e=--v8-flags=--no-lazy ;; @OWN_LAZY_COMMANDS@) ;; *) c= ;; esac
":" //; if [ -n "$c" ] && [ -e "$0-$c.js" ]; then exec @DENO@ run -A --no-config --no-lock $e --ext=js "$0-$c.js" "$@"; fi
":" //; exec @DENO@ run -A --no-config --no-lock --ext=js "$0" "$@"
