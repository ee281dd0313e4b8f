# drift - top-level build. Each directory has its own Makefile; this one
# only delegates. See README.md and docs/DESIGN.md.

# Kernel to build the module for and to boot in the QEMU guest: Debian's
# stock kernel (the one linux-headers-amd64 depends on, scripts/stock-kver),
# not the running kernel and not merely the newest installed headers (that
# would be the debug kernel once installed). Override with KVER=.
STOCK_KVER := $(shell scripts/stock-kver)
KVER ?= $(STOCK_KVER)
export KVER
# The debug kernel (KASAN, lockdep, kmemleak, fault injection) of
# ../shared/kernels, used by test-debug and stress-debug.
DEBUG_KVER ?= 6.1.192-driftdbg
DEBUG_KERNELS ?= $(wildcard $(CURDIR)/../shared/kernels)

# The stock kernel's module is kmod/drift.ko. For any other KVER the module
# is built in a copy of kmod/ under build/kmod-KVER/, so that building for
# the debug (or cloud, rt) kernel never clobbers the stock module; every
# guest target passes that module to run-guest with --module.
KO_DIR = $(if $(filter $(KVER),$(STOCK_KVER)),kmod,build/kmod-$(KVER)/kmod)
DRIFT_KO = $(CURDIR)/$(KO_DIR)/drift.ko
# 2 GiB: t78 starts 200 containers at once
VM_MEM ?= 2048
RUN_GUEST = tests/vm/run-guest --kver $(KVER) --module $(DRIFT_KO) --mem $(VM_MEM)

USER_DIRS := common ctl daemon tests/tools

.PHONY: all kmod user $(USER_DIRS) check vm-test demo bench test clean \
	test-debug test-debug-ci install-debug-kernel stress stress-debug matrix

all: kmod user

kmod:
ifeq ($(KO_DIR),kmod)
	$(MAKE) -C kmod KVER=$(KVER)
else
	@mkdir -p $(dir $(KO_DIR))
	@ln -sfn $(CURDIR)/include $(dir $(KO_DIR))include
	rsync -a --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude=Module.symvers --exclude=modules.order \
		--exclude='.tmp*' --exclude='.sparse.log' kmod/ $(KO_DIR)/
	$(MAKE) -C $(KO_DIR) KVER=$(KVER)
endif

user: $(USER_DIRS)

common:
	$(MAKE) -C common

ctl daemon: common
	$(MAKE) -C $@

tests/tools: common
	$(MAKE) -C tests/tools

check:
	$(MAKE) -C tests/unit check

# One guest boot runs the whole integration suite (tests/integration/t*.sh):
# 29 min in the last fresh-clone CI; the bound leaves room for a loaded host.
VM_TEST_TIMEOUT ?= 3600
vm-test: all
	$(RUN_GUEST) --timeout $(VM_TEST_TIMEOUT) tests/integration/run-all $(TESTS)

demo: all
	$(RUN_GUEST) tests/demo/demo.sh

# Benchmarks: one boot under icount (guest time = instruction count), so
# that ratios are stable on a loaded machine (docs/BENCHMARKS.md). Knobs go
# to the guest with BENCH_ENV='--env BENCH_ROUNDS=3 ...'.
BENCH_TIMEOUT ?= 7200
BENCH_ENV ?=
bench: all
	$(MAKE) -C tests/bench/bpf
	$(RUN_GUEST) --icount --mem 2048 --timeout $(BENCH_TIMEOUT) $(BENCH_ENV) tests/bench/run-bench

# ---------------------------------------------------------------- debug lane
# The whole integration suite on the debug kernel (KASAN, lockdep +
# PROVE_RCU, DEBUG_ATOMIC_SLEEP, kmemleak, DEBUG_LIST/OBJECTS), then a
# kmemleak scan after unloading drift (tests/vm/with-kmemleak). Installs the
# kernel from ../shared/kernels if needed; the module is built in
# build/kmod-$(DEBUG_KVER)/, kmod/drift.ko (stock) is left alone.
DEBUG_MEM ?= 3072
DEBUG_TIMEOUT ?= 10800
DEBUG_TEST_TIMEOUT ?= 3000
DEBUG_TIME_SCALE ?= 5
DEBUG_KO = $(CURDIR)/build/kmod-$(DEBUG_KVER)/kmod/drift.ko
DEBUG_GUEST = tests/vm/run-guest --kver $(DEBUG_KVER) --module $(DEBUG_KO) --mem $(DEBUG_MEM)

install-debug-kernel:
	scripts/install-debug-kernel $(DEBUG_KERNELS) >/dev/null

test-debug: install-debug-kernel user
	$(MAKE) kmod KVER=$(DEBUG_KVER)
	$(DEBUG_GUEST) --timeout $(DEBUG_TIMEOUT) --env DRIFT_TEST_TIMEOUT=$(DEBUG_TEST_TIMEOUT) \
		--env DRIFT_TIME_SCALE=$(DEBUG_TIME_SCALE) \
		tests/vm/with-kmemleak tests/integration/run-all $(TESTS)

# ---------------------------------------------------------------- stress
# tests/stress/: exec storms under set/binding/container churn, module
# reloads, fault injection (debug kernel), netlink fuzzing; then a kmemleak
# scan where the kernel has kmemleak. On any kernel: make stress KVER=V.
STRESS_SECONDS ?= 60
STRESS_ENV ?=
STRESS_MEM = $(if $(filter $(KVER),$(DEBUG_KVER)),$(DEBUG_MEM),2048)
STRESS_SCALE = $(if $(filter $(KVER),$(DEBUG_KVER)),$(DEBUG_TIME_SCALE),1)
stress: all
	$(RUN_GUEST) --mem $(STRESS_MEM) --timeout $(DEBUG_TIMEOUT) --env STRESS_SECONDS=$(STRESS_SECONDS) \
		--env DRIFT_TIME_SCALE=$(STRESS_SCALE) $(STRESS_ENV) \
		tests/vm/with-kmemleak tests/stress/run-stress $(TESTS)

stress-debug: install-debug-kernel
	$(MAKE) stress KVER=$(DEBUG_KVER)

# ---------------------------------------------------------------- matrix
# The suite on each Debian 6.1 flavour (stock, cloud, rt), installing the
# flavours' image and headers if needed (scripts/matrix; not part of CI).
FLAVOURS ?= amd64 cloud-amd64 rt-amd64
matrix: user
	scripts/matrix $(FLAVOURS)

# The debug-kernel part of CI: a subset of the module's own tests and a
# short stress pass in one debug-kernel boot, then kmemleak
# (tests/vm/lane-debug-ci). The whole suite is test-debug (too long for CI
# here: README, "Test lanes").
# deny + event, memfd, malformed netlink, rmmod/lock, bind --replace, the
# hooks' self-test and coexistence with tracers and BPF probes, the
# AT_EXECVE_CHECK path, sets that include sets (the node-wide table and its
# GC work): the module's main paths
DEBUG_CI_TESTS ?= t02* t07* t14* t15* t21* t24* t26* t44*
test-debug-ci: install-debug-kernel user
	$(MAKE) kmod KVER=$(DEBUG_KVER)
	$(DEBUG_GUEST) --timeout $(DEBUG_TIMEOUT) --env DRIFT_TEST_TIMEOUT=$(DEBUG_TEST_TIMEOUT) \
		--env DRIFT_TIME_SCALE=$(DEBUG_TIME_SCALE) --env "DEBUG_CI_TESTS=$(DEBUG_CI_TESTS)" \
		tests/vm/with-kmemleak tests/vm/lane-debug-ci

# Everything CI runs: unit tests, the integration suite in the guest, the
# packaging checks when that directory exists, and the debug-kernel lane's
# CI part when the debug kernel's packages are there (../shared/kernels).
test: check vm-test
	@if [ -d tests/packaging ]; then $(MAKE) -C tests/packaging check; fi
	@if [ -n "$(DEBUG_KERNELS)" ]; then $(MAKE) test-debug-ci; \
	else echo "make test: no $(CURDIR)/../shared/kernels: debug-kernel lane skipped"; fi

clean:
	$(MAKE) -C kmod clean KVER=$(KVER)
	for d in $(USER_DIRS) tests/unit tests/bench/bpf; do $(MAKE) -C $$d clean; done
-include packaging/install.mk
