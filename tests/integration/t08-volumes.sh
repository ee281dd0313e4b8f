#!/bin/bash
# Binaries on volumes (a tmpfs mounted into the container, and /dev/shm)
# fail with EACCES, reason not_in_image, path as the container sees it.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
r=$(ct_root c1)
mkdir -p "$W/vol" && mount -t tmpfs vol "$W/vol" && mount --bind "$W/vol" "$r/vol" || fail "volume mount"
mkdir -p "$r/dev/shm" && mount -t tmpfs shm "$r/dev/shm" || fail "shm mount"
ct_sh c1 'cp /bin/nop /vol/tool && echo >>/vol/tool && cp /bin/nop /dev/shm/x && echo >>/dev/shm/x' || fail "copy to volumes"
mon_start "$W/ev" 3 4
expect_exec c1 EACCES /vol/tool
expect_exec c1 EACCES /dev/shm/x
mon_wait
ev_show "$W/ev"
assert_eq "number of events" 2 "$(ev_count "$W/ev")"
assert_eq "volume event" 1 "$(ev_count "$W/ev" path=/vol/tool reason=not_in_image action=deny)"
assert_eq "shm event" 1 "$(ev_count "$W/ev" path=/dev/shm/x reason=not_in_image action=deny)"
pass
