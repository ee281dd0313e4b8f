#!/bin/bash
# Enforce mode: a binary copied into the container (upper layer) fails with
# EACCES and produces exactly one not_in_image event with the right fields.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce web
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp in container"
[ -f "$(ct_upper c1)/tmp/copy" ] || fail "the copy is not on the upper layer"
d0=$(stat_binding c1 execs_denied)
s0=$(stat_binding c1 events_sent)

t_start=$(date +%s%N)
# the first event, however long a loaded guest takes (exactly one was sent:
# the events_sent delta below)
mon_start "$W/ev" 1 30
ct_spawn c1 "$W/out" /bin/try_exec /tmp/copy
pid=$CT_PID
ppid=$(awk '{print $4}' "/proc/$pid/stat")
ct_release
rc=0; ct_wait || rc=$?
assert_eq "exit code of try_exec /tmp/copy" 126 "$rc"
assert_eq "errno" EACCES "$(head -n1 "$W/out")"
mon_wait
ev_show "$W/ev"
assert_eq "number of events" 1 "$(ev_count "$W/ev")"
assert_eq "event pid (initial pid ns)" "$pid" "$(ev_field "$W/ev" 1 pid)"
assert_eq "event ppid" "$ppid" "$(ev_field "$W/ev" 1 ppid)"
assert_eq "event uid" 0 "$(ev_field "$W/ev" 1 uid)"
assert_eq "event comm" try_exec "$(ev_field "$W/ev" 1 comm)"
assert_eq "event path (container view)" /tmp/copy "$(ev_field "$W/ev" 1 path)"
assert_eq "event binding" web "$(ev_field "$W/ev" 1 binding)"
assert_eq "event set" img "$(ev_field "$W/ev" 1 set)"
assert_eq "event cgroup_id" "$(ct_cgid c1)" "$(ev_field "$W/ev" 1 cgroup_id)"
assert_eq "event reason" not_in_image "$(ev_field "$W/ev" 1 reason)"
assert_eq "event action" deny "$(ev_field "$W/ev" 1 action)"
assert_eq "event mode" enforce "$(ev_field "$W/ev" 1 mode)"
assert_eq "event ino (real upper inode)" "$(stat -c %i "$(ct_upper c1)/tmp/copy")" "$(ev_field "$W/ev" 1 ino)"
assert_eq "event suppressed" 0 "$(ev_field "$W/ev" 1 suppressed)"
ts=$(ev_field "$W/ev" 1 time_ns)
t_end=$(date +%s%N)
[ "$ts" -ge "$t_start" ] && [ "$ts" -le "$t_end" ] || fail "event time_ns $ts not between $t_start and $t_end (CLOCK_REALTIME)"
log "ok: event time_ns within the exec's time window"
assert_eq "binding execs_denied delta" 1 $(( $(stat_binding c1 execs_denied) - d0 ))
assert_eq "binding events_sent delta" 1 $(( $(stat_binding c1 events_sent) - s0 ))
# the caller survives the denial and keeps running
out=$(ct_sh c1 '/bin/try_exec /tmp/copy; echo "still here $?"')
assert_eq "caller after denial" "EACCES
still here 126" "$out"
pass
