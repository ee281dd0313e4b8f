#!/bin/bash
# fexecve() of a memfd holding an image binary's bytes fails with EACCES,
# reason "fileless"; in audit mode it runs and is reported.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
mon_start "$W/ev" 2 4
out=$(ct_run c1 /bin/memfd_exec /bin/nop 2>/dev/null); rc=$?
assert_eq "memfd exec rc" 126 "$rc"
assert_eq "memfd exec errno" EACCES "$out"
mon_wait
ev_show "$W/ev"
assert_eq "number of events" 1 "$(ev_count "$W/ev")"
assert_eq "event reason" fileless "$(ev_field "$W/ev" 1 reason)"
assert_eq "event action" deny "$(ev_field "$W/ev" 1 action)"
assert_match "event path" '^/memfd:drift-test' "$(ev_field "$W/ev" 1 path)"
assert_eq "event comm" memfd_exec "$(ev_field "$W/ev" 1 comm)"

dctl mode "$(ct_cg c1)" audit >/dev/null
mon_start "$W/ev2" 2 4
out=$(ct_run c1 /bin/memfd_exec /bin/nop 2>&1); rc=$?
assert_eq "memfd exec rc in audit mode" 0 "$rc"
mon_wait
assert_eq "audit fileless event" 1 "$(ev_count "$W/ev2" reason=fileless action=audit)"
pass
