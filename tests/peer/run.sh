#!/usr/bin/env bash
# `make test-peer`: runc's own integration suite (tests/integration at runc's
# tag v1.1.0-rc.1) against build/runc, as root and then as the user rootless,
# through the company's runner (shared/peer/runc-suite.sh, which installs what
# the suite needs from Debian and prints one closing line per run). A run
# passes when every test that failed is one that fails on this host whatever
# the runtime (tests/peer/host-failures.tsv, each with why); any other
# failure, or a run that ran nothing, fails it.
#
#   tests/peer/run.sh [FILE.bats ...]
#   PEER_SUITE  the runner (default: ../shared/peer/runc-suite.sh beside the
#               work tree, or /work/shared/peer/runc-suite.sh)
#   PEER_MODES  "root rootless" (default), or one of them
set -uo pipefail
tree=$(cd "$(dirname "$0")/../.." && pwd)
cd "$tree" || exit 2
suite=${PEER_SUITE:-}
if [ -z "$suite" ]; then
	for s in "$tree/../shared/peer/runc-suite.sh" /work/shared/peer/runc-suite.sh; do
		if [ -x "$s" ]; then suite=$s; break; fi
	done
fi
[ -n "$suite" ] && [ -x "$suite" ] || { echo "test-peer: no runc-suite.sh (set PEER_SUITE)" >&2; exit 1; }
[ -x build/runc ] || { echo "test-peer: no build/runc (make build)" >&2; exit 1; }

known=tests/peer/host-failures.tsv
status=0
for mode in ${PEER_MODES:-root rootless}; do
	args=()
	[ "$mode" = rootless ] && args=(--rootless)
	"$suite" "${args[@]}" build/runc "$@"
	tap=build/peer/$mode.tap
	if [ ! -s "$tap" ] || [ "$(grep -c '^ok' "$tap")" -eq 0 ]; then
		echo "test-peer: $mode: the suite ran no test" >&2
		status=1
		continue
	fi
	while IFS= read -r line; do
		# "not ok 148 update cpu period ..." -> "update cpu period ..."
		name=$(sed -E 's/^not ok [0-9]+ //; s/ # .*$//' <<<"$line")
		if awk -F'\t' -v m="$mode" -v n="$name" '$1 == m && $2 == n { found = 1 } END { exit !found }' "$known"; then
			echo "test-peer: $mode: $line (a host failure: see $known)"
		else
			echo "test-peer: $mode: $line" >&2
			status=1
		fi
	done < <(tr -d '\r' <"$tap" | grep '^not ok')
done
exit $status
