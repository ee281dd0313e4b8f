#!/bin/bash
# A file cannot be written while drift verifies it. A copied-up image file
# (chmod: same content, new inode) is hashed before it may be mapped
# executable, and while it is hashed its writers are denied (ETXTBSY), as
# exec denies the writers of the file it runs. The first version checked for
# writers only before and after hashing: a writer that opened, wrote into a
# part already hashed and closed in between got the mapping allowed with its
# own bytes (this test then fails on "the write while it was hashed").
# A write before the decision is not refused: the modified file is denied
# ("modified"). After an allow in enforce the file stays write-denied while
# it is mapped (t29); once it is not, a write goes through and the next
# mapping is denied ("modified").
. "$(dirname "$0")/lib.sh"
DRIFT_TMPFS_SIZE=512m
t_init
img_create
# big enough that hashing it outlasts starting a writer in the container
BIG_MB=${BIG_MB:-96}
cp "$TOOLS/map_exec" "$IMG/bin/map_exec"
head -c $((BIG_MB << 20)) /dev/urandom >"$IMG/bin/big"
chmod 755 "$IMG/bin/big" "$IMG/bin/map_exec"
ct_create c1
set_load img "$IMG"
dctl bind "$(ct_cg c1)" img --mode enforce --lib-mode enforce --name c1 \
	--root "$(ct_root c1)" >/dev/null

ct_sh c1 'chmod 700 /bin/big' || fail "chmod in the container"
[ -f "$(ct_upper c1)/bin/big" ] || fail "big was not copied up"

# The mapping is decided while the container writes one byte at offset 0
# (read-write open, no truncation), as soon as drift has read the file's
# first chunk (inotify IN_ACCESS: drift's kernel_read() is the only read).
# The writer is a shell already running in the container, held until then.
ct_spawn c1 "$W/write.out" /bin/sh -c 'read _ </tmp/go; printf X 1<>/bin/big; echo "rc=$?"'
mkfifo "$(ct_root c1)/tmp/go"
ct_release
writer=$CT_JOB
"$PY" - "$(ct_root c1)/bin/big" "$(ct_root c1)/tmp/go" "$W/watching" <<'PY' &
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init1(0)
if fd < 0 or libc.inotify_add_watch(fd, sys.argv[1].encode(), 0x1) < 0:  # IN_ACCESS
    sys.exit("inotify: %s" % os.strerror(ctypes.get_errno()))
open(sys.argv[3], "w").close()
os.read(fd, 4096)
with open(sys.argv[2], "w") as go:
    go.write("go\n")
PY
watcher=$!
cleanup_add "kill $watcher $writer 2>/dev/null"
wait_for 30 test -e "$W/watching" || fail "the inotify watcher did not start"
h0=$(stat_global hashes)
t0=$(date +%s.%N)
ct_run c1 /bin/map_exec mmap /bin/big >"$W/map.out" 2>&1 &
mapper=$!
cleanup_add "kill $mapper 2>/dev/null"
wait "$writer"
t2=$(date +%s.%N)
kill -0 "$mapper" 2>/dev/null && during=1 || during=0
wait "$mapper"; mrc=$?
t3=$(date +%s.%N)
wrc=$(sed -n 's/^rc=//p' "$W/write.out")
assert_ge "files hashed" $((h0 + 1)) "$(stat_global hashes)"
log "$(awk -v a="$t0" -v c="$t2" -v d="$t3" 'BEGIN { printf "write done after %.2f s, mapping decided after %.2f s", c - a, d - a }')"
log "write rc $wrc ($(cat "$W/write.out")), mapping rc $mrc ($(cat "$W/map.out")), write ended while the mapping was decided: $during"
[ "$during" = 1 ] ||
	fail "the mapping was decided before the write ended: cannot tell (raise BIG_MB, now $BIG_MB)"
if [ "$wrc" = 0 ]; then
	fail "the write while it was hashed succeeded, and the mapping got: $(cat "$W/map.out")"
fi
assert_match "the write while it was hashed" "Text file busy" "$(cat "$W/write.out")"
assert_eq "the mapping (content verified)" ok "$(cat "$W/map.out")"

# the mapping's process has exited: once its write guard lapses (t29),
# writers are allowed again; the changed file is denied
write_x() { ct_sh c1 'printf X 1<>/bin/big' 2>/dev/null; }
wait_for 30 write_x || fail "a write after the mapping was gone: $(ct_sh c1 'printf X 1<>/bin/big' 2>&1)"
expect_map_denied c1 /bin/big modified
pass
