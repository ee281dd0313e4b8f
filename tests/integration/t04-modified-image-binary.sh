#!/bin/bash
# An image binary whose content is changed inside the container (copy-up
# with new content) fails with EACCES, reason "modified"; the untouched
# image binaries still run.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
expect_exec c1 ok /bin/nop
ct_sh c1 'echo x >>/bin/nop' || fail "append in container"
[ -f "$(ct_upper c1)/bin/nop" ] || fail "no copy-up of /bin/nop"
mon_start "$W/ev" 2 4
expect_exec c1 EACCES /bin/nop
mon_wait
ev_show "$W/ev"
assert_eq "number of events" 1 "$(ev_count "$W/ev")"
assert_eq "modified event" 1 "$(ev_count "$W/ev" path=/bin/nop reason=modified action=deny)"
expect_exec c1 ok /bin/nop2
pass
