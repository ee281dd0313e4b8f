#!/bin/bash
# A child (and grandchild) cgroup of a bound container inherits the
# binding; the event names the task's own cgroup and the parent binding.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce parent
mkdir -p "$(ct_cg c1)/sub/subsub" || fail "child cgroups"
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp"
mon_start "$W/ev" 3 4
CT_CG=$(ct_cg c1)/sub expect_exec c1 EACCES /tmp/copy
CT_CG=$(ct_cg c1)/sub/subsub expect_exec c1 EACCES /tmp/copy
CT_CG=$(ct_cg c1)/sub/subsub expect_exec c1 ok /bin/nop
mon_wait
ev_show "$W/ev"
assert_eq "number of events" 2 "$(ev_count "$W/ev")"
assert_eq "child event" 1 "$(ev_count "$W/ev" cgroup_id="$(stat -c %i "$(ct_cg c1)/sub")" binding=parent action=deny)"
assert_eq "grandchild event" 1 "$(ev_count "$W/ev" cgroup_id="$(stat -c %i "$(ct_cg c1)/sub/subsub")" binding=parent action=deny)"
pass
