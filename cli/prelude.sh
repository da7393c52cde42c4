#!/bin/sh
":" //; # build/runc is both a sh script (these lines) and the bundled CLI (the rest, after them).
":" //; # create, run and exec start Deno with V8's eager compilation on runc-eager.js beside it, a
":" //; # bundle of those three commands alone (cli/main_eager.ts): its code cache then holds every
":" //; # function they call and little else. The other commands, and a line with --help or
":" //; # --version before its command, compile lazily from this file, whose smaller code cache
":" //; # loads faster. (V8 throws away a code cache made under other flags: each file has its own.)
":" //; m=; s=; for a; do if [ -n "$s" ]; then s=; continue; fi; case $a in -h|-help|--help|-h=*|-help=*|--help=*|-v|-version|--version|-v=*|-version=*|--version=*) break ;; --root|-root|--log|-log|--log-format|-log-format|--criu|-criu|--rootless|-rootless) s=1 ;; -*) ;; create|run|exec) m=eager; break ;; *) break ;; esac; done
":" //; if [ -n "$m" ] && [ -e "$0-eager.js" ]; then exec @DENO@ run -A --no-config --no-lock --v8-flags=--no-lazy --ext=js "$0-eager.js" "$@"; fi
":" //; exec @DENO@ run -A --no-config --no-lock --ext=js "$0" "$@"
