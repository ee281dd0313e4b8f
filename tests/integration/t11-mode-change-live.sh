#!/bin/bash
# Mode changes take effect at once (the next exec after driftctl returns
# has the new verdict) while an exec loop of an image binary runs in
# parallel in the same container without a single wrong verdict.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp"
ct_spawn c1 "$W/loop" /bin/exec_loop -t 600 -e ok /bin/nop2
loop_pid=$CT_PID
ct_release
for i in 1 2 3 4 5 6; do
	dctl mode "$(ct_cg c1)" audit >/dev/null
	expect_exec c1 ok /tmp/copy
	dctl mode "$(ct_cg c1)" off >/dev/null
	expect_exec c1 ok /tmp/copy
	dctl mode "$(ct_cg c1)" enforce >/dev/null
	expect_exec c1 EACCES /tmp/copy
done
kill -TERM "$loop_pid"
rc=0; ct_wait || rc=$?
cat "$W/loop"
assert_eq "parallel loop exit code (1 = a wrong verdict)" 0 "$rc"
line=$(grep '^exec_loop:' "$W/loop")
assert_match "parallel loop ran" 'ok=[1-9]' "$line"
assert_match "parallel loop: no EACCES, no other" 'eacces=0 other=0' "$line"
pass
