# Used by dkms.conf (MAKE/CLEAN) and by the OpenShift build; run from the
# top of the DKMS tree:  make -f dkms-build.mk KVER=<kernel> KSRC=<headers>
KVER ?= $(shell uname -r)
KSRC ?= /lib/modules/$(KVER)/build
TOP := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))

.PHONY: all modules clean
all modules:
	@sh $(TOP)dkms-check-kernel "$(KVER)" "$(KSRC)"
	$(MAKE) -C "$(KSRC)" M="$(TOP)kmod" modules

clean:
	-$(MAKE) -C "$(KSRC)" M="$(TOP)kmod" clean
