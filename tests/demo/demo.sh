#!/bin/bash
# drift demo, run inside the QEMU guest by `make demo` (which builds first).
# Loads drift.ko, starts a container from an "image", shows the image's
# programs running, then plays an attacker who drops a "miner" binary, a
# script, a fileless payload, runs a dropped program through the image's
# loader and preloads a dropped library: each fails with EACCES and is
# reported.
# Exit 0 when everything behaved as shown, 1 otherwise.
TEST=demo
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/lib-dyn.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*" | sed 's/\x1b\[[0-9;]*m//g'; }
show() { echo "\$ $*"; "$@"; }
problems=0
bad() { echo "!! unexpected: $*"; problems=$((problems + 1)); }

say "1. Load the drift kernel module into Debian's $(uname -r) kernel"
t_init
show "$DRIFTCTL" status

say "2. An image (busybox + a few tools) and a container started from it"
img_create
img_add_dynamic		# glibc's loader and libc, as in most real images
ct_create web
echo "image:     $IMG ($(find "$IMG" -type f -perm -u+x | wc -l) executable files)"
echo "container: overlayfs root $(ct_root web) (lower = the image)"
echo "           cgroup $(ct_cg web), own pid + mount namespaces, chroot"

say "3. Load the image's allowlist and bind the container to it (enforce, libraries too)"
show "$DRIFTCTL" set load web-app:1.0 --from-dir "$IMG"
show "$DRIFTCTL" bind "$(ct_cg web)" web-app:1.0 --mode enforce --lib-mode enforce --name web --root "$(ct_root web)"
show "$DRIFTCTL" bindings

"$DRIFTCTL" monitor --timeout 30 >"$W/events.txt" 2>&1 &
MON_PID=$!
_mon_ready "$MON_PID"

say "4. The image's own programs run as usual"
echo "container# echo hello from the image; ls /bin | head -n 3"
ct_sh web 'echo hello from the image; ls /bin | head -n 3' || bad "image programs did not run"

say "5. An attacker drops a crypto miner into the container and runs it"
echo "container# cp /bin/nop /tmp/miner && echo junk >>/tmp/miner && chmod +x /tmp/miner && /tmp/miner"
out=$(ct_sh web 'cp /bin/nop /tmp/miner && echo junk >>/tmp/miner && chmod +x /tmp/miner && /tmp/miner; echo "exit code $?"' 2>&1)
echo "$out"
grep -q 'Permission denied' <<<"$out" || bad "the miner was not denied"

say "6. ... then a dropped shell script"
echo "container# printf '#!/bin/sh\\necho pwned\\n' >/tmp/x.sh && chmod +x /tmp/x.sh && /tmp/x.sh"
out=$(ct_sh web 'printf "#!/bin/sh\necho pwned\n" >/tmp/x.sh && chmod +x /tmp/x.sh && /tmp/x.sh; echo "exit code $?"' 2>&1)
echo "$out"
grep -q pwned <<<"$out" && bad "the script ran"

say "7. ... then a fileless payload (memfd_create + fexecve)"
echo "container# memfd_exec /bin/nop"
out=$(ct_run web /bin/memfd_exec /bin/nop 2>&1; echo "exit code $?")
echo "$out"
grep -q EACCES <<<"$out" || bad "the memfd payload was not denied"

say "7b. ... then the dropped miner through the image's own loader, and a dropped library"
dropped_copy web /usr/bin/true /tmp/miner-dyn 0644
dropped_copy web "$TOOLS/evil.so" /tmp/evil.so 0644
echo "container# $LDSO /tmp/miner-dyn     (a dynamic program, mode 0644)"
out=$(ct_run web "$LDSO" /tmp/miner-dyn 2>&1; echo "exit code $?")
echo "$out"
grep -q 'exit code 0' <<<"$out" && bad "ld.so ran the dropped program"
echo "container# LD_PRELOAD=/tmp/evil.so /bin/true-dyn"
out=$(ct_sh web 'LD_PRELOAD=/tmp/evil.so /bin/true-dyn; echo "exit code $?"' 2>&1)
echo "$out"
grep -q EVIL-SO-RAN <<<"$out" && bad "the dropped library's code ran"
grep -q 'cannot be preloaded' <<<"$out" || bad "LD_PRELOAD of the dropped library was not refused"

say "8. Meanwhile the image's programs still work"
echo "container# /bin/nop && /bin/true-dyn && echo 'image binaries: ok'"
ct_sh web '/bin/nop && /bin/true-dyn && echo "image binaries: ok"' || bad "image binary failed"

sleep 1
kill "$MON_PID" 2>/dev/null
wait "$MON_PID" 2>/dev/null
MON_PID=
say "9. What drift reported (driftctl monitor)"
cat "$W/events.txt"
n=$(grep -c 'deny' "$W/events.txt")
[ "$n" -ge 5 ] || bad "expected at least 5 deny events (3 execs, 2 mappings), saw $n"

say "10. Counters of the container's binding (driftctl bindings)"
"$DRIFTCTL" bindings

bash "$(dirname "$0")/demo-podman.sh" || bad "the podman part of the demo"

say "Summary"
if [ "$problems" = 0 ]; then
	echo "drift allowed the image's programs and blocked all 5 drift attempts"
	echo "(dropped binary, dropped script, fileless memfd, dropped program through ld.so,"
	echo "LD_PRELOAD of a dropped library) with EACCES, each reported as an event,"
	echo "and driftd protected a real podman container by itself: its dropped miner was denied."
else
	echo "DEMO FAILED: $problems unexpected result(s) above"
fi
[ "$problems" = 0 ]
