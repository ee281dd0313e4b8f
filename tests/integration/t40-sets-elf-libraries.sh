#!/bin/bash
# Sets hold what can be mapped executable: a realistic image assembled from
# the Debian files of bash, coreutils, python3 (with its C extension modules
# in lib-dynload), libc and ld.so. `driftctl set load --from-dir` includes
# every file with an execute bit (as before) plus every ELF file without
# one (0644 shared libraries, extension modules), and says how many of
# those it flagged map-only. Prints the entry count and kernel memory of
# the set before (executables only, loaded from a list) and after.
DRIFT_TMPFS_SIZE=512m
. "$(dirname "$0")/lib.sh"
t_init

rimg=$W/rimg
mkdir -p "$rimg"
pkgs="bash coreutils libc6 libpython3.11-minimal libpython3.11-stdlib
	python3.11-minimal python3.11 python3 libssl3 zlib1g libffi8 libexpat1 libbz2-1.0
	liblzma5 libsqlite3-0 libreadline8 libtinfo6 libncursesw6 libuuid1
	libselinux1 libacl1 libattr1 libgmp10 libcrypt1 libpcre2-8-0 libzstd1"
have=""
for p in $pkgs; do
	if dpkg -L "$p" >/dev/null 2>&1; then have="$have $p"; fi
done
# copy each file at its canonical path (/bin -> usr/bin on merged-/usr
# hosts), symlinks as symlinks; then the merged-/usr links themselves
for p in $have; do dpkg -L "$p"; done | "$PY" -c '
import os, shutil, stat, sys
dest = sys.argv[1]
seen = set()
for line in sys.stdin:
    f = line.rstrip("\n")
    if not f.startswith("/"):
        continue
    try:
        st = os.lstat(f)
    except OSError:
        continue
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
        continue
    c = os.path.join(os.path.realpath(os.path.dirname(f)), os.path.basename(f))
    if c in seen:
        continue
    seen.add(c)
    t = dest + c
    os.makedirs(os.path.dirname(t), exist_ok=True)
    if os.path.lexists(t):
        continue
    shutil.copy2(c, t, follow_symlinks=False)
for d in ("bin", "sbin", "lib", "lib64"):
    if os.path.islink("/" + d) and not os.path.lexists(os.path.join(dest, d)):
        os.symlink(os.readlink("/" + d), os.path.join(dest, d))
' "$rimg" || fail "assembling the image"
log "image from packages:$have"
# the test probes, and /bin/sh for the container entry
for t in try_exec nop; do cp "$TOOLS/$t" "$rimg/usr/bin/$t"; done
mkdir -p "$rimg/tmp" "$rimg/proc"
chmod 1777 "$rimg/tmp"
[ -e "$rimg/usr/bin/sh" ] || ln -s bash "$rimg/usr/bin/sh"
ls "$rimg"/usr/lib/python3*/lib-dynload/*.so >/dev/null 2>&1 ||
	skip "python3 C extension modules not installed on the host"

# what the sets must hold, computed here independently of driftctl
read -r nreg nexec nelf ndyn <<<"$("$PY" - "$rimg" "$W/exec.list" <<'PY'
import os, stat, sys
root, listf = sys.argv[1], sys.argv[2]
nreg = nelf = ndyn = 0
execs = []
for d, dirs, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        st = os.lstat(p)
        if not stat.S_ISREG(st.st_mode):
            continue
        nreg += 1
        if st.st_mode & 0o111:
            execs.append(p)
            continue
        with open(p, "rb") as fh:
            if fh.read(4) == b"\x7fELF":
                nelf += 1
                ndyn += "/lib-dynload/" in p
with open(listf, "w") as fh:
    fh.write("".join(x + "\n" for x in execs))
print(nreg, len(execs), nelf, ndyn)
PY
)"
log "image: $nreg regular files, $nexec with an execute bit, $nelf ELF files without one ($ndyn in lib-dynload)"
assert_ge "python extension modules without x bit" 10 "$ndyn"
assert_ge "ELF files without x bit" "$((ndyn + 5))" "$nelf"


# before: what the previous walker took (regular files with an x bit)
dctl set load before --from-list "$W/exec.list" >/dev/null
read -r e_before m_before <<<"$(set_info before)"
assert_eq "entries before (executables only)" "$nexec" "$e_before"

out=$("$DRIFTCTL" set load after --from-dir "$rimg" 2>"$W/err") ||
	fail "set load --from-dir: $(cat "$W/err")"
echo "$out"
read -r e_after m_after <<<"$(set_info after)"
assert_eq "entries after (executables + ELF without x bit)" "$((nexec + nelf))" "$e_after"
assert_match "driftctl says how many are map-only" "^$nelf of them without an execute bit" "$(echo "$out" | sed -n 2p)"
[ -s "$W/err" ] && fail "unexpected warnings: $(cat "$W/err")"

# the same with --no-hash (identities only)
dctl set load after-nohash --no-hash --from-dir "$rimg" >/dev/null
read -r e_nh m_nh <<<"$(set_info after-nohash)"
assert_eq "entries after, --no-hash" "$e_after" "$e_nh"

log "REPORT entries before=$e_before after=$e_after (+$((e_after - e_before)), of which $ndyn python extension modules)"
log "REPORT kernel memory before=$m_before after=$m_after bytes (with digests); after --no-hash=$m_nh bytes"
log "REPORT bytes/entry before=$((m_before / e_before)) after=$((m_after / e_after))"
if [ -n "${DRIFT_RESULTS:-}" ]; then
	echo "t40: image $nreg files; entries before=$e_before after=$e_after; memory before=$m_before after=$m_after after-nohash=$m_nh" >>"$DRIFT_RESULTS/sets-report.txt"
fi

# the sets are the image's: its programs run in a container bound to it
ct_create c1 --image "$rimg"
bind c1 after enforce
expect_exec c1 ok /usr/bin/true
expect_exec c1 ok /bin/bash -c true
expect_exec c1 ok /usr/bin/nop
# python3 loads its own C extension modules (0644 ELF files, map-only)
expect_exec c1 ok /usr/bin/python3.11 -c 'import json, zlib, _ctypes, _ssl, _bz2, _lzma, _sqlite3'
expect_exec c1 ok /lib64/ld-linux-x86-64.so.2 /usr/bin/true
ct_sh c1 'cp /usr/bin/nop /tmp/dropped' || fail "cp in the container"
expect_exec c1 EACCES /tmp/dropped
pass
