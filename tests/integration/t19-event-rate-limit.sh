#!/bin/bash
# Events are rate limited per binding; what the limit drops is counted
# (events_suppressed) and reported on the next event, never lost silently:
# sent + suppressed + dropped = denied.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp"
dctl default --event-rate 1 --event-burst 3 >/dev/null
assert_eq "event_rate" 1 "$(status_field event_rate)"
assert_eq "event_burst" 3 "$(status_field event_burst)"
mon_start "$W/ev" "" 6
out=$(ct_run c1 /bin/exec_loop -n 60 -e eacces /tmp/copy) || fail "exec_loop: $out"
echo "$out"
sleep 2.5
expect_exec c1 EACCES /tmp/copy
mon_wait
sent=$(stat_binding c1 events_sent)
supp=$(stat_binding c1 events_suppressed)
drop=$(stat_binding c1 events_dropped)
den=$(stat_binding c1 execs_denied)
log "denied=$den sent=$sent suppressed=$supp dropped=$drop"
assert_eq "denied" 61 "$den"
assert_eq "sent + suppressed + dropped" "$den" $((sent + supp + drop))
n=$(ev_count "$W/ev")
assert_eq "events received = events_sent" "$sent" "$n"
[ "$n" -ge 3 ] && [ "$n" -le 12 ] || fail "expected 3..12 events (burst 3, 1/s), got $n"
total=$("$PY" -c 'import json,sys; print(sum(json.loads(l).get("suppressed",0) for l in open(sys.argv[1]) if l.strip()))' "$W/ev")
assert_eq "sum of suppressed fields of the events" "$supp" "$total"
pass
