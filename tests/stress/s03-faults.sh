#!/bin/bash
# Fault injection (debug kernel: CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC):
# for STRESS_SECONDS, slab and page allocations fail with probability
# STRESS_FAULT_PERCENT (default 10) during set loads (set_synth and
# driftctl --from-dir), binds (--replace), execs in enforced containers
# and status/list dumps.
# Which allocations: where the kernel has CONFIG_FAULT_INJECTION_STACKTRACE_
# FILTER, only those with drift.ko on the stack (require-start/-end = the
# module's range from /proc/modules). Linux 6.1 does not offer that filter
# on x86_64 (Kconfig: depends on !X86_64), so there the task filter limits
# failures to the processes under test: each command runs with
# /proc/self/make-it-fail set (driftctl and set_synth: every allocation of
# their netlink requests, drift's handlers included, runs in their
# context; try_exec sets it itself just before execve, so the exec path
# and drift's hook are hit, not the container set-up). Allocations in
# drift's event work item (a kworker) are not covered there.
# Every failure must be an error to the caller (exit 1 of driftctl /
# set_synth with the kernel's errno, or a command that could not even
# start: exit 126/127), a count, or a deny: an enforced container's
# dropped binary never runs; after the injection stops, the
# sets and bindings that were acknowledged work, nothing leaked (kmemleak
# scan by tests/vm/with-kmemleak after the module is unloaded) and the
# kernel log is clean (failure messages are not logged: verbose=0).
# Skipped where the kernel has no fault injection (stock kernel).
. "$(dirname "$0")/lib-stress.sh"
FS=/sys/kernel/debug/failslab
FP=/sys/kernel/debug/fail_page_alloc
[ -e "$FS/probability" ] || skip "no failslab (debug kernel only)"
stackfilter=
[ -e "$FS/require-start" ] && stackfilter=1
pct=${STRESS_FAULT_PERCENT:-10}
t_init
stress_image
stress_ct f1
stress_ct f2
load_img img 200 || fail "load img"
load_img img2 300 || fail "load img2"
bind f1 img enforce
bind f2 img2 enforce
read -r _ size _ _ _ base _ < <(grep '^drift ' /proc/modules)
case $base in 0x*[1-9a-f]*) ;; *) fail "no address for drift in /proc/modules ('$base')" ;; esac
# unsigned decimal for debugfs (bash arithmetic is signed 64-bit)
start=$(printf '%u' "$base")
end_addr=$(printf '%u' $((base + size)))
if [ -n "$stackfilter" ]; then
	log "drift.ko at $base + $size; failing ${pct}% of its allocations for ${SECS}s"
else
	log "no stack-trace filter on this kernel: failing ${pct}% of the allocations of the commands under test for ${SECS}s"
fi

inject() { # PERCENT
	local d
	for d in "$FS" "$FP"; do
		[ -d "$d" ] || continue
		echo 0 >"$d/probability"
		if [ -n "$stackfilter" ]; then
			echo "$start" >"$d/require-start"
			echo "$end_addr" >"$d/require-end"
			echo 32 >"$d/stacktrace-depth"
			echo N >"$d/task-filter"
		else
			echo Y >"$d/task-filter"
		fi
		echo 0 >"$d/verbose"
		echo 1 >"$d/interval"
		echo 1000000 >"$d/times"
		[ -e "$d/ignore-gfp-wait" ] && echo N >"$d/ignore-gfp-wait"
		[ -e "$d/ignore-gfp-highmem" ] && echo N >"$d/ignore-gfp-highmem"
		[ -e "$d/min-order" ] && echo 0 >"$d/min-order"
		echo "$1" >"$d/probability"
	done
}
injected() { # failures injected so far (times counts down)
	local d n=0
	for d in "$FS" "$FP"; do
		[ -d "$d" ] && n=$((n + 1000000 - $(cat "$d/times")))
	done
	echo "$n"
}
cleanup_add 'for d in /sys/kernel/debug/failslab /sys/kernel/debug/fail_page_alloc; do echo 0 >$d/probability; echo N >$d/task-filter; done'
# failing CMD...: run CMD with this process's allocations failing (task
# filter); with the stack-trace filter, every task is eligible anyway
failing() { sh -c 'echo 1 >/proc/self/make-it-fail && exec "$@"' failing "$@"; }
rc_ok() { # RC WHAT: 0 ok, 1 refused by the kernel, 126/127 could not start
	case $1 in
	0) ok=$((ok + 1)) ;;
	1) err=$((err + 1)) ;;
	126 | 127 | 2) nostart=$((nostart + 1)) ;;
	*) fail "$2 exited $1: $(cat "$W/err")" ;;
	esac
}

mon_start "$W/ev" "" $((SECS + 30))
den0=$(stat_binding f1 execs_denied)
inject "$pct"
end=$(deadline "$SECS")
ok=0 err=0 nostart=0 binds=0 bindfail=0 nopdeny=0 denied=0 dumps=0 n=0 othererr=0
while before "$end"; do
	n=$((n + 1))
	rc=0; failing "$SYNTH" img $((RANDOM % 3000 + ${#IMG_FILES[@]})) "${IMG_FILES[@]}" >/dev/null 2>"$W/err" || rc=$?
	rc_ok "$rc" set_synth
	rc=0; failing "$DRIFTCTL" set load img2 --no-hash --from-dir "$IMG" >/dev/null 2>"$W/err" || rc=$?
	rc_ok "$rc" "driftctl set load"
	s=$([ $((n % 2)) = 0 ] && echo img || echo img2)
	rc=0; failing "$DRIFTCTL" bind "$(ct_cg f2)" "$s" --mode enforce --name f2 --replace >/dev/null 2>"$W/err" || rc=$?
	case $rc in 0) binds=$((binds + 1)) ;; 1) bindfail=$((bindfail + 1)) ;; 126 | 127 | 2) nostart=$((nostart + 1)) ;; *) fail "bind --replace exited $rc: $(cat "$W/err")" ;; esac
	for c in f1 f2; do
		rc=0; out=$(TRY_EXEC_MAKE_IT_FAIL=1 ct_run "$c" /bin/try_exec /tmp/dropped 2>&1) || rc=$?
		# the dropped binary (nop + 1 byte) exits 0 silently when it runs
		[ "$rc" != 0 ] || fail "WRONG ALLOW under fault injection: /tmp/dropped ran in $c (after $(injected) injected failures)"
		if [ "$out" = EACCES ]; then denied=$((denied + 1)); else othererr=$((othererr + 1)); fi
		out=$(TRY_EXEC_MAKE_IT_FAIL=1 ct_run "$c" /bin/try_exec /bin/nop 2>&1) || nopdeny=$((nopdeny + 1))
	done
	failing "$DRIFTCTL" --json status >/dev/null 2>&1 && dumps=$((dumps + 1))
	failing "$DRIFTCTL" --json sets >/dev/null 2>&1 && dumps=$((dumps + 1))
	failing "$DRIFTCTL" --json bindings >/dev/null 2>&1 && dumps=$((dumps + 1))
done
inject 0
nfail=$(injected)
mon_stop
log "$n rounds, $nfail allocation failures injected: set loads ok $ok / refused $err; binds ok $binds / refused $bindfail; commands that could not start $nostart; dropped binary denied $denied, failed otherwise (ENOMEM...) $othererr, never run; image binary failed $nopdeny; dumps answered $dumps"
assert_ge "allocation failures injected into drift" 1 "$nfail"
assert_ge "set loads or binds refused with an error" 1 $((err + bindfail))

# after: everything acknowledged works, everything else can be redone
load_img img 100 || fail "set load after the injection"
dctl bind "$(ct_cg f2)" img2 --mode enforce --name f2 --replace >/dev/null
for c in f1 f2; do
	expect_exec "$c" EACCES /tmp/dropped
	expect_exec "$c" ok /bin/nop
done
den=$(stat_binding f1 execs_denied)
sent=$(stat_binding f1 events_sent)
sup=$(stat_binding f1 events_suppressed)
drop=$(stat_binding f1 events_dropped)
log "f1: denied $den, events sent $sent, suppressed $sup, dropped $drop"
assert_eq "f1: denied = sent + suppressed + dropped" "$den" $((sent + sup + drop))
assert_ge "f1: denials counted" 1 $((den - den0))
drift_unload || fail "rmmod after fault injection: $(rmmod drift 2>&1)"
pass
