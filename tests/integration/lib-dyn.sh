# shellcheck shell=bash
# Dynamic programs in hand-made images, for the library-mode tests
# (t22-t29). Source after lib.sh.
#
#   img_add_dynamic [DIR]   adds to the image (default $IMG) glibc's loader
#                           (/lib64/ld-linux-x86-64.so.2) and libraries, the
#                           host's dynamic /usr/bin/true as /bin/true-dyn,
#                           tests/tools/dl_open and map_exec, and a minimal
#                           python3 (its C extension _ctypes, libffi) when
#                           the host has python3.11. Libraries get an
#                           execute bit so that 'set load --from-dir' takes
#                           them whatever its ELF detection does.
#   img_add_foreign_ld [DIR]
#                           adds /bin/foreign-ld: /bin/true-dyn whose ELF
#                           interpreter is /tmp/ld-linux-x86-64.so.2.x (a
#                           copy of the loader dropped there runs it)
#   LDSO                    the loader's path inside the image
#   HAVE_PY                 1 when python3 is in the image
#   dropped_copy CT SRC DST MODE
#                           copies SRC (host path) into the container's
#                           upper layer at DST with MODE: a dropped file
LDSO=/lib64/ld-linux-x86-64.so.2
HAVE_PY=0
_PYVER=python3.11

img_add_dynamic() {
	local d=${1:-$IMG} l lib=/lib/x86_64-linux-gnu
	mkdir -p "$d/lib64" "$d$lib" "$d/usr/bin"
	cp -L "$LDSO" "$d$LDSO" || fail "copy $LDSO"
	for l in libc.so.6 libm.so.6 libz.so.1 libexpat.so.1 libffi.so.8; do
		[ -e "$lib/$l" ] && cp -L "$lib/$l" "$d$lib/$l"
	done
	cp /usr/bin/true "$d/bin/true-dyn"
	cp "$TOOLS/dl_open" "$TOOLS/map_exec" "$d/bin/"
	if [ -x /usr/bin/$_PYVER ] && [ -e /usr/lib/$_PYVER/ctypes/__init__.py ]; then
		local p=/usr/lib/$_PYVER
		mkdir -p "$d$p/lib-dynload"
		cp /usr/bin/$_PYVER "$d/usr/bin/python3"
		cp -r $p/encodings $p/ctypes "$d$p/"
		cp $p/struct.py $p/types.py $p/os.py "$d$p/"
		cp $p/lib-dynload/_ctypes.cpython-*.so "$d$p/lib-dynload/"
		rm -rf "$d$p"/*/__pycache__ "$d$p/ctypes/test" "$d$p/ctypes/macholib"
		HAVE_PY=1
	fi
	find "$d$lib" "$d/lib64" "$d/usr" -type f -exec chmod 755 {} +
}

img_add_foreign_ld() {
	local d=${1:-$IMG}
	"$PY" - "$d/bin/true-dyn" "$d/bin/foreign-ld" <<'PY' || fail "img_add_foreign_ld"
import sys
b = open(sys.argv[1], "rb").read()
old = b"/lib64/ld-linux-x86-64.so.2\0"
new = b"/tmp/ld-linux-x86-64.so.2.x\0"
assert len(old) == len(new) and b.count(old) == 1
open(sys.argv[2], "wb").write(b.replace(old, new))
PY
	chmod 755 "$d/bin/foreign-ld"
}

dropped_copy() { # CT SRC DST MODE
	local up
	up=$(ct_root "$1")
	cp "$2" "$up$3" || fail "copy $2 to $1:$3"
	chmod "$4" "$up$3"
}

# ev_op_count FILE OP K=V...: events of operation OP
ev_op_count() {
	local f=$1 op=$2
	shift 2
	ev_count "$f" "op=$op" "$@"
}
