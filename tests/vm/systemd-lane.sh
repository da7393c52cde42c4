#!/usr/bin/env bash
# `make test-vm-systemd`: the systemd guest (tests/vm/run.sh, VM_GUEST=systemd)
# booted twice: with AppArmor, running the systemd driver and LSM tests and
# runc's own cgroups.bats and update.bats with RUNC_USE_SYSTEMD=1; then with
# SELinux (permissive, Debian's reference policy), running the guest's own
# check and the LSM tests.
#
#   VM_SYSTEMD_BATS  runc's bats files for the first boot (default
#                    cgroups.bats,update.bats; empty for none)
#   PEER_SUITE       runc-suite.sh, which unpacks and builds runc's suite into
#                    build/peer when it is not there (default: beside the tree)
# Other VM_* settings go to run.sh. Both boots run; the lane fails if either does.
set -uo pipefail
tree=$(cd "$(dirname "$0")/../.." && pwd)
cd "$tree" || exit 2
say() { echo "test-vm-systemd: $*"; }

bats=${VM_SYSTEMD_BATS-cgroups.bats,update.bats}
if [ -n "$bats" ] && [ ! -x build/peer/runc-1.1.0-rc.1/contrib/cmd/recvtty/recvtty ]; then
	suite=${PEER_SUITE:-}
	if [ -z "$suite" ]; then
		for s in "$tree/../shared/peer/runc-suite.sh" /work/shared/peer/runc-suite.sh; do
			if [ -x "$s" ]; then suite=$s; break; fi
		done
	fi
	[ -n "$suite" ] || { say "no runc-suite.sh to build runc's suite with (set PEER_SUITE)" >&2; exit 1; }
	say "unpacking and building runc's suite (runc-suite.sh with version.bats)"
	"$suite" build/runc version.bats >/dev/null || { say "runc-suite.sh failed" >&2; exit 1; }
fi

# The first boot runs runc's bats files too: about 20 minutes under TCG.
export VM_TIMEOUT=${VM_TIMEOUT:-2700}
status=0
VM_GUEST=systemd VM_LSM=apparmor VM_BATS=$bats bash tests/vm/run.sh || status=1
# The second boot is for SELinux's labels: the driver's tests ran in the first.
sel_tests=(tests/vm/systemd_guest_test.ts)
[ -f tests/integration/lsm_test.ts ] && sel_tests+=(tests/integration/lsm_test.ts)
VM_GUEST=systemd VM_LSM=selinux VM_BATS= bash tests/vm/run.sh "${sel_tests[@]}" || status=1
exit $status
