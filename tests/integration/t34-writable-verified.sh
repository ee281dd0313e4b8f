#!/bin/bash
# Write-while-verified. A copied-up image file (chmod: same content, new
# inode) is allowed after its content is verified. While its real (upper)
# file is writably mapped (MAP_SHARED, made before the exec, the fd already
# closed) it is never verified, nor served from the digest cache: the exec
# is denied with reason "writable". Once the mapping is gone it runs again.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
ct_sh c1 'chmod 700 /bin/nop2' || fail "chmod in the container"
expect_exec c1 ok /bin/nop2		# verified by content (and cached)
expect_exec c1 ok /bin/nop2
v0=$(stat_binding c1 execs_verified)
up=$(ct_upper c1)/bin/nop2
[ -f "$up" ] || fail "nop2 was not copied up"

"$PY" - "$up" "$W/mapped" <<'PY' &
import mmap, os, sys, time
f = open(sys.argv[1], "r+b")
m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
f.close()
open(sys.argv[2], "w").close()
time.sleep(60)
PY
mapper=$!
cleanup_add "kill $mapper"
wait_for 10 test -e "$W/mapped" || fail "the mapping was not made"
grep -q "nop2" "/proc/$mapper/maps" || fail "no mapping of nop2 in the mapper"
log "ok: $(grep nop2 "/proc/$mapper/maps" | head -n1)"

mon_start "$W/ev" 1 10
expect_exec c1 EACCES /bin/nop2
mon_wait || fail "no event: $(cat "$W/ev.err")"
ev_show "$W/ev"
assert_eq "event reason" writable "$(ev_field "$W/ev" 1 reason)"
assert_eq "event action" deny "$(ev_field "$W/ev" 1 action)"
assert_eq "verified unchanged while writable" "$v0" "$(stat_binding c1 execs_verified)"

kill "$mapper"; wait "$mapper" 2>/dev/null
expect_exec c1 ok /bin/nop2
pass
