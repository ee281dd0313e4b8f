#!/bin/bash
# rmmod is refused (EBUSY) while locked and enforcing; after unlock it
# succeeds at once, cleanly, while exec storms (allowed and denied execs,
# in containers and on the host) run; execs go on working after unload.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
ct_create c2
set_load img "$IMG"
bind c1 img enforce
bind c2 img enforce
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp"
dctl lock >/dev/null
assert_eq "status locked" 1 "$(status_field locked | tr -d '"' | sed 's/false/0/;s/true/1/')"
rc=0; out=$(rmmod drift 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "rmmod succeeded while locked"
assert_match "rmmod error while locked" 'in use|busy|Resource temporarily|EBUSY' "$out"
drift_loaded || fail "module gone"
expect_exec c1 EACCES /tmp/copy
dmesg_mark
dctl unlock >/dev/null
assert_eq "status locked" 0 "$(status_field locked | tr -d '"' | sed 's/false/0/;s/true/1/')"

# storms: denied execs (slow path) in c1, allowed in c2, ungoverned on the host
ct_spawn c1 "$W/s1" /bin/exec_loop -t 600 /tmp/copy
p1=$CT_PID j1=$CT_JOB
ct_release
ct_spawn c2 "$W/s2" /bin/exec_loop -t 600 -e ok /bin/nop
p2=$CT_PID j2=$CT_JOB
ct_release
"$TOOLS/exec_loop" -t 600 -e ok "$TOOLS/nop" >"$W/s3" 2>&1 &
p3=$!
sleep 2
rc=0; out=$(rmmod drift 2>&1) || rc=$?
assert_eq "rmmod under an exec storm (output: $out)" 0 "$rc"
drift_loaded && fail "module still loaded after rmmod"
sleep 1
kill -TERM "$p1" "$p2" "$p3"
wait "$j1" "$j2"; wait "$p3"; rc3=$?
cat "$W/s1" "$W/s2" "$W/s3"
l1=$(grep '^exec_loop:' "$W/s1")
assert_match "denied storm saw denials" 'eacces=[1-9]' "$l1"
assert_match "denied storm ran after unload" 'ok=[1-9]' "$l1"
assert_match "denied storm: no other errors" 'other=0' "$l1"
assert_match "allowed storm in c2" 'ok=[1-9][0-9]* eacces=0 other=0' "$(grep '^exec_loop:' "$W/s2")"
assert_match "host storm" 'ok=[1-9][0-9]* eacces=0 other=0' "$(grep '^exec_loop:' "$W/s3")"
assert_eq "host storm exit" 0 "$rc3"
expect_exec c1 ok /tmp/copy
dmesg_clean_since
# and it loads again
drift_load
assert_eq "selftest after reload" 1 "$(status_field selftest | tr -d '"' | sed 's/false/0/;s/true/1/')"
pass
