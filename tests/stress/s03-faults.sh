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
# failures to the processes under test (/proc/<pid>/make-it-fail), each
# of which sets it itself where its work starts: driftctl and set_synth
# at their first request to drift (LD_PRELOAD tests/tools/fail_on_send.so;
# every allocation of their netlink requests, drift's handlers included,
# runs in their context), try_exec just before execve (the exec path and
# drift's hook, not the container set-up); and, as a random failure rarely
# lets an exec live long enough to reach drift's hook, the dropped binary
# is also exec'd with fail-nth = 1..48 (try_exec TRY_EXEC_FAIL_NTH: the
# Nth allocation of that execve fails, one allocation after the other),
# and bind --replace with fail-nth = 1..12 at its request to drift. Then
# drift's event thread (drift_events) alone, by its make-it-fail.
# No task with make-it-fail may touch the guest's root, the host's
# filesystem over 9p: when the allocation of a Tclunk request fails,
# p9_client_clunk frees the fid anyway while QEMU's 9p server still holds
# it; the client hands out that lowest free fid number again at once and
# the server refuses every Twalk to it with EINVAL, so every open of every
# task fails ("error while loading shared libraries: libc.so.6: cannot
# open shared object file: Invalid argument"; seen with kprobes on
# p9_client_clunk/p9_client_walk, without drift loaded), and the test
# would test 9p, not drift. The guest also has to run without TOMOYO
# (tests/vm/run-guest boots with lsm= without it): with no policy loaded
# it panics at a failed allocation in its exec check ("Kernel panic - not
# syncing: MAC Initialization failed.", tomoyo_warn_oom). So driftctl and
# set_synth run from copies on this test's tmpfs (with the dynamic loader
# and their libraries, cwd there too), warmed up first, and the containers
# are on tmpfs anyway. Checked, with kprobe events armed during the
# injection only: no 9p request (p9_client_rpc, _read_once, _write,
# _readdir) from a task under injection, no task left with make-it-fail
# afterwards, and where the failures went (kretprobes on should_failslab
# and should_fail_alloc_page, histograms of the failing stacks, saved in
# $DRIFT_RESULTS/s03-traces.txt): at least one with a drift netlink
# handler and one with drift's exec path (drift_decide) on the stack, else
# the test did not test drift.
# Every failure must be an error to the caller (exit 1 of driftctl /
# set_synth with the kernel's errno, or a command that could not even
# start: exit 125-127), a count, or a deny: an enforced container's
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

# The commands under injection, from this test's tmpfs: the dynamic loader
# (run explicitly, with --library-path: no /etc/ld.so.cache, no library
# search on 9p), driftctl, set_synth, their libraries, the shim.
RT=$W/rt
mkdir -p "$RT"
ldso=$(ldd "$DRIFTCTL" | awk '$1 ~ /^\// { print $1; exit }')
[ -n "$ldso" ] || fail "no dynamic loader in ldd $DRIFTCTL"
cp "$ldso" "$RT/s03-ld.so" || fail "copy $ldso"
for b in "$DRIFTCTL" "$SYNTH" "$TOOLS/fail_on_send.so"; do
	[ -e "$b" ] || fail "$b not built"
	cp "$b" "$RT/" || fail "copy $b"
	for l in $(ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
		[ -e "$RT/${l##*/}" ] || cp "$l" "$RT/" || fail "copy $l"
	done
done
RT_RUN=("$RT/s03-ld.so" --library-path "$RT")
# failing CMD ARGS: CMD (driftctl or set_synth, from $RT) with its
# allocations failing from its second netlink send on, drift's first
# request (task filter; the first, the family look-up, is not drift's);
# with the stack-trace filter every task is eligible anyway. FAIL_NTH=N:
# instead, the Nth allocation from there on fails (fail-nth)
failing() {
	local cmd=$1
	shift
	if [ "${FAIL_NTH:-0}" != 0 ]; then
		(cd "$RT" && FAIL_ON_SEND_AFTER=1 FAIL_ON_SEND_NTH=$FAIL_NTH exec "${RT_RUN[@]}" --preload "$RT/fail_on_send.so" "$RT/${cmd##*/}" "$@")
	else
		(cd "$RT" && FAIL_ON_SEND_AFTER=1 exec "${RT_RUN[@]}" --preload "$RT/fail_on_send.so" "$RT/${cmd##*/}" "$@")
	fi
}
# warm-up without injection: every path these commands look up is in the
# dcache before the first one runs with make-it-fail
"${RT_RUN[@]}" --preload "$RT/fail_on_send.so" "$RT/driftctl" --json status >/dev/null 2>&1 ||
	fail "driftctl from $RT: $("${RT_RUN[@]}" "$RT/driftctl" --json status 2>&1)"
"${RT_RUN[@]}" --preload "$RT/fail_on_send.so" "$RT/set_synth" s03-warm 1 >/dev/null 2>&1 || fail "set_synth from $RT"
dctl set del s03-warm >/dev/null
(cd "$RT" && "${RT_RUN[@]}" "$RT/driftctl" set load img2 --no-hash --from-dir "$IMG" >/dev/null) ||
	fail "driftctl set load from $RT"
grep -q 1 /proc/self/make-it-fail && fail "the test itself has make-it-fail"

# TOMOYO without a policy (Debian's kernels enable it) panics at the first
# failed allocation in its exec check; tests/vm/run-guest boots without it
lsmf=/sys/kernel/security/lsm
[ -e "$lsmf" ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
case ,$(cat "$lsmf" 2>/dev/null), in
*,tomoyo,*) fail "TOMOYO is active ($lsmf): a failed allocation in its exec check panics the kernel (tomoyo_warn_oom); boot with lsm= without it, as tests/vm/run-guest does" ;;
esac

# Kprobe events: which allocations failed (histograms of the stacks of
# should_failslab and should_fail_alloc_page returning a failure) and
# which tasks made 9p requests (by comm: the commands under injection run
# as s03-ld.so, try_exec, dropped and nop).
TR=/sys/kernel/tracing
[ -e "$TR/kprobe_events" ] || mount -t tracefs nodev "$TR" 2>/dev/null
[ -w "$TR/kprobe_events" ] || fail "no kprobe events in $TR: cannot tell where the failures were injected"
EV=$TR/events/s03
P9_FUNCS="p9_client_rpc p9_client_read_once p9_client_write p9_client_readdir"
# small maps: every element is preallocated, and freeing 8192 of them
# (trigger removal) under DEBUG_OBJECTS on a loaded TCG guest soft-locked
# a CPU for 23 s (softlockup_panic)
HIST_FAIL='hist:keys=stacktrace:vals=hitcount:size=512 if ret != 0'
HIST_COMM='hist:keys=comm:vals=hitcount:size=128'
trace_off() {
	local e
	for e in fslab fpage; do echo "!$HIST_FAIL" >"$EV/$e/trigger"; done
	for e in $P9_FUNCS; do echo "!$HIST_COMM" >"$EV/$e/trigger"; done
	echo 0 >"$EV/enable"
	for e in fslab fpage $P9_FUNCS; do echo "-:s03/$e" >>"$TR/kprobe_events"; done
	return 0
} 2>/dev/null
cleanup_add trace_off
kev() { echo "$1" >>"$TR/kprobe_events" || fail "kprobe event '$1': $(tail -n 3 "$TR/error_log" 2>/dev/null)"; }
kev 'r:s03/fslab should_failslab ret=$retval:s32'
kev 'r:s03/fpage should_fail_alloc_page ret=$retval:u8'
for f in $P9_FUNCS; do kev "p:s03/$f $f comm=\$comm:string"; done
# the kretprobes see every allocation: armed only while failures are injected
trace_on() {
	local e
	for e in fslab fpage; do
		echo "$HIST_FAIL" >"$EV/$e/trigger" || fail "hist trigger on s03/$e: $(tail -n 3 "$TR/error_log")"
	done
	for e in $P9_FUNCS; do
		echo "$HIST_COMM" >"$EV/$e/trigger" || fail "hist trigger on s03/$e: $(tail -n 3 "$TR/error_log")"
	done
	echo 1 >"$EV/enable"
}

rc_ok() { # RC WHAT: 0 ok, 1 refused by the kernel, 125-127 could not start
	case $1 in
	0) ok=$((ok + 1)) ;;
	1) err=$((err + 1)) ;;
	125 | 126 | 127 | 2) nostart=$((nostart + 1)) ;;
	*) fail "$2 exited $1: $(cat "$W/err")" ;;
	esac
}
# execs in container $1 through try_exec, one line per exec: "dropped|nop
# RC [ERRNO]" (try_exec's stdout: the errno name; its message on stderr,
# e.g. E2BIG when execve could not copy the arguments, is dropped). The
# dropped binary and an image binary with make-it-fail set just before
# execve (random failures, STRESS_FAULT_PERCENT), then the dropped binary
# with fail-nth = 1..48 (systematic: the Nth allocation of its execve
# fails, so every allocation of the exec path up to drift's hook and in it
# fails once; at 10% few execs would live long enough to reach drift's).
CT_EXECS='i=0; while [ $i -lt 4 ]; do i=$((i + 1))
o=$(TRY_EXEC_MAKE_IT_FAIL=1 /bin/try_exec /tmp/dropped 2>/dev/null); echo "dropped $? $o"
o=$(TRY_EXEC_MAKE_IT_FAIL=1 /bin/try_exec /bin/nop 2>/dev/null); echo "nop $? $o"
done
i=0; while [ $i -lt 48 ]; do i=$((i + 1))
o=$(TRY_EXEC_FAIL_NTH=$i /bin/try_exec /tmp/dropped 2>/dev/null); echo "dropped $? $o"
done'

mon_start "$W/ev" "" $((SECS + 30))
den0=$(stat_binding f1 execs_denied)
log "set-up done after ${SECONDS}s; injecting"
trace_on
inject "$pct"
end=$(deadline "$SECS")
ok=0 err=0 nostart=0 binds=0 bindfail=0 nopdeny=0 denied=0 dumps=0 n=0 othererr=0 dropped_execs=0
while before "$end" || [ "$n" = 0 ]; do
	n=$((n + 1))
	# --chunk 40: SET_ADD messages under NLMSG_GOODSIZE; a larger one is
	# vmalloc'd by netlink_sendmsg, whose injected failure warns with a
	# "Call Trace:" (warn_alloc) that fails the kernel-log check
	rc=0; failing "$SYNTH" img $((RANDOM % 3000 + ${#IMG_FILES[@]})) --chunk 40 "${IMG_FILES[@]}" >/dev/null 2>"$W/err" || rc=$?
	rc_ok "$rc" set_synth
	rc=0; failing "$DRIFTCTL" set load img2 --no-hash --from-dir "$IMG" >/dev/null 2>"$W/err" || rc=$?
	rc_ok "$rc" "driftctl set load"
	# bind --replace: at random, then with fail-nth 1..12 at drift's
	# request (systematic: its allocations, drift_nl_bind's included, fail
	# one after the other)
	for nth in 0 1 2 3 4 5 6 7 8 9 10 11 12; do
		s=$([ $(((n + nth) % 2)) = 0 ] && echo img || echo img2)
		rc=0; FAIL_NTH=$nth failing "$DRIFTCTL" bind "$(ct_cg f2)" "$s" --mode enforce --name f2 --replace >/dev/null 2>"$W/err" || rc=$?
		case $rc in 0) binds=$((binds + 1)) ;; 1) bindfail=$((bindfail + 1)) ;; 125 | 126 | 127 | 2) nostart=$((nostart + 1)) ;; *) fail "bind --replace exited $rc: $(cat "$W/err")" ;; esac
	done
	for c in f1 f2; do
		out=$(ct_sh "$c" "$CT_EXECS" 2>"$W/ct.err") || fail "exec loop in $c: $out $(cat "$W/ct.err")"
		while read -r what rc e; do
			case $what in
			dropped)
				dropped_execs=$((dropped_execs + 1))
				# the dropped binary (nop + 1 byte) exits 0 silently when it runs
				[ "$rc" != 0 ] || fail "WRONG ALLOW under fault injection: /tmp/dropped ran in $c (after $(injected) injected failures)"
				if [ "$e" = EACCES ]; then denied=$((denied + 1)); else othererr=$((othererr + 1)); fi
				;;
			nop) [ "$rc" = 0 ] || nopdeny=$((nopdeny + 1)) ;;
			*) fail "exec loop in $c: unexpected line '$what $rc $e' ($(cat "$W/ct.err"))" ;;
			esac
		done <<<"$out"
	done
	failing "$DRIFTCTL" --json status >/dev/null 2>&1 && dumps=$((dumps + 1))
	failing "$DRIFTCTL" --json sets >/dev/null 2>&1 && dumps=$((dumps + 1))
	failing "$DRIFTCTL" --json bindings >/dev/null 2>&1 && dumps=$((dumps + 1))
done
for d in "$FS" "$FP"; do echo 0 >"$d/probability"; done
nfail=$(injected) # before inject resets the counters
inject 0
echo 0 >"$EV/enable"
mon_stop
res=${DRIFT_RESULTS:-$W}
for e in fslab fpage $P9_FUNCS; do echo "== $e"; cat "$EV/$e/hist"; done >"$res/s03-traces.txt"
log "injection over after ${SECONDS}s: $n rounds, $nfail allocation failures injected: set loads ok $ok / refused $err; binds ok $binds / refused $bindfail; commands that could not start $nostart; dropped binary exec'd $dropped_execs times: denied $denied, failed otherwise (ENOMEM...) $othererr, never run; image binary failed $nopdeny; dumps answered $dumps"
assert_ge "allocation failures injected" 1 "$nfail"
assert_ge "set loads or binds refused with an error" 1 $((err + bindfail))

# nothing under injection touched 9p, nothing kept make-it-fail
left=
for f in /proc/[0-9]*/make-it-fail; do
	v=
	read -r v <"$f" 2>/dev/null || continue
	[ "$v" = 0 ] || { p=${f#/proc/}; left="$left ${p%%/*}($(cat "/proc/${p%%/*}/comm" 2>/dev/null))"; }
done
[ -z "$left" ] || fail "tasks left with make-it-fail:$left"
log "ok: no task left with make-it-fail"
p9=$(for e in $P9_FUNCS; do cat "$EV/$e/hist"; done | grep -E '^\{ comm:')
bad=$(printf '%s\n' "$p9" | grep -E '\{ comm: *(s03-ld\.so|try_exec|dropped|nop) *\}')
[ -z "$bad" ] || fail "9p requests from tasks under injection: $bad"
log "ok: no 9p request from a task under injection (9p requests during the injection, by task: $(printf '%s' "$p9" | sed -E 's/\{ comm: *([^ }]*) *\} *hitcount: *([0-9]+)/\1=\2/' | tr '\n' ' '))"
# the failing stacks: with a drift netlink handler (drift_nl_*), with
# drift's exec/mmap path (drift_decide), with drift elsewhere
read -r f_all f_nl f_exec f_other < <(awk '
	/^\{ stacktrace:/ { inb = 1; nl = 0; ex = 0; dr = 0; next }
	inb && /drift_nl_/ { nl = 1 }
	inb && /drift_decide/ { ex = 1 }
	inb && /\[drift\]/ { dr = 1 }
	inb && /^\} hitcount:/ { inb = 0; n = $3; all += n
		if (nl) fnl += n; else if (ex) fex += n; else if (dr) fo += n }
	END { print all + 0, fnl + 0, fex + 0, fo + 0 }' "$EV/fslab/hist" "$EV/fpage/hist")
log "failing stacks: $f_all in all, $f_nl in drift's netlink handlers, $f_exec in drift_decide, $f_other elsewhere in drift (slab: $(grep -E 'Hits|Entries|Dropped' "$EV/fslab/hist" | tr -s ' \n' ' '); pages: $(grep -E 'Hits|Entries|Dropped' "$EV/fpage/hist" | tr -s ' \n' ' '))"
trace_off
if [ -z "$stackfilter" ]; then
	assert_ge "failures injected into drift's netlink handlers" 1 "$f_nl"
	assert_ge "failures injected into drift's exec path (drift_decide)" 1 "$f_exec"
fi

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

# The event thread (drift_events) under injection: its allocations (the
# message, the multicast's clones) fail, at 100 % and then at 50 %. Every
# event handed to it (f1's events_sent) is either received by a listener
# (global events_sent) or counted dropped (global events_dropped); none is
# lost uncounted, none leaks (kmemleak), and enforcement does not care.
evpid=
for f in /proc/[0-9]*/comm; do
	[ "$(cat "$f" 2>/dev/null)" = drift_events ] && { evpid=${f#/proc/}; evpid=${evpid%%/*}; break; }
done
[ -n "$evpid" ] || fail "no drift_events kernel thread"
ev_drained() { # Q0 S0 D0: every event f1 handed over since is sent or dropped
	local q s d
	q=$(stat_binding f1 events_sent)
	s=$(stat_global events_sent)
	d=$(stat_global events_dropped)
	[ $((s - $2 + d - $3)) -ge $((q - $1)) ]
}
ev_phase() { # PERCENT
	local q0 s0 d0 q1 s1 d1 got i
	mon_start "$W/ev2" "" 60
	q0=$(stat_binding f1 events_sent)
	s0=$(stat_global events_sent)
	d0=$(stat_global events_dropped)
	inject "$1"
	echo 1 >"/proc/$evpid/make-it-fail"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		o=$(ct_run f1 /bin/try_exec /tmp/dropped 2>/dev/null)
		[ "$o" = EACCES ] || fail "under event-thread injection: /tmp/dropped gave '$o', not EACCES"
	done
	# the thread has drained the queue: handed = sent + dropped
	wait_for 30 ev_drained "$q0" "$s0" "$d0" ||
		fail "the event thread did not account for every event"
	echo 0 >"/proc/$evpid/make-it-fail"
	nfail=$(injected)
	inject 0
	sleep 1
	mon_stop
	q1=$(stat_binding f1 events_sent)
	s1=$(stat_global events_sent)
	d1=$(stat_global events_dropped)
	got=$(ev_count "$W/ev2" binding=f1)
	log "event thread, $1 % failing ($nfail allocation failures injected): handed $((q1 - q0)), sent $((s1 - s0)), dropped $((d1 - d0)), received $got"
	assert_ge "events handed to the thread" 10 $((q1 - q0))
	assert_eq "handed = sent + dropped" $((q1 - q0)) $((s1 - s0 + d1 - d0))
	assert_eq "received = sent" $((s1 - s0)) "$got"
	if [ "$1" = 100 ]; then
		assert_eq "nothing sent while every allocation fails" 0 $((s1 - s0))
		assert_ge "allocation failures injected into the thread" 1 "$nfail"
	fi
}
ev_phase 100
ev_phase 50
# and it sends again
mon_start "$W/ev3" 1 20
expect_exec f1 EACCES /tmp/dropped
mon_wait || true
assert_eq "an event received after the injection" 1 "$(ev_count "$W/ev3" binding=f1)"
log "ok: the event thread under fault injection: every event sent or counted dropped"
drift_unload || fail "rmmod after fault injection: $(rmmod drift 2>&1)"
pass
