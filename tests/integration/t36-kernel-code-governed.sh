#!/bin/bash
# Kernel code from a governed cgroup (a privileged container: CAP_SYS_MODULE,
# even uid 0 on the host): rmmod drift, a forced rmmod (which ignores the
# lock's module reference) and insmod are refused with EPERM, whatever the
# binding's mode (audit here), counted in "refused" and logged. The same
# commands from the host are not refused by drift.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img audit
# a host process moved into the container's cgroup, then the host's tools
gov() { sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' gov "$(ct_cg c1)" "$@"; }
r0=$(stat_global refused)
dmesg_mark

out=$(gov rmmod drift 2>&1) && fail "rmmod drift from a governed cgroup succeeded"
assert_match "rmmod from a governed cgroup" "Operation not permitted" "$out"
drift_loaded || fail "drift was unloaded from a governed cgroup"
out=$(gov rmmod -f drift 2>&1) && fail "rmmod -f drift from a governed cgroup succeeded"
assert_match "rmmod -f from a governed cgroup" "Operation not permitted" "$out"
drift_loaded || fail "drift was force-unloaded from a governed cgroup"
out=$(gov insmod "$DRIFT_KO" 2>&1) && fail "insmod from a governed cgroup succeeded"
assert_match "insmod (finit_module) from a governed cgroup" "Operation not permitted" "$out"
assert_eq "refused counted" 3 $(( $(stat_global refused) - r0 ))
dmesg | tail -n +$((DMESG_MARK + 1)) | grep -q "refused delete_module from a governed cgroup: pid [0-9]* (rmmod)" ||
	fail "no kernel log line for the refused rmmod"

# the host is not affected: the same insmod fails only because drift is
# already loaded (EEXIST), rmmod works (run-all reloads drift afterwards)
out=$(insmod "$DRIFT_KO" 2>&1) && fail "a second insmod succeeded"
assert_match "insmod from the host" "File exists" "$out"
rmmod drift || fail "rmmod from the host"
drift_load
pass
