#!/bin/bash
# `driftctl set load --from-dir` cannot be steered outside the directory:
# symlinks to host files and directories are never followed, a bind mount
# (same filesystem) or another filesystem mounted inside the image is not
# entered (the host files reachable through it are not allowed, even when
# the container gets them through a volume), and a tree past the depth
# limit is refused with a clear error rather than loaded partially.
. "$(dirname "$0")/lib.sh"
t_init
img_create
H=$W/hostdir			# "host" files: same tmpfs as the image
mkdir -p "$H" "$W/other"
cp "$TOOLS/nop" "$H/hostprog"
cp "$TOOLS/nop" "$W/other/otherprog"
chmod 755 "$H/hostprog" "$W/other/otherprog"
# hostile content in the image directory
ln -s "$H" "$IMG/opt/hostlink"
ln -s "$H/hostprog" "$IMG/bin/hostprog-link"
ln -s / "$IMG/opt/rootlink"
ln -s loop "$IMG/opt/loop"
mkdir -p "$IMG/opt/bound" "$IMG/opt/tmpfs"
mount --bind "$H" "$IMG/opt/bound" || fail "bind mount"
cleanup_add umount -l "$IMG/opt/bound"
mount -t tmpfs other "$IMG/opt/tmpfs" || fail "tmpfs mount"
cleanup_add umount -l "$IMG/opt/tmpfs"
cp "$TOOLS/nop" "$IMG/opt/tmpfs/tmpfsprog" && chmod 755 "$IMG/opt/tmpfs/tmpfsprog"

want=$(find "$IMG" -xdev -type f -perm /111 ! -path "$IMG/opt/bound/*" | wc -l)
out=$("$DRIFTCTL" set load img --from-dir "$IMG" 2>"$W/err") || fail "set load: $(cat "$W/err")"
cat "$W/err"
assert_match "warning for the bind mount" "opt/bound: another filesystem or a mount point" "$(cat "$W/err")"
assert_match "warning for the tmpfs" "opt/tmpfs: another filesystem or a mount point" "$(cat "$W/err")"
assert_match "loaded" "^set 'img' loaded: $want entries" "$out"

# a container whose image holds those mounts, and which gets the host
# directory as a volume: the host program is not allowed
ct_create c1
mkdir -p "$(ct_root c1)/vol"
mount --bind "$H" "$(ct_root c1)/vol" || fail "volume"
cleanup_add umount -l "$(ct_root c1)/vol"
bind c1 img enforce
expect_exec c1 ok /bin/nop
expect_exec c1 EACCES /vol/hostprog

# depth: more than 128 levels is refused, nothing is loaded
deep=$W/deep
mkdir -p "$deep"
cp "$TOOLS/nop" "$deep/top" && chmod 755 "$deep/top"
"$PY" -c '
import os, sys
p = sys.argv[1]
for i in range(140):
    p = os.path.join(p, "d")
    os.mkdir(p)
open(os.path.join(p, "x"), "w").close()
os.chmod(os.path.join(p, "x"), 0o755)' "$deep"
rc=0
"$DRIFTCTL" set load deep --from-dir "$deep" >"$W/out" 2>"$W/err" || rc=$?
cat "$W/err"
[ "$rc" != 0 ] || fail "a tree deeper than the limit was loaded"
assert_match "depth error" "nested deeper than 128 directory levels" "$(cat "$W/err")"
assert_match "nothing loaded" "nothing was loaded" "$(cat "$W/err")"
"$DRIFTCTL" --json sets | grep -q '"deep"' && fail "set 'deep' exists after a refused load"
pass
