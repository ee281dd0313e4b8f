#!/bin/bash
# Audit mode: the copied binary runs, and one audit event is produced.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img audit
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp in container"
a0=$(stat_binding c1 execs_audited)
mon_start "$W/ev" 2 4
expect_exec c1 ok /tmp/copy
mon_wait
ev_show "$W/ev"
assert_eq "number of events" 1 "$(ev_count "$W/ev")"
assert_eq "audit event" 1 "$(ev_count "$W/ev" path=/tmp/copy reason=not_in_image action=audit mode=audit binding=c1)"
assert_eq "binding execs_audited delta" 1 $(( $(stat_binding c1 execs_audited) - a0 ))
assert_eq "binding execs_denied" 0 "$(stat_binding c1 execs_denied)"
pass
