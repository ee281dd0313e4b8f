#!/bin/bash
# A dropped "#!" script fails with EACCES (its first binfmt pass); an image
# script whose interpreter was dropped fails on the interpreter pass.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
ct_sh c1 'printf "#!/bin/sh\necho dropped\n" >/tmp/s.sh && chmod 755 /tmp/s.sh && cp /bin/nop /tmp/interp && echo >>/tmp/interp' ||
	fail "writing the script"
# up to 3 events (a third would be one too many) within 12 s: the two
# execs take a few seconds on a loaded emulated guest
mon_start "$W/ev" 3 12
expect_exec c1 EACCES /tmp/s.sh
expect_exec c1 EACCES /bin/foreign-interp
mon_wait
ev_show "$W/ev"
assert_eq "number of events" 2 "$(ev_count "$W/ev")"
assert_eq "script event" 1 "$(ev_count "$W/ev" path=/tmp/s.sh reason=not_in_image action=deny)"
assert_eq "interpreter event" 1 "$(ev_count "$W/ev" path=/tmp/interp reason=not_in_image action=deny)"
pass
