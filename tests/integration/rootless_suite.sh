#!/usr/bin/env bash
# The integration suite a second time, as an ordinary user: `make test-rootless`.
#
# Run as root. Makes the user $RUNC_IT_SUITE_USER (default runc-it-suite) once,
# with /etc/subuid and /etc/subgid ranges that overlap no other entry (nor the
# 300000.. ranges rootless_test.ts asks for), then runs `deno test` over
# tests/integration as that user. Sandbox.create (tests/integration/_util.ts)
# then makes bundles with `runc spec --rootless`, and the tests that need root
# say so and are skipped. The user's HOME, DENO_DIR and XDG_RUNTIME_DIR are in
# build/test-rootless/, which the user owns; nothing outside the work tree is
# changed but the user and its id ranges.
#
# Settings (environment): DENO (the pinned deno, required), RUNC_IT_SUITE_USER,
# TESTS (default tests/integration), DENO_TEST_FLAGS (extra flags, e.g.
# "--filter exec").
set -euo pipefail
cd "$(dirname "$0")/../.."
tree=$PWD
user=${RUNC_IT_SUITE_USER:-runc-it-suite}
tests=${TESTS:-tests/integration}
: "${DENO:?set DENO to the pinned deno}"

say() { echo "test-rootless: $*"; }

if [ "$(id -u)" -ne 0 ]; then
  # Already an ordinary user: `make test-integration` was the rootless run.
  say "skipped: needs root to make the test user (the integration run was rootless already)"
  exit 0
fi
for tool in useradd setpriv; do
  command -v "$tool" >/dev/null || { say "needs $tool (apt-get install passwd util-linux)"; exit 1; }
done

# --- The user, made once; no home directory (its HOME is in build/).
if ! id -u "$user" >/dev/null 2>&1; then
  useradd -M -s /usr/sbin/nologin "$user"
fi
uid=$(id -u "$user")
gid=$(id -g "$user")

# A subordinate range for the user where it has none (useradd usually gives
# one): 65536 ids after the end of every range already given, and never below
# 400000, above the ranges rootless_test.ts writes.
for f in /etc/subuid /etc/subgid; do
  touch "$f"
  if ! grep -q "^$user:" "$f"; then
    start=$(awk -F: 'BEGIN { m = 400000 } NF == 3 && $2 + $3 > m { m = $2 + $3 } END { print m }' \
      /etc/subuid /etc/subgid)
    echo "$user:$start:65536" >>"$f"
  fi
done

# --- Its places, in build/ and owned by it: HOME, Deno's cache, and
# XDG_RUNTIME_DIR (0700, as a login gives it).
state_of() { echo "$tree/build/test-rootless"; }
state=$(state_of)
as_user() {
  setpriv --reuid="$uid" --regid="$gid" --init-groups -- env -i \
    PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    HOME="$state/home" \
    DENO_DIR="$state/deno" \
    XDG_RUNTIME_DIR="$state/run" \
    TMPDIR=/tmp \
    DENO_NO_UPDATE_CHECK=1 \
    ${NO_COLOR:+NO_COLOR="$NO_COLOR"} \
    "$@"
}

# --- The user must reach the tree, build/runc and deno: every directory above
# them must be searchable by others. Where one is closed (a clone made in a
# `mktemp -d` directory, 0700), the run goes on in a copy of the tree under
# /tmp that the user can reach, removed at the end. Nothing outside is chmod'ed.
reachable() {
  local path
  for path in "$tree/deno.json" "$tree/build/runc" "$DENO"; do
    as_user test -r "$path" || return 1
  done
}
if ! reachable; then
  copy=$(mktemp -d /tmp/runc-test-rootless.XXXXXX)
  trap 'rm -rf "$copy"' EXIT
  chmod 0755 "$copy"
  say "the work tree is closed to $user (a directory on its path); running from a copy in $copy"
  tar -C "$tree" --exclude=./.git --exclude=./.tools --exclude=./build/vm \
    --exclude=./build/test-rootless -cf - . | tar -C "$copy" -xf -
  install -D -m 0755 "$DENO" "$copy/.tools/deno"
  # build/runc's #! line names its interpreter (in build/csrc) and the deno it
  # was built with: the copy's own.
  sed -i -E "1s|^#!.*/build/csrc/([^/]+)/runc-interp .*\$|#!$copy/build/csrc/\\1/runc-interp $copy/.tools/deno|" \
    "$copy/build/runc"
  DENO="$copy/.tools/deno"
  tree=$copy
  cd "$tree"
  if ! reachable; then
    say "user $user cannot reach the copy in $copy either:"
    namei -m "$tree/deno.json" | sed 's/^/  /'
    exit 1
  fi
fi
state=$(state_of)
mkdir -p "$state/home" "$state/deno" "$state/run"
# Root fills the user's Deno cache (the npm packages the tests import, e.g.
# protobufjs), through whatever access to the registry root has.
DENO_DIR="$state/deno" "$DENO" cache --quiet --no-lock $(find "$tests" -name '*_test.ts' | sort)
chown -R "$uid:$gid" "$state"
chmod 0700 "$state/run"

say "deno test $tests as $user (uid $uid, gid $gid; subuid $(grep "^$user:" /etc/subuid | cut -d: -f2-))"
# Types were checked by the root run; --no-check also spares the user tsc's
# npm type packages.
# shellcheck disable=SC2086
as_user "$DENO" test --allow-all --no-lock --no-check ${DENO_TEST_FLAGS:-} "$tests"
