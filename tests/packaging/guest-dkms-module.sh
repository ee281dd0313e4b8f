#!/bin/sh
# Runs in the QEMU guest (tests/vm/run-guest --module <DKMS-built drift.ko>):
# the module DKMS built loads, driftctl talks to it, and it unloads.
set -u
ctl=${DRIFT_REPO:?}/ctl/driftctl
fail() { echo "guest-dkms-module: FAIL: $*"; exit 1; }
# (modinfo reads nothing from the 9p share in this guest: the host checked
# the module's vermagic and signature; here it must load and work.)
ko=${DRIFT_KO:?}
echo "module: $ko, kernel $(uname -r)"
[ ! -d /sys/module/drift ] || fail "drift already loaded"
insmod "$ko" || fail "insmod $ko"
[ -d /sys/module/drift ] || fail "/sys/module/drift missing after insmod"
grep "^drift " /proc/modules || fail "drift not in /proc/modules"
[ "$(cat /sys/module/drift/taint 2>/dev/null)" != "" ] && echo "taint flags: $(cat /sys/module/drift/taint)"

out=$("$ctl" status 2>&1); rc=$?
echo "$out"
[ $rc = 0 ] || fail "driftctl status exited $rc"
[ -n "$out" ] || fail "driftctl status printed nothing"
json=$("$ctl" --json status 2>&1) || fail "driftctl --json status: $json"
echo "$json"
case $json in \{*\}) ;; *) fail "driftctl --json status is not a JSON object" ;; esac
case $json in *'"selftest":true'*) ;; *) fail "the module's self-test did not pass" ;; esac
case $json in *"\"version\":\"${DRIFT_PKG_VERSION:?}\""*) ;; *) fail "module version is not the package version $DRIFT_PKG_VERSION" ;; esac

rmmod drift || fail "rmmod drift"
[ ! -d /sys/module/drift ] || fail "drift still loaded after rmmod"
"$ctl" status >/dev/null 2>&1; rc=$?
[ $rc = 3 ] || fail "driftctl status without the module exited $rc, expected 3"
echo "guest-dkms-module: PASS"
