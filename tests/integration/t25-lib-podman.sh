#!/bin/bash
# Library mode in a real podman container bound by driftd (issue 7): an
# image that holds glibc's loader, libc and a minimal python3, driftd's
# node mode enforce (library mode: same as the mode), the OCI hook given to
# podman through --hooks-dir. Inside the container:
#  - the image's dynamic programs run, also through the loader, python3
#    imports its own C extension (_ctypes) and loads an image library, and
#    a chmod'ed (copied-up) image library still loads;
#  - a dropped dynamic program run through ld.so (0644 and 0755) fails with
#    the loader's error, LD_PRELOAD of a dropped .so is refused, ctypes of
#    it raises OSError, mmap(PROT_EXEC) and mprotect(PROT_EXEC) of a
#    dropped file fail with EACCES; anonymous RWX and a W^X flip (JITs)
#    work;
#  - driftd's events name the operation (mmap, mprotect) and the container.
# The dropped files come from a read-only volume (not in the image).
. "$(dirname "$0")/lib-runtime.sh"
. "$(dirname "$0")/lib-dyn.sh"
rt_init
sed -i 's/^mode audit$/mode enforce/' "$CONF"
rt_start_driftd

L=$RT/img25
rm -rf "$L" "$RT/src25"
cp -a "$IMG" "$L"
img_add_dynamic "$L"
cp "$TOOLS/map_exec" "$L/bin/map_exec"
mkdir -p "$RT/src25"
cp "$TOOLS/evil.so" "$RT/src25/evil.so"

rt_podman_hooks
podman rmi -f localhost/dyn:25 >/dev/null 2>&1 || true
tar -C "$L" -cf "$RT/img25.tar" . || fail "tar of the image"
podman import "$RT/img25.tar" localhost/dyn:25 >/dev/null || fail "podman import"

LDSO_=$LDSO
LIBM=/lib/x86_64-linux-gnu/libm.so.6
PAYLOAD='
r() { echo "RESULT $*"; }
/bin/true-dyn && r DYN=ok || r DYN=failed
'$LDSO_' /bin/true-dyn && r LDSO_IMG=ok || r LDSO_IMG=failed
cp /bin/true-dyn /tmp/d644 && echo >>/tmp/d644 && chmod 644 /tmp/d644
cp /tmp/d644 /tmp/d755 && chmod 755 /tmp/d755
'$LDSO_' /tmp/d644 2>/tmp/e644; rc=$?; [ $rc = 0 ] && r LDSO644=ran || r LDSO644=denied; cat /tmp/e644
'$LDSO_' /tmp/d755 2>/dev/null && r LDSO755=ran || r LDSO755=denied
cp /src/evil.so /tmp/evil.so
out=$(LD_PRELOAD=/tmp/evil.so /bin/true-dyn 2>&1); echo "$out"
case $out in *EVIL-SO-RAN*) r PRELOAD=ran ;; *"cannot be preloaded"*) r PRELOAD=refused ;; *) r PRELOAD=other ;; esac
if [ -x /usr/bin/python3 ]; then
	python3 -c "import ctypes; ctypes.CDLL(\"libm.so.6\")" && r PY_IMG=ok || r PY_IMG=failed
	python3 -c "import ctypes; ctypes.CDLL(\"/tmp/evil.so\")" 2>&1 | grep -q "^OSError" && r PY_DROP=denied || r PY_DROP=other
fi
[ "$(map_exec mmap /tmp/d644 2>/dev/null)" = EACCES ] && r MMAP=denied || r MMAP=other
[ "$(map_exec mprotect /tmp/d644 2>/dev/null)" = EACCES ] && r MPROTECT=denied || r MPROTECT=other
[ "$(map_exec anon-rwx)" = ok ] && r ANON=ok || r ANON=failed
[ "$(map_exec wx-flip)" = ok ] && r WXFLIP=ok || r WXFLIP=failed
chmod 700 '$LIBM' && /bin/true-dyn && r COPIEDUP_LIBC_USER=ok || r COPIEDUP_LIBC_USER=failed
[ "$(map_exec mmap '$LIBM')" = ok ] && r COPIEDUP_LIB=ok || r COPIEDUP_LIB=failed
'
out=$(podman run --rm --network none --hooks-dir "$RT/hooks.d" --name lib25 \
	-v "$RT/src25:/src:ro" localhost/dyn:25 /bin/sh -c "$PAYLOAD" 2>&1) || true
echo "$out"
rt_expect "$out" DYN=ok LDSO_IMG=ok LDSO644=denied LDSO755=denied PRELOAD=refused MMAP=denied \
	MPROTECT=denied ANON=ok WXFLIP=ok COPIEDUP_LIBC_USER=ok COPIEDUP_LIB=ok
if [ "$HAVE_PY" = 1 ]; then
	rt_expect "$out" PY_IMG=ok PY_DROP=denied
fi
grep -q 'd644: error while loading shared libraries' <<<"$out" || fail "no readable loader error for ld.so /tmp/d644"
rt_wait_events 1 image=localhost/dyn:25 op=mmap action=deny path=/tmp/evil.so
rt_wait_events 1 image=localhost/dyn:25 op=mmap action=deny path=/tmp/d644
rt_wait_events 1 image=localhost/dyn:25 op=mprotect action=deny path=/tmp/d644
podman rmi -f localhost/dyn:25 >/dev/null 2>&1 || true
log "PASS"
