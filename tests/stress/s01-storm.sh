#!/bin/bash
# Stress: exec storms from many hand-made containers for STRESS_SECONDS
# while, at the same time,
#   - the set of the enforced containers is replaced again and again (its
#     size changing: set_synth, and driftctl set load --from-dir),
#   - other containers' bindings change mode and set (bind --replace, mode),
#   - containers are created, bound, exec'd in and removed (some removed
#     while still bound),
#   - a container floods events (denied execs, rate limit raised) to a slow
#     listener (tests/tools/slow_listener.py: tiny receive buffer) besides
#     driftctl monitor.
# Invariants: in the containers that stay bound in enforce mode to a set
# holding the image, every exec of an image binary runs and every exec of
# the dropped binary fails with EACCES, through every replacement (never a
# wrong allow, never a wrong deny); elsewhere every exec either runs or
# fails with EACCES (nothing else); the flood binding's events add up
# (sent + suppressed + dropped = denied), the slow listener is overrun and
# the module counts it (global events_dropped); the module still answers and
# unloads; the kernel log stays clean (run-all; kmemleak with make stress
# on the debug kernel).
. "$(dirname "$0")/lib-stress.sh"
t_init
stress_image
NFIX=${STRESS_FIXED:-4} NCHURN=${STRESS_CHURN:-3}
for i in $(seq 1 "$NFIX"); do stress_ct "f$i"; done
for i in $(seq 1 "$NCHURN"); do stress_ct "k$i"; done
stress_ct flood
load_img img 100 || fail "load img"
load_img img2 5000 || fail "load img2"
for i in $(seq 1 "$NFIX"); do bind "f$i" img enforce; done
for i in $(seq 1 "$NCHURN"); do bind "k$i" img2 audit; done
bind flood img enforce
dctl default --event-rate 100000 --event-burst 100000 >/dev/null
end=$(deadline "$SECS")
log "storm: $NFIX enforced + $NCHURN churned containers, ${SECS}s"

pids=()
# exec storms
for i in $(seq 1 "$NFIX"); do
	ct_run "f$i" /bin/exec_loop -e ok -t "$SECS" /bin/nop >"$W/f$i.ok" 2>&1 &
	pids+=($!)
	ct_run "f$i" /bin/exec_loop -e eacces -t "$SECS" /tmp/dropped >"$W/f$i.deny" 2>&1 &
	pids+=($!)
done
for i in $(seq 1 "$NCHURN"); do
	ct_run "k$i" /bin/exec_loop -t "$SECS" /tmp/dropped >"$W/k$i.any" 2>&1 &
	ct_run "k$i" /bin/exec_loop -t "$SECS" /bin/nop >"$W/k$i.nop" 2>&1 &
done
# a slow listener (tiny receive buffer, one message per 200 ms) and a
# normal one, both members of the events group before the flood starts (on
# a loaded debug guest python took longer to start than the flood lasted)
gdrop0=$(stat_global events_dropped)
"$PY" "$TOOLS/slow_listener.py" "$((SECS + 10))" 200 4096 >"$W/slow.out" 2>&1 &
slow=$!
"$DRIFTCTL" --json monitor --timeout $((SECS + 5)) >"$W/mon.out" 2>&1 &
mon=$!
wait_for 60 grep -q 'slow_listener: joined' "$W/slow.out" ||
	fail "slow listener did not join the events group: $(cat "$W/slow.out")"
_mon_ready "$mon" || fail "driftctl monitor exited at start: $(cat "$W/mon.out")"
ct_run flood /bin/exec_loop -e eacces -t "$SECS" /tmp/dropped >"$W/flood.deny" 2>&1 &
pids+=($!)

# set replacement: the image always in, the size changing
(
	n=0
	while :; do	# at least once, however slow the start was
		load_img img $((RANDOM % 20000)) || { echo "set_synth img failed" >"$W/replace.err"; exit 1; }
		"$DRIFTCTL" set load img2 --no-hash --from-dir "$IMG" >/dev/null 2>"$W/replace.err" || exit 1
		n=$((n + 2))
		before "$end" || break
	done
	echo "$n" >"$W/replace.count"
) &
rep=$!
# mode and set changes of the churned bindings
(
	n=0 modes=(off audit enforce)
	while :; do
		i=$((RANDOM % NCHURN + 1))
		"$DRIFTCTL" mode "$(ct_cg "k$i")" "${modes[RANDOM % 3]}" >/dev/null || { echo "mode k$i" >"$W/mode.err"; exit 1; }
		s=$([ $((RANDOM % 2)) = 0 ] && echo img || echo img2)
		"$DRIFTCTL" bind "$(ct_cg "k$i")" "$s" --mode "${modes[RANDOM % 3]}" --name "k$i" --replace >/dev/null ||
			{ echo "bind --replace k$i" >"$W/mode.err"; exit 1; }
		n=$((n + 2))
		before "$end" || break
	done
	echo "$n" >"$W/mode.count"
) &
mod=$!
# container lifecycle
(
	n=0
	while :; do
		c=e$n
		ct_create "$c" >/dev/null
		"$DRIFTCTL" bind "$(ct_cg "$c")" img --mode enforce --name "$c" >/dev/null || { echo "bind $c" >"$W/life.err"; exit 1; }
		r=$(ct_run "$c" /bin/try_exec /bin/nop 2>&1) || { echo "exec in $c: $r" >"$W/life.err"; exit 1; }
		if [ $((n % 2)) = 0 ]; then
			"$DRIFTCTL" unbind "$(ct_cg "$c")" >/dev/null || { echo "unbind $c" >"$W/life.err"; exit 1; }
		fi
		# odd ones: the cgroup goes while still bound
		wait_for 5 rmdir "$(ct_cg "$c")" 2>/dev/null || { echo "rmdir $c: $(rmdir "$(ct_cg "$c")" 2>&1)" >"$W/life.err"; exit 1; }
		umount "$(ct_root "$c")"
		n=$((n + 1))
		before "$end" || break
	done
	echo "$n" >"$W/life.count"
) &
life=$!

for p in "${pids[@]}"; do
	wait "$p" || fail "an enforced exec loop saw a wrong result: $(cat "$W"/f*.ok "$W"/f*.deny "$W/flood.deny" | grep -v '^exec_loop: execs' | head -n 5)"
done
wait "$rep" || fail "set replacement failed: $(cat "$W/replace.err")"
wait "$mod" || fail "mode/bind changes failed: $(cat "$W/mode.err")"
wait "$life" || fail "container lifecycle failed: $(cat "$W/life.err")"
wait "$slow" || fail "slow listener: $(cat "$W/slow.out")"
kill "$mon" 2>/dev/null
wait

tot=0
for f in "$W"/f*.ok "$W"/f*.deny "$W/flood.deny"; do
	e=$(loop_field "$f" execs)
	[ -n "$e" ] || fail "no summary in $f: $(cat "$f")"
	tot=$((tot + e))
done
for f in "$W"/k*.any "$W"/k*.nop; do
	assert_eq "execs neither run nor EACCES in ${f##*/}" 0 "$(loop_field "$f" other)"
done
log "enforced execs checked: $tot; set loads: $(cat "$W/replace.count"); mode/bind changes: $(cat "$W/mode.count"); containers created and removed: $(cat "$W/life.count")"
assert_ge "set loads during the storm" 2 "$(cat "$W/replace.count")"
assert_ge "containers created and removed" 1 "$(cat "$W/life.count")"
den=$(stat_binding flood execs_denied)
sent=$(stat_binding flood events_sent)
sup=$(stat_binding flood events_suppressed)
drop=$(stat_binding flood events_dropped)
log "flood: denied $den, events sent $sent, suppressed $sup, dropped $drop"
assert_eq "flood: denied = sent + suppressed + dropped" "$den" $((sent + sup + drop))
assert_eq "flood: denials counted = denials seen" "$(loop_field "$W/flood.deny" eacces)" "$den"
# the slow listener was overrun, and the module counted what it could not
# deliver (global events_dropped: a multicast that failed for a member)
log "$(tail -n1 "$W/slow.out")"
over=$(sed -n 's/.*overruns=\([0-9]*\).*/\1/p' "$W/slow.out")
assert_ge "slow listener overruns (ENOBUFS)" 1 "$over"
assert_ge "global events_dropped during the flood" 1 $(( $(stat_global events_dropped) - gdrop0 ))
dctl status >/dev/null
drift_unload || fail "rmmod after the storm: $(rmmod drift 2>&1)"
pass
