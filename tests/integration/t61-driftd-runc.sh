#!/bin/bash
# driftd + drift-oci-hook with runc: enforce and audit selected by
# annotation, image binaries run, drift attempts denied / reported with
# events naming container and image, nothing left in the kernel afterwards.
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

rt_wait_bindings 0
[ "$(rt_sets)" = 0 ] || fail "sets left: $(rt_kstate)"
rt_unbundle renf; rt_unbundle raud
rt_stop_driftd
log "PASS"
