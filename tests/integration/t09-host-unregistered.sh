#!/bin/bash
# A host process and a process in an unregistered cgroup (a container that
# is not bound) are not affected; the bound container is, and only its
# execs count on its binding.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
ct_create c2
set_load img "$IMG"
bind c1 img enforce
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp in c1"
ct_sh c2 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp in c2"
expect_exec c1 EACCES /tmp/copy
c0=$(stat_binding c1 execs_checked)
u0=$(stat_global execs_ungoverned)
host_exec ok "$(ct_upper c1)/tmp/copy"
host_exec ok "$(ct_upper c2)/tmp/copy"
expect_exec c2 ok /tmp/copy
out=$(ct_run c2 /bin/memfd_exec /bin/nop 2>&1) || fail "memfd exec in unregistered c2: $out"
assert_eq "binding c1 execs_checked delta" 0 $(( $(stat_binding c1 execs_checked) - c0 ))
assert_ge "global execs_ungoverned delta" 5 $(( $(stat_global execs_ungoverned) - u0 ))
assert_eq "c2 has no binding" "" "$(binding_json c2)"
expect_exec c1 EACCES /tmp/copy
pass
