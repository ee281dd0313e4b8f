#!/bin/bash
# Counters move exactly: allowed, denied, audited, checked; events sent
# with a listener, dropped without one; global counters follow.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp"
# snap PREFIX: PREFIX_<counter>=value for each binding counter used here
snap() {
	local s v
	for s in execs_checked execs_allowed execs_denied execs_audited events_sent events_dropped; do
		v=$(stat_binding c1 $s)
		case $v in '' | *[!0-9]*) fail "binding counter $s unreadable: '$v'" ;; esac
		eval "$1_$s=$v"
	done
}
snap b
g_denied0=$(stat_global execs_denied)
g_checked0=$(stat_global execs_checked)
g_dropped0=$(stat_global events_dropped)
g_sent0=$(stat_global events_sent)
# /bin/sh + 3 x /bin/nop allowed; then 2 x (try_exec allowed + copy denied), no listener
ct_sh c1 '/bin/nop; /bin/nop; /bin/nop' || fail "nops"
expect_exec c1 EACCES /tmp/copy
expect_exec c1 EACCES /tmp/copy
sleep 0.5
snap a
assert_eq "execs_allowed delta" 6 $((a_execs_allowed - b_execs_allowed))
assert_eq "execs_denied delta" 2 $((a_execs_denied - b_execs_denied))
assert_eq "execs_checked delta" 8 $((a_execs_checked - b_execs_checked))
assert_eq "global events_dropped delta (no listener)" 2 $(( $(stat_global events_dropped) - g_dropped0 ))
assert_eq "global events_sent delta (no listener)" 0 $(( $(stat_global events_sent) - g_sent0 ))
assert_eq "events_dropped delta (no listener)" 2 $((a_events_dropped - b_events_dropped))
assert_eq "events_sent delta (no listener)" 0 $((a_events_sent - b_events_sent))
assert_ge "global execs_denied delta" 2 $(( $(stat_global execs_denied) - g_denied0 ))
assert_ge "global execs_checked delta" 8 $(( $(stat_global execs_checked) - g_checked0 ))
mon_start "$W/ev" 3 4
expect_exec c1 EACCES /tmp/copy
dctl mode "$(ct_cg c1)" audit >/dev/null
expect_exec c1 ok /tmp/copy
mon_wait
snap c
assert_eq "events received" 2 "$(ev_count "$W/ev")"
assert_eq "events_sent delta (listener)" 2 $((c_events_sent - a_events_sent))
assert_eq "execs_audited delta" 1 $((c_execs_audited - a_execs_audited))
assert_eq "execs_denied delta" 1 $((c_execs_denied - a_execs_denied))
pass
