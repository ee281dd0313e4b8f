#!/bin/bash
# Stress: the module locked, unlocked, unloaded and reloaded for
# STRESS_SECONDS while containers exec in a loop (what an upgrade under
# load does). Each cycle: load, set, bind enforce; the dropped binary is
# denied and the image binary runs; lock: rmmod fails with EBUSY and the
# module stays; unlock: rmmod succeeds while execs keep coming. The exec
# loops may see anything but a crash: runs while drift is absent, EACCES
# while it is present (only "ran" or EACCES, nothing else).
. "$(dirname "$0")/lib-stress.sh"
t_init
stress_image
for i in 1 2 3; do stress_ct "c$i"; done
for i in 1 2 3; do
	ct_run "c$i" /bin/exec_loop -t "$SECS" /tmp/dropped >"$W/c$i.drop" 2>&1 &
	ct_run "c$i" /bin/exec_loop -e ok -t "$SECS" /bin/nop >"$W/c$i.nop" 2>&1 &
done
end=$(deadline "$SECS")
n=0
while before "$end"; do
	drift_load
	load_img img $((RANDOM % 5000)) || fail "set load after reload $n"
	for i in 1 2 3; do bind "c$i" img enforce; done
	expect_exec c1 EACCES /tmp/dropped
	expect_exec c2 ok /bin/nop
	dctl lock >/dev/null
	out=$(rmmod drift 2>&1) && fail "rmmod of a locked module succeeded"
	assert_match "rmmod of the locked module" 'in use|busy|Resource temporarily' "$out"
	drift_loaded || fail "the locked module went away"
	expect_exec c3 EACCES /tmp/dropped
	dctl unlock >/dev/null
	rmmod drift || fail "rmmod after unlock (cycle $n)"
	n=$((n + 1))
done
wait
for i in 1 2 3; do
	assert_eq "c$i: dropped execs neither run nor EACCES" 0 "$(loop_field "$W/c$i.drop" other)"
	assert_eq "c$i: image execs not run" 0 "$(( $(loop_field "$W/c$i.nop" eacces) + $(loop_field "$W/c$i.nop" other) ))"
done
log "reload cycles: $n; dropped execs: $(cat "$W"/c*.drop | grep -o 'eacces=[0-9]*' | tr '\n' ' ')"
assert_ge "reload cycles" 1 "$n"
pass
