#!/usr/bin/env bash
# The VM test lane: boots Debian's 6.1 kernel (linux-image-amd64) in
# qemu-system-x86_64 (TCG, -cpu max) with an initramfs holding busybox, the
# pinned Deno and this work tree, runs `deno test` on the given files inside
# (pure cgroup v2, as on a systemd host), and exits with their exit code.
#
#   tests/vm/run.sh [TEST_FILE...]      (or `make test-vm`)
#
# TEST_FILE paths are relative to the work tree. Without any, VM_TESTS (spaces
# or commas) is used, and without that tests/vm/smoke_test.ts plus
# tests/integration/cgroups_v2_test.ts and checkpoint_test.ts when they exist.
# Other settings:
#   VM_GUEST     busybox (default: busybox is PID 1 and sets cgroup2 up as a
#                systemd host would) or systemd: a Debian root made by
#                debootstrap boots Debian's systemd as PID 1 with D-Bus, and
#                tests/vm/guest-tests runs the tests from a unit once it is up
#   VM_LSM       for the systemd guest: apparmor (default) or selinux (with
#                Debian's reference policy, permissive), the LSM the kernel
#                enables; the guest refuses to run the tests without it
#   VM_BATS      for the systemd guest: runc's own bats files to run with
#                RUNC_USE_SYSTEMD=1 (comma-separated, e.g. cgroups.bats);
#                the suite must have been unpacked and built by
#                ../shared/peer/runc-suite.sh into build/peer first
#   VM_BATS_FILTER  a regex for bats -f (no spaces: use . for them)
#   VM_BATS_RUNTIME  reference: run those bats files against Debian's runc
#                1.1.5 (copied from the host) instead of build/runc
#   VM_DRIVER_COST  N: the systemd guest also prints what --systemd-cgroup
#                costs a create and a delete next to cgroupfs (tests/vm/driver_cost.ts, N rounds)
#   VM_CACHE     where the systemd guest's Debian root is kept between runs
#                (default /var/cache/runc-vm; made again when missing)
#   VM_TIMEOUT   seconds before the VM is killed (default 1200)
#   VM_FILTER    passed to deno test --filter (no double quotes)
#   VM_MEM       guest memory in MiB (default 2048; 4096 for the systemd guest)
#   VM_SMP       guest CPUs (default 2)
#   VM_V8_FLAGS  DENO_V8_FLAGS inside (default --jitless; empty for V8's JIT)
#   VM_APPEND    more kernel command line words (e.g. loglevel=7)
#   VM_QEMU_ARGS more qemu options
#   VM_KERNEL    kernel image (default the newest /boot/vmlinuz-6.1*-amd64)
#   VM_MODULES   kernel modules the VM may load (default fuse overlay veth tun
#                bridge, and for CRIU the socket diag modules, nf_tables,
#                nft_compat, xt_mark and nf_conntrack_netlink); /dev gets the
#                static nodes of modules.devname
#   VM_BINS      host programs to put in the VM with their libraries, ahead
#                of busybox on PATH (default: GNU env (busybox's has no -S),
#                criu, Debian's runc (the reference), ps and CRIU's
#                iptables-restore, ip6tables-restore and GNU tar (tmpfs
#                content); each is installed when missing, and a lane
#                without one fails rather than leave it out)
#   VM_NO_INSTALL=1  only say what is missing instead of apt-get installing it
#
# The initramfs is cached in build/vm/ and rebuilt only when an input changes.
# The console goes to the terminal and to build/vm/console.log.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
tree=$(cd "$here/../.." && pwd)
out=$tree/build/vm
t_start=$EPOCHREALTIME

say() { echo "test-vm: $*"; }
secs() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; else echo "?"; fi; }
fail() {
	say "$*" >&2
	exit 1
}

guest=${VM_GUEST:-busybox}
lsm=${VM_LSM:-apparmor}
case "$guest" in
busybox) ;;
systemd)
	case "$lsm" in apparmor | selinux) ;; *) fail "VM_LSM must be apparmor or selinux, not $lsm" ;; esac
	;;
*) fail "VM_GUEST must be busybox or systemd, not $guest" ;;
esac
[ "$(uname -m)" = x86_64 ] || fail "the VM lane needs an x86_64 host (it boots Debian's amd64 kernel)"
DENO=${DENO:-$tree/.tools/node_modules/@deno/linux-x64-glibc/deno}
[ -x "$DENO" ] || fail "no pinned Deno at $DENO (run make build first)"
[ -x "$tree/build/runc" ] || fail "no build/runc (run make build first)"
mkdir -p "$out"

# --- What the host needs: qemu, the kernel, a static busybox, cpio.
find_kernel() {
	if [ -n "${VM_KERNEL:-}" ]; then
		echo "$VM_KERNEL"
		return
	fi
	find /boot -maxdepth 1 -name 'vmlinuz-6.1.*-amd64' 2>/dev/null | sort -V | tail -n 1
}
# The default lane's programs and the Debian packages that hold them.
default_bins=(env:coreutils criu:criu runc:runc ps:procps iptables-restore:iptables
	ip6tables-restore:iptables tar:tar)
missing() {
	local m=() b
	command -v qemu-system-x86_64 >/dev/null || m+=(qemu-system-x86)
	if [ -z "${VM_BINS+set}" ] && [ "$guest" = busybox ]; then
		for b in "${default_bins[@]}"; do
			command -v "${b%%:*}" >/dev/null || m+=("${b#*:}")
		done
	fi
	[ -n "$(find_kernel)" ] || m+=(linux-image-amd64)
	if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then m+=(busybox-static); fi
	command -v cpio >/dev/null || m+=(cpio)
	command -v xz >/dev/null || m+=(xz-utils)
	if [ "$guest" = systemd ]; then command -v debootstrap >/dev/null || m+=(debootstrap); fi
	echo "${m[*]}"
}
need=$(missing)
if [ -n "$need" ]; then
	if [ -n "${VM_NO_INSTALL:-}" ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		fail "missing Debian packages: $need (apt-get install -y $need)"
	fi
	say "installing $need"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # a list of package names
	apt-get install -y -q --no-install-recommends $need >"$out/apt.log" 2>&1 || {
		apt-get update -q >>"$out/apt.log" 2>&1
		apt-get install -y -q --no-install-recommends $need >>"$out/apt.log" 2>&1
	} || fail "apt-get install $need failed (see build/vm/apt.log)"
	need=$(missing)
	[ -z "$need" ] || fail "still missing after apt-get install: $need"
fi
kernel=$(find_kernel)
[ -r "$kernel" ] || fail "cannot read the kernel $kernel"

# Debian's vmlinuz is xz-compressed, and decompressing it under TCG takes
# about 5 s of every boot. The kernel has CONFIG_PVH, so qemu can boot the
# uncompressed ELF vmlinux inside it directly: extract that once.
vmlinux=$out/vmlinux-$(basename "$kernel" | sed 's/^vmlinuz-//')
if [ ! -s "$vmlinux" ] || [ "$kernel" -nt "$vmlinux" ]; then
	rm -f "$vmlinux"
	for off in $(LC_ALL=C grep -obUa $'\xfd7zXZ' "$kernel" | cut -d: -f1); do
		# xz stops with an error at the data after the stream: that is expected.
		tail -c +$((off + 1)) "$kernel" | xz -dc >"$vmlinux.tmp" 2>/dev/null || true
		if [ "$(head -c 4 "$vmlinux.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			mv "$vmlinux.tmp" "$vmlinux"
			break
		fi
	done
	rm -f "$vmlinux.tmp"
fi
boot_kernel=$kernel
if [ -s "$vmlinux" ]; then
	boot_kernel=$vmlinux
else
	say "could not extract vmlinux from $kernel: booting it compressed (about 5 s slower)"
fi

# --- The tests to run.
if [ $# -gt 0 ]; then
	tests=("$@")
elif [ -n "${VM_TESTS:-}" ]; then
	read -r -a tests <<<"${VM_TESTS//,/ }"
elif [ "$guest" = systemd ]; then
	tests=(tests/vm/systemd_guest_test.ts)
	for t in tests/integration/systemd_test.ts tests/integration/lsm_test.ts; do
		if [ -f "$tree/$t" ]; then tests+=("$t"); fi
	done
else
	tests=(tests/vm/smoke_test.ts)
	if [ -f "$tree/tests/integration/cgroups_v2_test.ts" ]; then
		tests+=(tests/integration/cgroups_v2_test.ts)
	else
		say "tests/integration/cgroups_v2_test.ts is not there yet: running the smoke test only"
	fi
	# Checkpoint and restore: Debian's CRIU cannot dump on the host's kernel.
	if [ -f "$tree/tests/integration/checkpoint_test.ts" ]; then
		tests+=(tests/integration/checkpoint_test.ts)
	fi
fi
for i in "${!tests[@]}"; do
	t=${tests[$i]#"$tree"/}
	t=${t#./}
	case "$t" in /*) fail "test file $t is not in the work tree $tree" ;; esac
	[ -e "$tree/$t" ] || fail "no test file $t in $tree"
	case "$t" in *[\ \",]*) fail "test path with a space, comma or quote: $t" ;; esac
	tests[$i]=$t
done

# --- The initramfs. Its content: busybox as /bin/*, /init, the pinned Deno
# and the programs of VM_BINS with the shared libraries they load (at their
# host paths), and the work tree at its host path, so that build/runc's
# #! line finds its interpreter and Deno where it says. Uncompressed: the kernel unpacks it with a
# memcpy, where decompressing under TCG costs seconds.
tree_parts=()
for p in build/runc $(cd "$tree" && echo build/runc-*.js) build/csrc cli core ffi tests mod.ts deno.json; do
	[ -e "$tree/$p" ] && tree_parts+=("$p")
done
bins=(/bin/busybox "$DENO")
extra=()
if [ "$guest" = systemd ]; then
	# Debian's root has its own programs and libraries (the same release as
	# the host's, so Deno finds the glibc it was linked against); the static
	# busybox is what the integration tests make their bundles of.
	bins=(/bin/busybox "$DENO")
	if [ "${VM_BATS_RUNTIME:-}" = reference ]; then
		[ -x /usr/sbin/runc ] || fail "VM_BATS_RUNTIME=reference: no /usr/sbin/runc on this host (apt-get install runc)"
		bins+=(/usr/sbin/runc)
	fi
elif [ -n "${VM_BINS+set}" ]; then
	for b in $VM_BINS; do
		p=$(command -v "$b") || fail "VM_BINS: no program $b on this host"
		extra+=("$p")
	done
else
	for b in "${default_bins[@]}"; do
		p=$(command -v "${b%%:*}") || fail "no ${b%%:*} on this host (apt-get install ${b#*:})"
		extra+=("$p")
	done
fi
bins+=("${extra[@]}")
# Libraries loaded with dlopen by name, not listed by ldd.
dlopen_libs=(libseccomp.so.2)
[ "$guest" = busybox ] || dlopen_libs=()
# Kernel modules (with what they depend on) that the kernel may load on
# demand through /sbin/modprobe, as on a Debian host: the rest of the VM's
# kernel features are built in (cgroup2, namespaces, seccomp, bpf, tmpfs).
moddir=/lib/modules/${kernel##*/vmlinuz-}
# CRIU needs the socket diag modules to dump sockets, nf_tables (with
# xt_mark through nft_compat) to lock a container's network, and
# nf_conntrack_netlink to dump the conntrack entries of a network namespace
# of its own, which it does even when told to leave the namespace empty
# (without the module, nfnetlink answers EINVAL after "Dumping netns links").
read -r -a modules <<<"${VM_MODULES-fuse overlay veth tun bridge unix_diag inet_diag tcp_diag udp_diag netlink_diag af_packet_diag crc32c_generic nf_tables nft_compat xt_mark nf_conntrack_netlink}"

libs_of() { { ldd "$1" 2>/dev/null || true; } | awk '/=> \// { print $3 } /^\t\// { print $1 }'; }
lib_path() { ldconfig -p 2>/dev/null | awk -v n="$1" '$1 == n && /x86-64/ { print $NF; exit }'; }

inputs() {
	local b l
	for b in "${bins[@]}"; do
		echo "$b"
		if [ "$guest" = busybox ]; then libs_of "$b"; fi
	done
	for l in "${dlopen_libs[@]}"; do
		l=$(lib_path "$l") && [ -n "$l" ] && echo "$l" && libs_of "$l"
	done
	# iptables-restore's extensions for CRIU's network lock (-m mark, -j ACCEPT).
	if [ "$guest" = busybox ]; then
		for l in /usr/lib/x86_64-linux-gnu/xtables/libxt_{mark,standard}.so; do
			if [ -f "$l" ]; then echo "$l"; fi
		done
	fi
	if [ -f "$moddir/modules.dep" ]; then
		for l in modules.dep modules.alias modules.devname modules.builtin modules.softdep; do
			[ -f "$moddir/$l" ] && echo "$moddir/$l"
		done
		for l in "${modules[@]}"; do
			{ grep -E "(^|/)$l\.ko(\.[a-z]+)?:" "$moddir/modules.dep" || say "no kernel module $l" >&2; } |
				tr -d : | tr ' ' '\n' |
				sed "/^$/d; s|^|$moddir/|"
		done
	fi
}
mapfile -t host_files < <(inputs | sort -u)

# --- The systemd guest's Debian root: debootstrap's minimal base with systemd,
# D-Bus, AppArmor's parser, SELinux's reference policy and what runc's bats
# files need, made once and kept in VM_CACHE (a tar named by its inputs).
sd_suite=bookworm
sd_packages=systemd,systemd-sysv,dbus,dbus-user-session,apparmor,selinux-policy-default,selinux-utils,policycoreutils,procps,iproute2,kmod,jq,bats,libseccomp2,attr,gawk,xz-utils,uidmap
sd_root_tar=
if [ "$guest" = systemd ]; then
	cache=${VM_CACHE:-/var/cache/runc-vm}
	sd_key=$(echo "$sd_suite $sd_packages v2" | sha256sum | cut -c1-16)
	sd_root_tar=$cache/systemd-root-$sd_key.tar
	if [ ! -s "$sd_root_tar" ]; then
		[ "$(id -u)" = 0 ] || fail "making the systemd guest's root needs root (debootstrap)"
		mkdir -p "$cache"
		t0=$EPOCHREALTIME
		d=$(mktemp -d "$cache/root.XXXXXX")
		say "making the systemd guest's Debian root (debootstrap $sd_suite, a few minutes; log in $d.log)"
		debootstrap --variant=minbase --include="$sd_packages" "$sd_suite" "$d/root" >"$d.log" 2>&1 ||
			fail "debootstrap failed (see $d.log)"
		r=$d/root
		rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/lib/apt/lists/*
		echo runc-vm >"$r/etc/hostname"
		printf '127.0.0.1 localhost runc-vm\n::1 localhost\n' >"$r/etc/hosts"
		: >"$r/etc/machine-id"
		printf 'SELINUX=permissive\nSELINUXTYPE=default\n' >"$r/etc/selinux/config"
		# No logins on the consoles: the serial line carries the tests' output.
		for u in serial-getty@ttyS0.service getty@tty1.service getty.target; do
			ln -sf /dev/null "$r/etc/systemd/system/$u"
		done
		# An ordinary user whose own systemd instance (lingering, so it runs
		# without a login) has a D-Bus session bus and the whole cgroup
		# subtree delegated, for the rootless systemd driver's tests.
		echo 'rootless:x:1000:1000::/home/rootless:/bin/bash' >>"$r/etc/passwd"
		echo 'rootless:!:19000::::::' >>"$r/etc/shadow"
		echo 'rootless:x:1000:' >>"$r/etc/group"
		echo 'rootless:100000:65536' >>"$r/etc/subuid"
		echo 'rootless:100000:65536' >>"$r/etc/subgid"
		mkdir -p "$r/home/rootless" "$r/var/lib/systemd/linger" "$r/etc/systemd/system/user@.service.d"
		chown 1000:1000 "$r/home/rootless"
		: >"$r/var/lib/systemd/linger/rootless"
		printf '[Service]\nDelegate=yes\n' >"$r/etc/systemd/system/user@.service.d/delegate.conf"
		tar -C "$r" -cf "$sd_root_tar.tmp" . && mv "$sd_root_tar.tmp" "$sd_root_tar"
		rm -rf "$d" "$d.log"
		say "Debian root made in $(secs "$t0" "$EPOCHREALTIME") s ($(du -m "$sd_root_tar" | cut -f1) MiB)"
	fi
	bats_files=()
	if [ -n "${VM_BATS:-}" ]; then
		read -r -a bats_files <<<"${VM_BATS//,/ }"
		peer=$tree/build/peer/runc-1.1.0-rc.1
		for f in "${bats_files[@]}"; do
			[ -f "$peer/tests/integration/$f" ] ||
				fail "no $f in $peer (run ../shared/peer/runc-suite.sh build/runc first to unpack and build runc's suite)"
		done
		[ -x "$peer/contrib/cmd/recvtty/recvtty" ] || fail "runc's suite in $peer is not built (run ../shared/peer/runc-suite.sh build/runc)"
		tree_parts+=(build/peer/runc-1.1.0-rc.1)
	fi
fi

key=$(
	{
		echo "kernel=$kernel tree=$tree deno=$DENO guest=$guest root=$sd_root_tar"
		sha256sum "$here"/run.sh "$here"/init* "$here"/guest-tests "$here"/*.service "${host_files[@]}"
		cd "$tree" && find "${tree_parts[@]}" -type f -print0 |
			sort -z | xargs -0 sha256sum
	} | sha256sum | cut -d' ' -f1
)
img=$out/initramfs.cpio
[ "$guest" = busybox ] || img=$out/initramfs-$guest.cpio
if [ -f "$img" ] && [ "$(cat "$img.key" 2>/dev/null)" = "$key" ]; then
	say "initramfs up to date ($(du -m "$img" | cut -f1) MiB)"
else
	t0=$EPOCHREALTIME
	stage=$out/root-$guest
	rm -rf "$stage" "$img" "$img.key"
	mkdir -p "$stage"
	if [ "$guest" = systemd ]; then
		tar -C "$stage" -xf "$sd_root_tar"
	fi
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,run,dev,proc,sys,newroot}
	for f in "${host_files[@]}"; do
		mkdir -p "$stage$(dirname "$f")"
		cp -L "$f" "$stage$f"
	done
	if [ "$guest" = systemd ]; then
		install -m 0755 "$here/init-systemd" "$stage/init"
		install -m 0755 "$here/guest-tests" "$stage/usr/local/sbin/runc-vm-tests"
		install -m 0644 "$here/runc-vm-tests.service" "$stage/etc/systemd/system/runc-vm-tests.service"
		mkdir -p "$stage/etc/systemd/system/multi-user.target.wants"
		ln -sf ../runc-vm-tests.service "$stage/etc/systemd/system/multi-user.target.wants/runc-vm-tests.service"
		printf 'RUNC_VM_TREE=%q\nRUNC_VM_DENO=%q\nRUNC_VM_PEER=%q\n' "$tree" "$DENO" \
			"$tree/build/peer/runc-1.1.0-rc.1" >"$stage/etc/runc-vm.conf"
		# The work tree (and the Deno in it) may be under /tmp, which Debian's
		# tmpfiles.d/tmp.conf ("D /tmp") empties at boot: this one keeps it.
		mkdir -p "$stage/etc/tmpfiles.d"
		printf 'd /tmp 1777 root root -\n' >"$stage/etc/tmpfiles.d/tmp.conf"
	else
	# The dynamic loader finds libraries by their ldd path only through
	# ld.so.cache; give it the multiarch directories instead.
	printf '/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n' >"$stage/etc/ld.so.conf"
	ldconfig -r "$stage" 2>/dev/null || true
	# Each extra program also under /usr/bin and /usr/sbin, as Debian's
	# packages link some of them (the tests look for /usr/bin/runc).
	for p in "${extra[@]}"; do
		for d in usr/bin usr/sbin; do
			[ -e "$stage/$d/${p##*/}" ] || ln -s "$p" "$stage/$d/${p##*/}"
		done
	done
	install -m 0755 "$here/init" "$stage/init"
	printf 'RUNC_VM_TREE=%q\nRUNC_VM_DENO=%q\n' "$tree" "$DENO" >"$stage/etc/runc-vm.conf"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$stage/etc/passwd"
	printf 'root:x:0:\n' >"$stage/etc/group"
	printf '127.0.0.1 localhost runc-vm\n::1 localhost\n' >"$stage/etc/hosts"
	fi
	mkdir -p "$stage$tree"
	(cd "$tree" && find "${tree_parts[@]}" -print0 |
		cpio -0 -pdm --quiet "$stage$tree")
	# Deno's cache, made here: the npm packages the tests import (the VM has
	# no network) and the module analysis. A test file that does not parse
	# yet is left to fail in the VM, with deno's message.
	mapfile -t all_tests < <(cd "$tree" && find tests -name '*_test.ts' | sort)
	(cd "$tree" && DENO_DIR=$stage/root/.cache/deno "$DENO" cache --no-lock --quiet "${all_tests[@]}") ||
		say "deno cache of the tests failed: going on without it"
	(cd "$stage" && find . -print0 | cpio -0 -o -H newc --quiet -R 0:0 >"$img.tmp")
	mv "$img.tmp" "$img"
	echo "$key" >"$img.key"
	rm -rf "$stage"
	say "initramfs built in $(secs "$t0" "$EPOCHREALTIME") s ($(du -m "$img" | cut -f1) MiB)"
fi

# The VM runs deno test with --no-check: tsc under TCG costs about 25 s a run.
# The types are checked here instead, on the same files.
(cd "$tree" && "$DENO" check --no-lock --quiet "${tests[@]}") || fail "deno check of ${tests[*]} failed"

# --- Boot. The console is streamed line by line with the times of the
# landmarks the init prints; the end marker carries the tests' exit code.
timeout=${VM_TIMEOUT:-1200}
tests_arg=$(
	IFS=,
	echo "${tests[*]}"
)
append="console=ttyS0 quiet panic=-1 mitigations=off RUNC_VM_TESTS=$tests_arg"
[ -n "${VM_FILTER:-}" ] && append+=" RUNC_VM_FILTER=\"$VM_FILTER\""
# Jitless V8 starts each Deno (so each runc call) about a fifth faster under
# TCG, where every page of fresh JIT code must be translated again.
v8_flags=${VM_V8_FLAGS---jitless}
[ -n "$v8_flags" ] && append+=" DENO_V8_FLAGS=$v8_flags"
if [ "$guest" = systemd ]; then
	# systemd 252 mounts cgroup2 alone by default; say it anyway. Debian's
	# kernel turns AppArmor on by default, SELinux only when asked.
	append+=" systemd.unified_cgroup_hierarchy=1 RUNC_VM_LSM=$lsm"
	case "$lsm" in
	apparmor) append+=" apparmor=1 security=apparmor" ;;
	selinux) append+=" selinux=1 security=selinux enforcing=0" ;;
	esac
	[ -n "${VM_BATS_RUNTIME:-}" ] && append+=" RUNC_VM_BATS_RUNTIME=$VM_BATS_RUNTIME"
	case "${VM_BATS_FILTER:-}" in *[\ \"]*) fail "VM_BATS_FILTER may hold no space or quote" ;; esac
	[ -n "${VM_BATS_FILTER:-}" ] && append+=" RUNC_VM_BATS_FILTER=$VM_BATS_FILTER"
	[ -n "${VM_DRIVER_COST:-}" ] && append+=" RUNC_VM_DRIVER_COST=$VM_DRIVER_COST"
	if [ ${#bats_files[@]} -gt 0 ]; then
		append+=" RUNC_VM_BATS=$(
			IFS=,
			echo "${bats_files[*]}"
		)"
	fi
fi
[ -n "${VM_APPEND:-}" ] && append+=" $VM_APPEND"
[ ${#append} -lt 2000 ] || fail "the kernel command line is too long (${#append} bytes): name fewer test files"
log=$out/console.log
say "booting $(basename "$boot_kernel") ($guest guest${sd_root_tar:+, $lsm}) with ${tests[*]} (timeout ${timeout} s, console in build/vm/console.log)"
t_boot=$EPOCHREALTIME
set +e
timeout -k 5 "$timeout" qemu-system-x86_64 \
	-accel tcg -cpu max -smp "${VM_SMP:-2}" -m "${VM_MEM:-$([ "$guest" = systemd ] && echo 4096 || echo 2048)}" \
	-nographic -no-reboot -nic none \
	-kernel "$boot_kernel" -initrd "$img" -append "$append" ${VM_QEMU_ARGS:-} </dev/null 2>&1 |
	{
		: >"$log"
		t_init='' t_tests='' result=''
		while IFS= read -r line; do
			line=${line%$'\r'}
			printf '%s\n' "$line"
			printf '%s\n' "$line" >>"$log"
			case "$line" in
			*"runc-vm: init started"*) t_init=$EPOCHREALTIME ;;
			*"runc-vm: deno "*) t_tests=$EPOCHREALTIME ;;
			*"RUNC-VM-RESULT "*) result=RUNC-VM-RESULT${line#*RUNC-VM-RESULT} ;;
			esac
		done
		printf '%s\n%s\n%s\n' "$t_init" "$t_tests" "$result" >"$out/landmarks"
	}
qemu_status=${PIPESTATUS[0]}
set -e
t_end=$EPOCHREALTIME

{
	read -r t_init
	read -r t_tests
	read -r result
} <"$out/landmarks"
say "times: boot to /init $(secs "$t_boot" "$t_init") s, VM setup $(secs "$t_init" "$t_tests") s," \
	"tests $(secs "$t_tests" "$t_end") s, total $(secs "$t_start" "$t_end") s"

if [[ "$result" =~ ^RUNC-VM-RESULT\ exit=([0-9]+)(\ reason=(.*))?$ ]]; then
	rc=${BASH_REMATCH[1]}
	if [ -n "${BASH_REMATCH[3]}" ]; then
		fail "VM setup failed: ${BASH_REMATCH[3]}"
	fi
	[ "$rc" = 0 ] && say "tests passed" || say "tests failed (deno test exited $rc)"
	exit "$rc"
fi
if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
	fail "timed out after ${timeout} s without the end marker (see build/vm/console.log)"
elif grep -aq 'Kernel panic' "$log"; then
	fail "kernel panic: $(grep -a -m1 -o 'Kernel panic.*' "$log")"
fi
fail "the VM stopped without the end marker (qemu exited $qemu_status; see build/vm/console.log)"
