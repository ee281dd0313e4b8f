#!/bin/bash
# Library mode enforce: only files of the image may be mapped executable.
# Image dynamic programs (and python3 with its C extension) run, also
# through the loader; dropped programs run through ld.so, LD_PRELOAD and
# dlopen of a dropped .so (also opened and deleted, through
# /proc/self/fd), mmap/mprotect(PROT_EXEC) of a dropped file and
# an ELF interpreter outside the image are refused with an error (never a
# crash) and an event naming the operation. Anonymous executable memory
# (JITs) is never affected.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-dyn.sh"
t_init
img_create
img_add_dynamic
img_add_foreign_ld
# an ELF program without an execute bit: in the set as map-only
cp /usr/bin/true "$IMG/opt/true-noexec" && chmod 644 "$IMG/opt/true-noexec"
ct_create c1
set_load img "$IMG"
dctl bind "$(ct_cg c1)" img --mode enforce --lib-mode enforce --name c1 >/dev/null
assert_eq "library mode shown" enforce "$(binding_json c1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["lib_mode"])')"
dropped_copy c1 /usr/bin/true /tmp/dropped 0755
dropped_copy c1 /usr/bin/true /tmp/dropped644 0644
dropped_copy c1 "$TOOLS/evil.so" /tmp/evil.so 0644
dropped_copy c1 "$LDSO" /tmp/ld-linux-x86-64.so.2.x 0755

mon_start "$W/ev" "" 900
# --- the image works
expect_exec c1 ok /bin/true-dyn
expect_exec c1 ok "$LDSO" /bin/true-dyn
out=$(ct_run c1 /bin/map_exec mmap /lib/x86_64-linux-gnu/libm.so.6 2>&1)
assert_eq "mmap(PROT_EXEC) of an image library" ok "$out"
out=$(ct_run c1 /bin/map_exec mprotect /lib/x86_64-linux-gnu/libm.so.6 2>&1)
assert_eq "mprotect(PROT_EXEC) of an image library" ok "$out"
if [ "$HAVE_PY" = 1 ]; then
	out=$(ct_run c1 /usr/bin/python3 -S -c 'import ctypes; print("py-ok")' 2>&1)
	assert_eq "python3 imports its C extension (_ctypes)" py-ok "$out"
fi
# --- an exec's own mappings are decided once: a static program by the
# exec check alone; a dynamic one's interpreter when execve() opens it,
# then libc when ld.so maps it. The kernel loader's mappings of the program
# and of ld.so are not checked again (nor counted).
m0=$(stat_binding c1 maps_checked)
expect_exec c1 ok /bin/nop
m1=$(stat_binding c1 maps_checked)
expect_exec c1 ok /bin/true-dyn
m2=$(stat_binding c1 maps_checked)
assert_eq "map checks of a static exec (sh, try_exec, nop)" 0 $((m1 - m0))
assert_eq "map checks of a dynamic exec (ld.so at its open, libc)" 2 $((m2 - m1))
# --- a map-only entry (0644 ELF of the image): mapped yes, exec'd no
expect_exec c1 ok "$LDSO" /opt/true-noexec
ct_sh c1 'chmod 755 /opt/true-noexec' || fail "chmod in c1"
expect_exec c1 EACCES /opt/true-noexec
# --- anonymous executable memory: JITs
out=$(ct_run c1 /bin/map_exec anon-rwx 2>&1)
assert_eq "anonymous RWX mapping" ok "$out"
out=$(ct_run c1 /bin/map_exec wx-flip 2>&1)
assert_eq "anonymous W^X flip" ok "$out"
# --- memfd mapped executable: allowed without --fileless-map
out=$(ct_run c1 /bin/map_exec memfd 2>&1)
assert_eq "memfd mapped exec without --fileless-map" ok "$out"

# --- dropped code
for f in /tmp/dropped /tmp/dropped644; do
	out=$(ct_run c1 "$LDSO" "$f" 2>&1); rc=$?
	[ "$rc" != 0 ] || fail "ld.so $f: expected a failure, got rc 0 ($out)"
	assert_match "ld.so $f prints an error" 'dropped.*(failed to map|Permission denied|cannot)' "$out"
	log "ld.so $f: rc $rc: $out"
done
out=$(ct_run c1 /bin/sh -c 'LD_PRELOAD=/tmp/evil.so /bin/true-dyn; echo rc=$?' 2>&1)
case $out in *EVIL-SO-RAN*) fail "LD_PRELOAD ran the dropped .so: $out" ;; esac
assert_match "LD_PRELOAD of a dropped .so refused by the loader" 'evil.so.*cannot be preloaded' "$out"
out=$(ct_run c1 /bin/dl_open /tmp/evil.so 2>&1); rc=$?
case $out in *EVIL-SO-RAN*) fail "dlopen ran the dropped .so: $out" ;; esac
assert_match "dlopen of a dropped .so" '^DLERROR: .*evil.so' "$out"
if [ "$HAVE_PY" = 1 ]; then
	out=$(ct_run c1 /usr/bin/python3 -S -c '
import ctypes
try:
    ctypes.CDLL("/tmp/evil.so")
    print("loaded")
except OSError as e:
    print("OSError", e)' 2>&1)
	case $out in *EVIL-SO-RAN* | *loaded*) fail "ctypes loaded the dropped .so: $out" ;; esac
	assert_match "ctypes.CDLL of a dropped .so" '^OSError.*evil.so' "$out"
fi
out=$(ct_run c1 /bin/map_exec mmap /tmp/dropped644 2>/dev/null)
assert_eq "mmap(PROT_EXEC) of a dropped file" EACCES "$out"
out=$(ct_run c1 /bin/map_exec rie /tmp/dropped644 2>/dev/null)
assert_eq "mmap(PROT_READ) of a dropped file under READ_IMPLIES_EXEC" EACCES "$out"
out=$(ct_run c1 /bin/map_exec mprotect /tmp/dropped644 2>/dev/null)
assert_eq "mprotect(PROT_EXEC) of a dropped file" EACCES "$out"
# a dropped file opened, then deleted (nlink 0), mapped through its fd:
# memfd's exemption does not extend to deleted files of a filesystem
dropped_copy c1 /usr/bin/true /tmp/dropped-del 0755
dropped_copy c1 "$TOOLS/evil.so" /tmp/evil-del.so 0644
out=$(ct_run c1 /bin/sh -c "exec 3</tmp/dropped-del; rm /tmp/dropped-del; exec $LDSO /proc/self/fd/3" 2>&1); rc=$?
[ "$rc" != 0 ] || fail "ld.so of a deleted dropped program: expected a failure, got rc 0 ($out)"
log "ld.so of a deleted dropped program: rc $rc: $out"
out=$(ct_run c1 /bin/sh -c 'exec 3</tmp/evil-del.so; rm /tmp/evil-del.so; LD_PRELOAD=/proc/self/fd/3 /bin/true-dyn; echo rc=$?' 2>&1)
case $out in *EVIL-SO-RAN*) fail "LD_PRELOAD of a deleted dropped .so ran it: $out" ;; esac
assert_match "LD_PRELOAD of a deleted dropped .so refused by the loader" 'cannot be preloaded' "$out"
# the interpreter is refused before the point of no return: EACCES, no SIGSEGV
expect_exec c1 EACCES /bin/foreign-ld
mon_stop
ev_show "$W/ev"
assert_ge "mmap denials of /tmp/dropped" 1 "$(ev_count "$W/ev" op=mmap action=deny reason=not_in_image path=/tmp/dropped)"
assert_ge "mmap denials of /tmp/dropped644" 1 "$(ev_count "$W/ev" op=mmap action=deny path=/tmp/dropped644)"
assert_ge "mmap denials of /tmp/evil.so" 3 "$(ev_count "$W/ev" op=mmap action=deny path=/tmp/evil.so)"
assert_ge "mmap denials of deleted dropped files (fileless)" 2 "$(ev_count "$W/ev" op=mmap action=deny reason=fileless)"
assert_eq "mprotect denial" 1 "$(ev_count "$W/ev" op=mprotect action=deny path=/tmp/dropped644)"
assert_eq "interpreter denial" 1 "$(ev_count "$W/ev" op=mmap action=deny path=/tmp/ld-linux-x86-64.so.2.x binding=c1)"
assert_eq "exec of the chmod'ed map-only file" 1 "$(ev_count "$W/ev" op=exec action=deny reason=not_in_image path=/opt/true-noexec)"
assert_eq "no other exec event" 1 "$(ev_count "$W/ev" op=exec)"
assert_eq "no event for image files" 0 "$(ev_count "$W/ev" path=/lib/x86_64-linux-gnu/libm.so.6)"
d=$(stat_binding c1 maps_denied)
assert_ge "maps_denied (binding)" 9 "$d"
assert_ge "maps_checked (binding)" 20 "$(stat_binding c1 maps_checked)"
assert_ge "maps_allowed (binding)" 10 "$(stat_binding c1 maps_allowed)"
assert_eq "execs_denied (binding): only the map-only file" 1 "$(stat_binding c1 execs_denied)"

# --- with --fileless-map, a memfd mapped executable is denied (fileless)
dctl mode "$(ct_cg c1)" --fileless-map >/dev/null
mon_start "$W/ev2" 1 120
out=$(ct_run c1 /bin/map_exec memfd 2>/dev/null)
assert_eq "memfd mapped exec with --fileless-map" EACCES "$out"
mon_wait
assert_eq "fileless mapping event" 1 "$(ev_count "$W/ev2" op=mmap reason=fileless action=deny)"
pass
