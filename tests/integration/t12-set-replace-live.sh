#!/bin/bash
# Replacing a set (commit of the same name) takes effect at once for every
# binding that uses it; an exec loop of a binary present in every version
# of the set sees no wrong verdict meanwhile (no empty/half-loaded window).
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
ct_create c2
# the set without /bin/nop
find "$IMG" -type f -perm -u+x ! -path "$IMG/bin/nop" >"$W/list-without-nop"
find "$IMG" -type f -perm -u+x >"$W/list-full"
dctl set load img --from-list "$W/list-full" >/dev/null
bind c1 img enforce
bind c2 img enforce
expect_exec c1 ok /bin/nop
ct_spawn c1 "$W/loop" /bin/exec_loop -t 600 -e ok /bin/nop2
loop_pid=$CT_PID
ct_release
for i in 1 2 3 4; do
	dctl set load img --from-list "$W/list-without-nop" >/dev/null
	expect_exec c1 EACCES /bin/nop
	expect_exec c2 EACCES /bin/nop
	dctl set load img --from-list "$W/list-full" >/dev/null
	expect_exec c1 ok /bin/nop
	expect_exec c2 ok /bin/nop
done
# a bigger replacement (3000 more files: several SET_ADD chunks) while the
# loop runs
mkdir -p "$W/extra"
for i in $(seq 1 3000); do echo "#$i" >"$W/extra/f$i"; done
chmod 755 "$W"/extra/*
{ cat "$W/list-full"; find "$W/extra" -type f; } >"$W/list-big"
dctl set load img --from-list "$W/list-big" >/dev/null
expect_exec c2 ok /bin/nop
kill -TERM "$loop_pid"
rc=0; ct_wait || rc=$?
cat "$W/loop"
assert_eq "parallel loop exit code (1 = a wrong verdict)" 0 "$rc"
line=$(grep '^exec_loop:' "$W/loop")
assert_match "parallel loop ran" 'ok=[1-9]' "$line"
assert_match "parallel loop: no EACCES, no other" 'eacces=0 other=0' "$line"
pass
