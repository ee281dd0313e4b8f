# drift - top-level build. Each directory has its own Makefile; this one
# only delegates. See README.md and docs/DESIGN.md.

# Kernel to build the module for: the newest installed headers, not the
# running kernel (CI and developers build for the QEMU guest's kernel).
KVER ?= $(shell ls -1 /lib/modules 2>/dev/null | while read v; do \
	[ -e /lib/modules/$$v/build/Makefile ] && echo $$v; done | sort -V | tail -n1)
export KVER

USER_DIRS := common ctl daemon tests/tools

.PHONY: all kmod user $(USER_DIRS) check vm-test demo bench test clean

all: kmod user

kmod:
	$(MAKE) -C kmod KVER=$(KVER)

user: $(USER_DIRS)

common:
	$(MAKE) -C common

ctl daemon: common
	$(MAKE) -C $@

tests/tools:
	$(MAKE) -C tests/tools

check:
	$(MAKE) -C tests/unit check

# One guest boot runs the whole integration suite (tests/integration/t*.sh).
VM_TEST_TIMEOUT ?= 2700
vm-test: all
	tests/vm/run-guest --kver $(KVER) --timeout $(VM_TEST_TIMEOUT) tests/integration/run-all $(TESTS)

demo: all
	tests/vm/run-guest --kver $(KVER) tests/demo/demo.sh

bench: all
	tests/vm/run-guest --kver $(KVER) --mem 2048 --timeout 1800 tests/bench/run-bench

# Everything CI runs: unit tests, the integration suite in the guest, and
# the packaging checks when that directory exists.
test: check vm-test
	@if [ -d tests/packaging ]; then $(MAKE) -C tests/packaging check; fi

clean:
	$(MAKE) -C kmod clean KVER=$(KVER)
	for d in $(USER_DIRS) tests/unit; do $(MAKE) -C $$d clean; done
-include packaging/install.mk
