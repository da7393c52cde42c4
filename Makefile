# Build, lint and test the runtime. `make build` gives build/runc; `make test` runs
# every test this host can run. Nothing here relies on a Deno already on PATH: the
# pinned one is installed from the npm registry into .tools/.

DENO_VERSION := 2.9.6
HOST_ARCH := $(shell uname -m)
DENO_PLATFORM_x86_64 := linux-x64-glibc
DENO_PLATFORM_aarch64 := linux-arm64-glibc
DENO := $(CURDIR)/.tools/node_modules/@deno/$(DENO_PLATFORM_$(HOST_ARCH))/deno
export DENO_NO_UPDATE_CHECK := 1

CC ?= cc
CROSS_CC_aarch64 := aarch64-linux-gnu-gcc
# Hardened: stack protector, fortified libc calls where the libc has them,
# read-only relocations bound at start (full RELRO).
CFLAGS_COMMON := -std=gnu11 -Os -Wall -Wextra -Werror -D_GNU_SOURCE -fno-strict-aliasing \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wl,-z,relro,-z,now
STUB_SRC := $(addprefix csrc/,init_stub.c program.c dispatch.c report.c errtext.c fds.c ns.c \
	sync.c root.c mount.c proc.c identity.c process.c seccomp.c console.c hooks.c fdpass.c)
STUB_HDR := $(wildcard csrc/*.h)
HELPER_SRC := csrc/ffi_helper.c csrc/ffi_cgroup.c csrc/fdpass.c

# Architectures whose helpers we can build here: the host's, plus aarch64 when
# Debian's cross compiler is installed.
ARCHES := $(HOST_ARCH)
ifneq ($(HOST_ARCH),aarch64)
ifneq ($(shell command -v $(CROSS_CC_aarch64) 2>/dev/null),)
ARCHES += aarch64
endif
endif

SOURCES := $(shell find mod.ts cli core ffi -name '*.ts' ! -name '*_test.ts' ! -name '_blobs.gen.ts' 2>/dev/null)

.PHONY: all build tools csrc lint fmt test test-unit test-integration test-rootless release clean deps demo

all: build

tools: $(DENO)

$(DENO):
	mkdir -p .tools
	cd .tools && npm install --no-save --no-audit --no-fund --ignore-scripts --prefix . deno@$(DENO_VERSION) >/dev/null
	test -x $@

# --- C: the init stub (static, executed from a sealed memfd) and the FFI helper
# library (dlopened from a sealed memfd) for each architecture.
cc_for = $(if $(filter $(HOST_ARCH),$(1)),$(CC),$(CROSS_CC_$(1)))

# The stub is linked statically against musl where musl-gcc is installed (75 KB
# instead of glibc's 720 KB: less for every CLI call to parse, less resident in
# a waiting init); the kernel's uapi headers come from the system include dirs.
# Looked up when a recipe runs, not when make starts: `make deps build` on a
# fresh machine finds the musl-gcc that deps has just installed.
MUSL_CC = $(shell command -v musl-gcc 2>/dev/null)
stub_cc_for = $(if $(and $(MUSL_CC),$(filter $(HOST_ARCH),$(1))),$(MUSL_CC) -idirafter /usr/include -idirafter /usr/include/$(HOST_ARCH)-linux-gnu,$(call cc_for,$(1)))

build/csrc/%/runc-init: $(STUB_SRC) $(STUB_HDR)
	mkdir -p $(dir $@)
	$(call stub_cc_for,$*) $(CFLAGS_COMMON) -static -s -o $@ $(STUB_SRC)

build/csrc/%/libruncffi.so: $(HELPER_SRC) csrc/ffi_helper.h csrc/ffi_cgroup.h csrc/fdpass.h
	mkdir -p $(dir $@)
	$(call cc_for,$*) $(CFLAGS_COMMON) -shared -fPIC -s -o $@ $(HELPER_SRC)

build/csrc/%/testprog: csrc/testprog.c
	mkdir -p $(dir $@)
	$(call cc_for,$*) $(CFLAGS_COMMON) -static -s -o $@ csrc/testprog.c

csrc: $(foreach a,$(ARCHES),build/csrc/$(a)/runc-init build/csrc/$(a)/libruncffi.so build/csrc/$(a)/launcher) build/csrc/$(HOST_ARCH)/testprog

ffi/_blobs.gen.ts: build/csrc/$(HOST_ARCH)/runc-init build/csrc/$(HOST_ARCH)/libruncffi.so ffi/embed_gen.ts $(DENO)
	$(DENO) run --allow-read --allow-write ffi/embed_gen.ts $(HOST_ARCH) $@

# --- The executable: one bundled JavaScript file with the helpers embedded,
# behind a #! line that runs it with the pinned Deno.
build: build/runc csrc

# Minified: the runtime parses a third less at every call (about 1 ms). For
# readable stack traces while debugging: make build BUNDLE_FLAGS=
BUNDLE_FLAGS ?= --minify

# The commands with a bundle of their own, build/runc-CMD.js (that command
# alone), which build/runc's interpreter and the installed launcher start
# instead of the whole bundle (csrc/launcher.c): with V8's eager compilation
# (the code cache then holds every function the command calls and little
# else), or lazily where that measured faster (start: its hooks bring in the
# init program's code and the C helpers, too much to compile for nothing).
OWN_EAGER_COMMANDS := create run exec state list kill delete
OWN_LAZY_COMMANDS := start
OWN_BUNDLE_COMMANDS := $(OWN_EAGER_COMMANDS) $(OWN_LAZY_COMMANDS)
OWN_BUNDLE_CFLAGS := -DOWN_EAGER_COMMANDS='"$(OWN_EAGER_COMMANDS)"' -DOWN_LAZY_COMMANDS='"$(OWN_LAZY_COMMANDS)"'
INTERP := build/csrc/$(HOST_ARCH)/runc-interp
build/runc: $(SOURCES) ffi/_blobs.gen.ts $(DENO) $(INTERP) $(foreach c,$(OWN_BUNDLE_COMMANDS),build/runc-$(c).js)
	mkdir -p build
	$(DENO) bundle --quiet --platform=browser $(BUNDLE_FLAGS) -o build/runc.bundle.js cli/main.ts
	sed -i 's/"@@RUNC_COMMIT@@"/"$(shell git rev-parse --short HEAD 2>/dev/null)"/' build/runc.bundle.js
	# The kernel runs the #! line's static interpreter with the Deno it names
	# (JavaScript takes the #! line as a comment).
	printf '#!%s %s\n' "$(CURDIR)/$(INTERP)" "$(DENO)" > $@.tmp
	cat build/runc.bundle.js >> $@.tmp
	chmod 0755 $@.tmp
	mv $@.tmp $@

build/entry/%.ts:
	mkdir -p build/entry
	printf 'import { command } from "../../cli/%s.ts";\nimport { runEntry } from "../../cli/dispatch.ts";\n\nawait runEntry([command]);\n' $* > $@
build/runc-%.js: build/entry/%.ts $(SOURCES) ffi/_blobs.gen.ts $(DENO)
	$(DENO) bundle --quiet --platform=browser $(BUNDLE_FLAGS) -o $@.tmp build/entry/$*.ts
	sed -i 's/"@@RUNC_COMMIT@@"/"$(shell git rev-parse --short HEAD 2>/dev/null)"/' $@.tmp
	mv $@.tmp $@

# --- deno compile for each release architecture, with that architecture's
# helpers embedded. Needs Deno's runtime for the target from the network.
RELEASE_TARGET_x86_64 := x86_64-unknown-linux-gnu
RELEASE_TARGET_aarch64 := aarch64-unknown-linux-gnu
release: $(DENO) csrc
	mkdir -p build/release
	@set -e; for a in x86_64 aarch64; do \
	  test -f build/csrc/$$a/runc-init || { echo "make release: no $$a helpers (install gcc-aarch64-linux-gnu)"; exit 1; }; \
	  $(DENO) run --allow-read --allow-write ffi/embed_gen.ts $$a ffi/_blobs.gen.ts; \
	  t=$$(case $$a in x86_64) echo $(RELEASE_TARGET_x86_64);; aarch64) echo $(RELEASE_TARGET_aarch64);; esac); \
	  if ! $(DENO) compile --quiet -A --no-check --target $$t -o build/release/runc-$$a cli/main.ts >build/release/compile-$$a.log 2>&1; then \
	    $(DENO) run --allow-read --allow-write ffi/embed_gen.ts $(HOST_ARCH) ffi/_blobs.gen.ts; \
	    echo "make release: deno compile could not get Deno's runtime for $$t (it needs network access; see build/release/compile-$$a.log)"; \
	    exit 1; \
	  fi; \
	done; \
	$(DENO) run --allow-read --allow-write ffi/embed_gen.ts $(HOST_ARCH) ffi/_blobs.gen.ts; \
	cd build/release && sha256sum runc-x86_64 runc-aarch64 > SHA256SUMS && cat SHA256SUMS

# --- The manual and the completions, made from the CLI's own descriptors
# (cli/docs.ts), dated by the last commit so that a rebuild is the same.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH
DOCS_DATE = $(shell date -u -d @$(SOURCE_DATE_EPOCH) +%Y-%m-%d)
.PHONY: docs dist install uninstall dist-deps test-dist
docs: build/docs/.stamp
build/docs/.stamp: $(SOURCES) $(DENO)
	rm -rf build/docs
	$(DENO) run --allow-write --no-lock cli/docs_gen.ts build/docs $(DOCS_DATE)
	touch $@

# --- make dist: one self-contained tree and tarball per architecture, offline,
# from Debian's and npm's packages only:
#   runc-VERSION-linux-ARCH/sbin/runc          the launcher (csrc/launcher.c, static)
#   runc-VERSION-linux-ARCH/lib/runc/deno      that architecture's pinned Deno
#   runc-VERSION-linux-ARCH/lib/runc/runc.js   the bundle, that architecture's helpers in it
#   runc-VERSION-linux-ARCH/lib/runc/runc-CMD.js  one command alone (OWN_EAGER_COMMANDS, OWN_LAZY_COMMANDS)
#   runc-VERSION-linux-ARCH/share/...          man pages and completions
# Byte for byte the same from the same inputs (sorted, dated by the commit,
# owned by 0, gzip without a name or time); SHA256SUMS beside them.
VERSION := $(shell sed -n 's/^export const VERSION = "\(.*\)";/\1/p' cli/version.ts)
DIST_ARCHES ?= x86_64 aarch64
DENO_PKG_x86_64 := linux-x64-glibc
DENO_PKG_aarch64 := linux-arm64-glibc
dist_name = runc-$(VERSION)-linux-$(1)
# That architecture's Deno: the host's is the build's own; another comes from
# its npm package (npm refuses a foreign cpu unless forced; nothing of it runs here).
deno_for = $(if $(filter $(HOST_ARCH),$(1)),$(DENO),$(CURDIR)/.tools/dist-$(1)/node_modules/@deno/$(DENO_PKG_$(1))/deno)
define dist_deno
$(CURDIR)/.tools/dist-$(1)/node_modules/@deno/$(DENO_PKG_$(1))/deno:
	mkdir -p .tools/dist-$(1)
	cd .tools/dist-$(1) && npm install --no-save --no-audit --no-fund --ignore-scripts --force \
	  --prefix . @deno/$(DENO_PKG_$(1))@$(DENO_VERSION) >/dev/null
	test -x $$@
endef
$(foreach a,$(filter-out $(HOST_ARCH),$(DIST_ARCHES)),$(eval $(call dist_deno,$(a))))
build/csrc/%/launcher: csrc/launcher.c Makefile
	mkdir -p $(dir $@)
	$(call stub_cc_for,$*) $(CFLAGS_COMMON) $(OWN_BUNDLE_CFLAGS) -static -s -o $@ csrc/launcher.c
build/csrc/%/runc-interp: csrc/launcher.c Makefile
	mkdir -p $(dir $@)
	$(call stub_cc_for,$*) $(CFLAGS_COMMON) $(OWN_BUNDLE_CFLAGS) -DINTERPRETER -static -s -o $@ csrc/launcher.c

dist: $(DENO) csrc build/docs/.stamp $(foreach c,$(OWN_BUNDLE_COMMANDS),build/entry/$(c).ts) $(foreach a,$(DIST_ARCHES),build/csrc/$(a)/launcher $(call deno_for,$(a)))
	@for a in $(DIST_ARCHES); do test -f build/csrc/$$a/runc-init || { \
	  echo "make dist: no $$a helpers (apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"; exit 1; }; done
	rm -rf build/dist && mkdir -p build/dist
	@set -e; trap '$(DENO) run --allow-read --allow-write ffi/embed_gen.ts $(HOST_ARCH) ffi/_blobs.gen.ts' EXIT; \
	for a in $(DIST_ARCHES); do \
	  d=build/dist/$(call dist_name,$$a); \
	  case $$a in x86_64) deno=$(call deno_for,x86_64);; aarch64) deno=$(call deno_for,aarch64);; esac; \
	  mkdir -p $$d/sbin $$d/lib/runc $$d/share; \
	  $(DENO) run --allow-read --allow-write ffi/embed_gen.ts $$a ffi/_blobs.gen.ts; \
	  $(DENO) bundle --quiet --platform=browser $(BUNDLE_FLAGS) -o $$d/lib/runc/runc.js cli/main.ts; \
	  for c in $(OWN_BUNDLE_COMMANDS); do \
	    $(DENO) bundle --quiet --platform=browser $(BUNDLE_FLAGS) -o $$d/lib/runc/runc-$$c.js build/entry/$$c.ts; done; \
	  sed -i 's/"@@RUNC_COMMIT@@"/"$(shell git rev-parse --short HEAD 2>/dev/null)"/' $$d/lib/runc/runc*.js; \
	  install -m 0755 build/csrc/$$a/launcher $$d/sbin/runc; \
	  install -m 0755 $$deno $$d/lib/runc/deno; \
	  chmod 0644 $$d/lib/runc/runc*.js; \
	  cp -R build/docs/man build/docs/bash-completion build/docs/zsh $$d/share/; \
	  find $$d -exec touch -h -d @$(SOURCE_DATE_EPOCH) {} +; \
	  tar -C build/dist --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(SOURCE_DATE_EPOCH) \
	    --format=gnu -cf - $(call dist_name,$$a) | gzip -n -6 > $$d.tar.gz; \
	done
	cd build/dist && sha256sum *.tar.gz > SHA256SUMS && cat SHA256SUMS

# --- make install: the host's dist tree into PREFIX (DESTDIR for staging);
# `runc` on PATH then runs with nothing of the work tree.
PREFIX ?= /usr/local
INSTALL_ROOT = $(DESTDIR)$(PREFIX)
install:
	$(MAKE) --no-print-directory dist DIST_ARCHES=$(HOST_ARCH)
	mkdir -p $(INSTALL_ROOT)
	cp -R build/dist/$(call dist_name,$(HOST_ARCH))/. $(INSTALL_ROOT)/
	@echo "installed $(INSTALL_ROOT)/sbin/runc"

# What make dist and its test need from Debian: the aarch64 cross compiler,
# qemu-user with aarch64's libc and libseccomp (multiarch) to run that
# artifact, and the tools the test reads the manual and completions with.
DIST_PACKAGES := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static file mandoc man-db zsh
dist-deps:
	@missing=; for p in $(DIST_PACKAGES) libc6:arm64 libseccomp2:arm64; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "dist-deps: installing$$missing"; \
	  dpkg --add-architecture arm64 && apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
	fi

# dist twice (the same bytes), each artifact unpacked and run (aarch64 under
# qemu-user), install into a temporary prefix with the build gone, uninstall.
test-dist: dist-deps
	$(MAKE) --no-print-directory dist
	$(DENO) test --allow-all --no-lock tests/dist

uninstall:
	rm -f $(INSTALL_ROOT)/sbin/runc $(INSTALL_ROOT)/lib/runc/deno $(INSTALL_ROOT)/lib/runc/runc.js
	rm -f $(foreach c,$(OWN_BUNDLE_COMMANDS),$(INSTALL_ROOT)/lib/runc/runc-$(c).js)
	rmdir $(INSTALL_ROOT)/lib/runc 2>/dev/null || true
	rm -f $(INSTALL_ROOT)/share/man/man8/runc.8 $(INSTALL_ROOT)/share/man/man8/runc-*.8
	rm -f $(INSTALL_ROOT)/share/bash-completion/completions/runc $(INSTALL_ROOT)/share/zsh/site-functions/_runc

# --- What a fresh Debian machine needs (as root).
# npm (to fetch the pinned Deno) comes from Debian only where no Node.js is installed.
DEBIAN_PACKAGES := make gcc libc6-dev musl-tools busybox-static libseccomp2 procps git uidmap dbus-daemon
deps:
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(DEBIAN_PACKAGES)
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
	-DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gcc-aarch64-linux-gnu libc6-dev-arm64-cross runc

# --- Build, then run a busybox container from a bundle made here.
demo: build
	@rm -rf build/demo && mkdir -p build/demo/rootfs/bin build/demo/rootfs/proc build/demo/rootfs/dev build/demo/rootfs/sys
	@cp /bin/busybox build/demo/rootfs/bin/busybox
	@cd build/demo/rootfs/bin && for a in $$(./busybox --list); do [ "$$a" = busybox ] || ln -s busybox $$a; done
	@cd build/demo && ../runc spec && sed -i 's/"terminal": true/"terminal": false/; s/^\t\t\t"sh"$$/\t\t\t"sh", "-c", "echo Hello from $$(hostname), pid $$$$; id"/' config.json
	@echo "make demo: a busybox bundle in build/demo (runc spec's config.json, terminal off),"
	@echo "make demo: running: cd build/demo && ../runc --root build/demo-state run demo"
	@echo "make demo: the container runs: sh -c 'echo Hello from \$$(hostname), pid \$$\$$; id'"
	@cd build/demo && ../runc --root $(CURDIR)/build/demo-state run demo

lint: $(DENO) ffi/_blobs.gen.ts
	$(DENO) fmt --check
	$(DENO) lint
	$(DENO) check mod.ts cli/main.ts $(shell find tests -name '*_test.ts' 2>/dev/null)
	$(DENO) doc --lint mod.ts
	$(MAKE) -s csrc

fmt: $(DENO)
	$(DENO) fmt

test-unit: $(DENO) ffi/_blobs.gen.ts build/csrc/$(HOST_ARCH)/launcher $(INTERP)
	$(DENO) test --allow-all --no-lock tests/unit

test-integration: build
	$(DENO) test --allow-all --no-lock tests/integration

# The integration suite again as an ordinary user (made once, with /etc/subuid
# and /etc/subgid ranges), with rootless bundles; the tests that need root say
# so and are skipped. TESTS and DENO_TEST_FLAGS narrow it.
test-rootless: build
	DENO=$(DENO) bash tests/integration/rootless_suite.sh

# runc's own integration suite against build/runc, as root, then as a user;
# every failure must be one runc 1.1.5 has on this host too (tests/peer/).
.PHONY: test-peer
test-peer: build
	bash tests/peer/run.sh

# The rootless run goes after the root run, never beside it (make -j).
test: test-unit test-integration
	$(MAKE) --no-print-directory test-rootless

# --- The VM lane: the test files of VM_TESTS (default tests/vm/smoke_test.ts,
# tests/integration/cgroups_v2_test.ts and checkpoint_test.ts) run as root inside Debian's 6.1 kernel in
# qemu (TCG), on pure cgroup v2. Installs qemu and the kernel when missing.
.PHONY: test-vm
test-vm: build
	DENO=$(DENO) bash tests/vm/run.sh

# --- The systemd guest: Debian's systemd as PID 1 with D-Bus in the same VM,
# booted once with AppArmor (the systemd driver and LSM tests, and runc's
# cgroups.bats and update.bats with RUNC_USE_SYSTEMD=1) and once with SELinux
# (permissive). Makes the guest's Debian root with debootstrap when missing.
.PHONY: test-vm-systemd
test-vm-systemd: build
	DENO=$(DENO) bash tests/vm/systemd-lane.sh

# --- End-to-end tests with real engines (podman, containerd's ctr, Docker where
# dockerd is installed), and the benchmark against Debian's runc. e2e-deps calls
# apt-get only when an engine is missing; docker.io is optional.
E2E_PACKAGES := podman conmon containerd tar bsdutils
.PHONY: e2e-deps test-e2e bench
e2e-deps:
	@missing=; for p in podman conmon containerd ctr containerd-shim-runc-v2 tar script; do \
	  command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	command -v dockerd >/dev/null || missing="$$missing dockerd"; \
	if [ -n "$$missing" ]; then \
	  echo "e2e-deps: installing (missing:$$missing)"; \
	  apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(E2E_PACKAGES) && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker.io || \
	    echo "e2e-deps: docker.io not installed; the Docker tests will be skipped"; }; \
	fi

test-e2e: build e2e-deps
	$(DENO) test --allow-all --no-lock tests/e2e

# BENCH_FLAGS, e.g. "--rounds 5"; figures go to stdout and build/bench.json.
BENCH_FLAGS ?=
bench: build
	$(DENO) run --allow-all --no-lock tests/bench/bench.ts $(BENCH_FLAGS)

clean:
	rm -rf build ffi/_blobs.gen.ts
