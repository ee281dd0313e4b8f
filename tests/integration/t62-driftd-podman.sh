#!/bin/bash
# driftd with podman (--hooks-dir) running a locally imported image: the
# image's binaries run; drift attempts are denied in enforce mode and
# reported in audit mode; a write into the shell's own text through
# /proc/PID/mem is refused in enforce; events carry podman's container name and the
# image name (from containers-storage); nothing left in the kernel.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
# drift.io/exceptions below are granted under /tmp only (default: none, t71).
echo "allow all exceptions /tmp" >>"$CONF"
rt_start_driftd

rt_podman_hooks
rt_podman_image
prun() { podman run --rm --network host --hooks-dir "$RT/hooks.d" "$@"; }

log "podman, enforce by annotation"
out=$(prun --name p-enf --annotation drift.io/mode=enforce localhost/bb:1 /bin/sh -c "$RT_PAYLOAD" 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied
rt_wait_events 4 container_name=p-enf action=deny image=localhost/bb:1
[ "$(rt_events container_name=p-enf reason=fileless action=deny)" -ge 1 ] || fail "no fileless event"

log "podman, enforce: code written through /proc/PID/mem (DDexec) is refused"
# the shell writes the first byte of its own text back over itself with dd
out=$(prun --name p-mem --annotation drift.io/mode=enforce localhost/bb:1 /bin/sh -c '
a=$(sed -n "s/^\([0-9a-f]*\)-[0-9a-f]* r-xp .*/\1/p" /proc/$$/maps | head -n 1)
if dd if=/proc/$$/mem bs=1 skip=$((0x$a)) count=1 2>/dev/null |
	dd of=/proc/$$/mem bs=1 seek=$((0x$a)) conv=notrunc 2>/dev/null; then
	echo "RESULT MEM=written"; else echo "RESULT MEM=refused"; fi' 2>&1) || true
echo "$out"
rt_expect "$out" MEM=refused

log "podman, audit (node default)"
out=$(prun --name p-aud localhost/bb:1 /bin/sh -c "$RT_PAYLOAD" 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=ran DL=ran SCRIPT=ran MEMFD=ran
rt_wait_events 4 container_name=p-aud action=audit image=localhost/bb:1

log "podman, exceptions by annotation"
out=$(prun --name p-exc --annotation drift.io/mode=enforce --annotation "drift.io/exceptions=/tmp/s.sh /tmp/x/" \
	localhost/bb:1 /bin/sh -c "$RT_PAYLOAD" 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=ran DL=denied SCRIPT=ran MEMFD=denied

rt_wait_bindings 0
[ "$(rt_sets)" = 0 ] || fail "sets left: $(rt_kstate)"
rt_stop_driftd
log "PASS"
