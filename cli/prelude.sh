#!/bin/sh
":" //; # build/runc is both a sh script (these lines) and the bundled CLI (the rest, after them).
":" //; # create, run, exec and restore start Deno with V8's eager compilation, from the link
":" //; # runc-eager.js beside this file: their code cache then holds every function they call.
":" //; # The others compile lazily, from this file, whose smaller code cache loads faster. The two
":" //; # need two names: V8 throws away a code cache made under other flags.
":" //; m=; s=; for a; do if [ -n "$s" ]; then s=; continue; fi; case $a in --root|-root|--log|-log|--log-format|-log-format|--criu|-criu|--rootless|-rootless) s=1 ;; -*) ;; create|run|exec|restore) m=eager; break ;; *) break ;; esac; done
":" //; if [ -n "$m" ] && [ -e "$0-eager.js" ]; then exec @DENO@ run -A --no-config --no-lock --v8-flags=--no-lazy --ext=js "$0-eager.js" "$@"; fi
":" //; exec @DENO@ run -A --no-config --no-lock --ext=js "$0" "$@"
