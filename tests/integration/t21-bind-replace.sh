#!/bin/bash
# driftctl bind --replace (DRIFT_CMD_BIND with NLM_F_REPLACE) replaces set,
# mode and name of an existing binding atomically and keeps its counters
# and exceptions; without --replace a second bind is EEXIST (exit 1).
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
find "$IMG" -type f -perm -u+x ! -path "$IMG/bin/nop" >"$W/list"
dctl set load img2 --from-list "$W/list" >/dev/null
bind c1 img audit first
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp"
expect_exec c1 ok /tmp/copy
dctl exception add "$(ct_cg c1)" --path /opt/ >/dev/null
a0=$(stat_binding c1 execs_audited)
assert_eq "audited before replace" 1 "$a0"
dctl_rc 1 bind "$(ct_cg c1)" img2 --mode enforce --name second
dctl bind "$(ct_cg c1)" img2 --mode enforce --name second --replace >/dev/null
b=$(binding_json c1)
echo "    $b"
assert_eq "name after replace" second "$(echo "$b" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["name"])')"
assert_eq "set after replace" img2 "$(echo "$b" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["set"])')"
assert_eq "mode after replace" enforce "$(echo "$b" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["mode"])')"
assert_eq "exceptions kept" 1 "$(echo "$b" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["exceptions"]))')"
assert_eq "counters kept" 1 "$(stat_binding c1 execs_audited)"
expect_exec c1 EACCES /tmp/copy
expect_exec c1 EACCES /bin/nop
expect_exec c1 ok /bin/nop2
pass
