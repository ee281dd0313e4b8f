# packaging/install.mk - `make install` for drift's userspace.
# Included at the end of the top-level Makefile (-include packaging/install.mk)
# and usable alone:  make -f packaging/install.mk install DESTDIR=/tmp/root
# Build first (`make user`); this only installs. Debian's rules and the RPM
# spec use it with their own DESTDIR/UNITDIR.

DRIFT_TOP := $(patsubst %/packaging/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
DRIFT_PKG := $(DRIFT_TOP)/packaging
DRIFT_VERSION := $(shell cat $(DRIFT_PKG)/VERSION)

DESTDIR ?=
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec
SYSCONFDIR ?= /etc
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
HOOKSDIR ?= $(DATADIR)/containers/oci/hooks.d
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
INSTALL ?= install

DRIFT_BINS := $(DRIFT_TOP)/daemon/driftd $(DRIFT_TOP)/ctl/driftctl \
	$(DRIFT_TOP)/daemon/drift-oci-hook

.PHONY: install install-check uninstall

install-check:
	@for f in $(DRIFT_BINS); do [ -x $$f ] || { \
		echo "install: $$f is not built; run 'make user' first" >&2; exit 1; }; done

install: install-check
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR)/drift \
		$(DESTDIR)$(SYSCONFDIR)/drift $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MODULESLOADDIR) $(DESTDIR)$(HOOKSDIR) \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(DATADIR)/drift/containerd
	$(INSTALL) -m 0755 $(DRIFT_TOP)/daemon/driftd $(DESTDIR)$(SBINDIR)/driftd
	$(INSTALL) -m 0755 $(DRIFT_TOP)/ctl/driftctl $(DESTDIR)$(SBINDIR)/driftctl
	$(INSTALL) -m 0755 $(DRIFT_TOP)/daemon/drift-oci-hook \
		$(DESTDIR)$(LIBEXECDIR)/drift/drift-oci-hook
	@# Never overwrite an existing configuration on a live system.
	if [ -n "$(DESTDIR)" ] || [ ! -e $(SYSCONFDIR)/drift/driftd.conf ]; then \
		$(INSTALL) -m 0644 $(DRIFT_TOP)/daemon/driftd.conf.example \
			$(DESTDIR)$(SYSCONFDIR)/drift/driftd.conf; \
	else echo "install: keeping $(SYSCONFDIR)/drift/driftd.conf"; fi
	sed -e 's|/usr/sbin/driftd|$(SBINDIR)/driftd|; s|/etc/drift/|$(SYSCONFDIR)/drift/|' \
		$(DRIFT_PKG)/systemd/driftd.service > $(DESTDIR)$(UNITDIR)/driftd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/driftd.service
	$(INSTALL) -m 0644 $(DRIFT_PKG)/systemd/modules-load.conf \
		$(DESTDIR)$(MODULESLOADDIR)/drift.conf
	sed -e 's|/usr/libexec/drift/|$(LIBEXECDIR)/drift/|' \
		$(DRIFT_PKG)/hooks/drift.json > $(DESTDIR)$(HOOKSDIR)/drift.json
	chmod 0644 $(DESTDIR)$(HOOKSDIR)/drift.json
	for m in driftctl driftd drift-oci-hook; do \
		sed 's/@VERSION@/$(DRIFT_VERSION)/' $(DRIFT_PKG)/man/$$m.8 \
			> $(DESTDIR)$(MANDIR)/man8/$$m.8 && \
		chmod 0644 $(DESTDIR)$(MANDIR)/man8/$$m.8 || exit 1; done
	$(INSTALL) -m 0644 $(DRIFT_PKG)/completion/driftctl.bash \
		$(DESTDIR)$(BASHCOMPDIR)/driftctl
	sed -e 's|/usr/libexec/drift/|$(LIBEXECDIR)/drift/|' \
		$(DRIFT_PKG)/containerd/drift-containerd-spec \
		> $(DESTDIR)$(DATADIR)/drift/containerd/drift-containerd-spec
	chmod 0755 $(DESTDIR)$(DATADIR)/drift/containerd/drift-containerd-spec

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/driftd $(DESTDIR)$(SBINDIR)/driftctl \
		$(DESTDIR)$(LIBEXECDIR)/drift/drift-oci-hook \
		$(DESTDIR)$(UNITDIR)/driftd.service $(DESTDIR)$(MODULESLOADDIR)/drift.conf \
		$(DESTDIR)$(HOOKSDIR)/drift.json $(DESTDIR)$(BASHCOMPDIR)/driftctl \
		$(DESTDIR)$(DATADIR)/drift/containerd/drift-containerd-spec \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,driftctl.8 driftd.8 drift-oci-hook.8)
	-rmdir $(DESTDIR)$(LIBEXECDIR)/drift $(DESTDIR)$(DATADIR)/drift/containerd \
		$(DESTDIR)$(DATADIR)/drift
