#!/bin/bash
# Sealed and locked: lock is a tightening (accepted), unlock is refused
# (exit 4), so rmmod fails with EBUSY until reboot. The test ends with
# rmmod -f (CONFIG_MODULE_FORCE_UNLOAD), which taints the kernel: run it
# last.
. "$(dirname "$0")/lib.sh"
t_init
grep -q '^CONFIG_MODULE_FORCE_UNLOAD=y' "/boot/config-$(uname -r)" 2>/dev/null ||
	skip "needs CONFIG_MODULE_FORCE_UNLOAD to clean up after itself"
dctl seal >/dev/null
dctl lock >/dev/null
assert_eq "locked" true "$(status_field locked)"
dctl_rc 4 unlock
out=$("$DRIFTCTL" unlock 2>&1) || true
assert_match "unlock refused" "sealed: the module cannot be unlocked" "$out"
rc=0
out=$(rmmod drift 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "rmmod of a sealed and locked module succeeded"
assert_match "rmmod refused" "in use|busy|Resource temporarily" "$out"
rmmod -f drift || fail "rmmod -f"
pass
