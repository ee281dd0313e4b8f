#!/bin/bash
# Exceptions unblock: a file identity with its ctime (a rename moves the
# ctime: the file no longer matches), a path prefix ending in '/'
# (everything below that directory), a path prefix without '/' (that path
# or below, not a sibling with a longer name). Deleting them blocks again.
# Counted as excepted. A binding without a root refuses path exceptions.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
dctl bind "$(ct_cg c1)" img --mode enforce --root "$(ct_root c1)" >/dev/null
cg=$(ct_cg c1)
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy && mkdir -p /opt/tools /opt/toolsX && cp /bin/nop /opt/tools/x && echo >>/opt/tools/x && cp /bin/nop /opt/toolsX/y && echo >>/opt/toolsX/y' ||
	fail "set-up in container"
expect_exec c1 EACCES /tmp/copy
e0=$(stat_binding c1 execs_excepted)
dctl exception add "$cg" --file "$(ct_upper c1)/tmp/copy" >/dev/null
expect_exec c1 ok /tmp/copy
assert_eq "binding execs_excepted delta" 1 $(( $(stat_binding c1 execs_excepted) - e0 ))
ct_sh c1 'mv /tmp/copy /tmp/moved'
expect_exec c1 EACCES /tmp/moved
dctl_rc 1 exception add "$cg" --file "$(ct_upper c1)/tmp/moved"
dctl exception del "$cg" --file "$(ct_upper c1)/tmp/moved" >/dev/null
dctl exception add "$cg" --file "$(ct_upper c1)/tmp/moved" >/dev/null
expect_exec c1 ok /tmp/moved
dctl exception del "$cg" --file "$(ct_upper c1)/tmp/moved" >/dev/null
expect_exec c1 EACCES /tmp/moved
dctl_rc 5 exception del "$cg" --file "$(ct_upper c1)/tmp/moved"

expect_exec c1 EACCES /opt/tools/x
dctl exception add "$cg" --path /opt/tools/ >/dev/null
expect_exec c1 ok /opt/tools/x
expect_exec c1 EACCES /opt/toolsX/y
dctl exception del "$cg" --path /opt/tools/ >/dev/null
expect_exec c1 EACCES /opt/tools/x
dctl exception add "$cg" --path /opt/tools >/dev/null
expect_exec c1 ok /opt/tools/x
expect_exec c1 EACCES /opt/toolsX/y
dctl exception add "$cg" --path /opt/toolsX/y >/dev/null
expect_exec c1 ok /opt/toolsX/y
# without a root, no path exceptions (they could be steered by a chroot)
ct_create c2
dctl bind "$(ct_cg c2)" img --mode enforce >/dev/null	# no --root
out=$("$DRIFTCTL" exception add "$(ct_cg c2)" --path /opt/tools/ 2>&1) && fail "path exception without a root accepted"
assert_match "path exception without a root" "need the container's root" "$out"
n=$(binding_json c1 | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin).get("exceptions", [])))')
assert_eq "exceptions listed on the binding" 2 "$n"
pass
