#!/bin/bash
# Enforce mode: image binaries (and an image "#!" script with an image
# interpreter) run; every check is counted as allowed; no event.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
mon_start "$W/ev" "" 4

a0=$(stat_binding c1 execs_allowed)
d0=$(stat_binding c1 execs_denied)
expect_exec c1 ok /bin/nop
# two checked execs: /bin/try_exec (the container's command) and /bin/nop
assert_eq "binding execs_allowed delta" 2 $(( $(stat_binding c1 execs_allowed) - a0 ))
assert_eq "binding execs_denied delta" 0 $(( $(stat_binding c1 execs_denied) - d0 ))

out=$(ct_run c1 /bin/image-script)
assert_eq "image script output" image-script "$out"
out=$(ct_sh c1 'ls /bin/nop && echo done')
assert_eq "busybox applets" "/bin/nop
done" "$out"
mon_wait
assert_eq "events" 0 "$(ev_count "$W/ev")"
pass
