#!/bin/bash
# Exceptions the workload cannot steer. With /opt/tools/ excepted on a
# binding whose root was given at bind (--root), a dropped binary under
# /opt/tools/ runs, but the same path reached through a chroot
# ("chroot /tmp/x /opt/tools/miner", CAP_SYS_CHROOT is in every runtime's
# default set) or through a tmpfs mounted over /opt/tools (not on the
# root's filesystem: unreachable from it) is denied. A file exception stops
# matching when the file is rewritten in place (its ctime moves).
. "$(dirname "$0")/lib.sh"
t_init
img_create
ln -s busybox "$IMG/bin/chroot"
ct_create c1
set_load img "$IMG"
cg=$(ct_cg c1)
dctl bind "$cg" img --mode enforce --root "$(ct_root c1)" >/dev/null
dctl exception add "$cg" --path /opt/tools/ >/dev/null
ct_sh c1 'mkdir -p /opt/tools /tmp/x/opt/tools /tmp/x/bin &&
	cp /bin/nop /opt/tools/miner && echo >>/opt/tools/miner &&
	cp /opt/tools/miner /tmp/x/opt/tools/miner && chmod 755 /opt/tools/miner /tmp/x/opt/tools/miner' ||
	fail "set-up in the container"

expect_exec c1 ok /opt/tools/miner
expect_exec c1 EACCES /tmp/x/opt/tools/miner
d0=$(stat_binding c1 execs_denied)
out=$(ct_sh c1 'chroot /tmp/x /opt/tools/miner; echo "rc=$?"' 2>&1)
assert_match "chroot /tmp/x /opt/tools/miner" "Permission denied" "$out"
assert_match "chroot exit code" "rc=126" "$out"
assert_eq "denied counted" 1 $(( $(stat_binding c1 execs_denied) - d0 ))

# a tmpfs over /opt/tools: not beneath the root on its filesystem
out=$(ct_sh c1 'mount -t tmpfs t /opt/tools && cp /tmp/x/opt/tools/miner /opt/tools/m2 &&
	/opt/tools/m2; echo "rc=$?"' 2>&1)
assert_match "exec under a tmpfs mounted over /opt/tools" "rc=126" "$out"

# a file exception, then the file rewritten in place
ct_sh c1 'cp /bin/nop /tmp/tool && echo >>/tmp/tool && chmod 755 /tmp/tool' || fail "set-up"
expect_exec c1 EACCES /tmp/tool
dctl exception add "$cg" --file "$(ct_upper c1)/tmp/tool" >/dev/null
expect_exec c1 ok /tmp/tool
sleep 0.05	# a ctime tick apart on any timestamp granularity
ct_sh c1 'echo >>/tmp/tool' || fail "rewrite"
expect_exec c1 EACCES /tmp/tool

# The binding records the root, it does not hold it: with the container's
# processes gone, the runtime's (non-lazy) umount of the rootfs succeeds
# while the binding is still there.
out=$(umount "$(ct_root c1)" 2>&1) || fail "umount of a bound container's root: $out"
log "ok: umount of the root of a bound container succeeds"
d1=$(stat_binding c1 execs_denied)
[ -n "$d1" ] || fail "the binding went with the umount"

pass
