#!/bin/bash
# driftd + drift-oci-hook with runc: enforce and audit selected by
# annotation, image binaries run, drift attempts denied / reported with
# events naming container and image, nothing left in the kernel afterwards.
# runc exec into an enforced container: image binaries run, a dropped one is
# denied, and runc's own start-up (it may re-execute itself from a memfd)
# is not taken for the container's fileless exec.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd

log "runc, enforce"
rt_bundle renf drift.io/mode=enforce drift.io/image=localhost/bb:1
out=$(runc run -b "$RT/b/renf" renf 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied
rt_wait_events 4 container_id=renf action=deny image=localhost/bb:1
[ "$(rt_events container_id=renf reason=fileless action=deny)" -ge 1 ] || fail "no fileless event"

log "runc, audit"
rt_bundle raud drift.io/mode=audit drift.io/image=localhost/bb:1
out=$(runc run -b "$RT/b/raud" raud 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=ran DL=ran SCRIPT=ran MEMFD=ran
rt_wait_events 4 container_id=raud action=audit image=localhost/bb:1
[ "$(rt_events container_id=raud action=deny)" = 0 ] || fail "deny events in audit mode"

log "runc exec into an enforced container"
rt_bundle rexe drift.io/mode=enforce --args 'sleep 3600'
runc run -d -b "$RT/b/rexe" rexe </dev/null >"$RT/rexe.out" 2>&1 || fail "runc run -d: $(cat "$RT/rexe.out")"
[ "$(rt_binding_mode rexe)" = enforce ] || fail "rexe not bound in enforce"
out=$(runc exec rexe /bin/echo EXEC=ok 2>&1) || fail "runc exec of an image binary failed: $out"
[ "$out" = EXEC=ok ] || fail "runc exec of an image binary: $out"
out=$(runc exec rexe /bin/sh -c 'cp /bin/busybox /tmp/z; echo >>/tmp/z
	if /tmp/z true 2>/dev/null; then echo Z=ran; else echo Z=denied; fi' 2>&1) || true
[ "$out" = Z=denied ] || fail "runc exec, a dropped binary: $out (want Z=denied)"
rt_wait_events 1 container_id=rexe action=deny path=/tmp/z
[ "$(rt_events container_id=rexe reason=fileless)" = 0 ] || fail "runc exec: a fileless event for runc itself"
runc kill rexe KILL 2>/dev/null || true
sleep 0.3
runc delete -f rexe >/dev/null 2>&1 || true
rt_unbundle rexe

rt_wait_bindings 0
[ "$(rt_sets)" = 0 ] || fail "sets left: $(rt_kstate)"
rt_unbundle renf; rt_unbundle raud
rt_stop_driftd
log "PASS"
