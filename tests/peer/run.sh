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
#   PEER_DIR    where the runner writes MODE.tap (default build/peer), read
#               here the same way
#
# Each run's TAP file is removed first, so that an old one is never judged; a
# TAP without its plan line (1..N), or with fewer or more results than the plan
# says (a run cut short: the runner's timeout, a crash), fails the run too.
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
# As the runner names its output: PEER_DIR (relative to the tree, where it runs) or build/peer.
peer_dir=${PEER_DIR:-build/peer}
status=0
for mode in ${PEER_MODES:-root rootless}; do
	args=()
	[ "$mode" = rootless ] && args=(--rootless)
	tap=$peer_dir/$mode.tap
	rm -f "$tap"
	"$suite" "${args[@]}" build/runc "$@"
	rc=$?
	if [ ! -s "$tap" ] || [ "$(grep -c '^ok' "$tap")" -eq 0 ]; then
		echo "test-peer: $mode: the suite ran no test (the runner exited $rc)" >&2
		status=1
		continue
	fi
	plan=$(tr -d '\r' <"$tap" | sed -nE 's/^1\.\.([0-9]+)$/\1/p' | head -n 1)
	results=$(tr -d '\r' <"$tap" | grep -cE '^(ok|not ok) ')
	if [ -z "$plan" ]; then
		echo "test-peer: $mode: $tap has no plan line 1..N (the runner exited $rc)" >&2
		status=1
	elif [ "$results" -ne "$plan" ]; then
		echo "test-peer: $mode: $results results where the plan says $plan: the run was cut short (the runner exited $rc)" >&2
		status=1
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
