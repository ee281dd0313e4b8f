#!/bin/bash
# chmod / chown / touch of image binaries inside the container copy them up
# (no metacopy) but keep the content: they still run (verified by content),
# with no event.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
v0=$(stat_binding c1 execs_verified)
ct_sh c1 'chmod 700 /bin/nop && chown 1:1 /bin/nop2 && touch /bin/try_exec' || fail "chmod in container"
for f in nop nop2 try_exec; do
	[ -f "$(ct_upper c1)/bin/$f" ] || fail "no copy-up of /bin/$f"
done
mon_start "$W/ev" 1 3
expect_exec c1 ok /bin/nop
expect_exec c1 ok /bin/nop2
mon_wait
assert_eq "events" 0 "$(ev_count "$W/ev")"
assert_ge "binding execs_verified delta" 3 $(( $(stat_binding c1 execs_verified) - v0 ))
assert_eq "binding execs_denied" 0 "$(stat_binding c1 execs_denied)"
pass
