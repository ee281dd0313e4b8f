#!/bin/bash
# A container whose root is a plain directory (no overlay): an image file
# rewritten in place (same inode, new content) is denied as "modified";
# touching one (new ctime, same content) still runs.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create p1 --plain
r=$(ct_root p1)
set_load plain "$r"
bind p1 plain enforce
expect_exec p1 ok /bin/nop
ino=$(stat -c %i "$r/bin/nop")
ct_sh p1 'echo x >>/bin/nop' || fail "rewrite in place"
assert_eq "same inode after the rewrite" "$ino" "$(stat -c %i "$r/bin/nop")"
sleep 0.1
mon_start "$W/ev" 2 4
expect_exec p1 EACCES /bin/nop
mon_wait
ev_show "$W/ev"
assert_eq "number of events" 1 "$(ev_count "$W/ev")"
assert_eq "modified event" 1 "$(ev_count "$W/ev" path=/bin/nop reason=modified action=deny)"
ct_sh p1 'touch /bin/nop2' || fail "touch"
sleep 0.1
expect_exec p1 ok /bin/nop2
pass
