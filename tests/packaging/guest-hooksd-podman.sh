#!/bin/bash
# Runs in the QEMU guest after guest-dkms-module.sh: podman with the hooks.d
# file exactly as packaged (packaging/hooks/drift.json; only the hook's
# path points at the build tree), driftd, and the DKMS-built module:
#   - the hook runs at createRuntime and driftd binds the container before
#     its first exec (enforce by annotation: drift attempts are denied);
#   - the poststop stage reaches driftd (a "removed" hook request);
#   - with driftd stopped the shipped (fail-open) hook lets the container
#     start, unprotected.
# Uses the runtime helpers of tests/integration/lib-runtime.sh.
. "${DRIFT_REPO:?}/tests/integration/lib-runtime.sh"
rt_init
rt_start_driftd

mkdir -p "$RT/pkg-hooks.d"
sed "s|\"/usr/libexec/drift/drift-oci-hook\"|\"$HOOK\"|" "$REPO/packaging/hooks/drift.json" \
	>"$RT/pkg-hooks.d/drift.json"
grep -q "\"$HOOK\"" "$RT/pkg-hooks.d/drift.json" || fail "hook path not substituted"
if ! podman image exists localhost/bb:1; then
	tar -C "$IMG" -cf "$RT/img.tar" .
	podman import "$RT/img.tar" localhost/bb:1 >/dev/null || fail "podman import"
fi
prun() { podman run --rm --network host --hooks-dir "$RT/pkg-hooks.d" "$@"; }

log "podman + packaged hooks.d, enforce by annotation"
out=$(prun --name pk-enf --annotation drift.io/mode=enforce localhost/bb:1 /bin/sh -c "$RT_PAYLOAD" 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied
rt_wait_events 4 container_name=pk-enf action=deny

log "poststop reached driftd"
m=$(rt_metrics | grep '^drift_hook_requests_total{result="removed"}' | awk '{print $2}')
echo "drift_hook_requests_total{result=\"removed\"} ${m:-none}"
[ "${m:-0}" -ge 1 ] 2>/dev/null || fail "no poststop (removed) request reached driftd"
rt_wait_bindings 0

log "driftd stopped: the packaged hook fails open"
rt_stop_driftd
out=$(prun --name pk-open localhost/bb:1 /bin/sh -c "$RT_PAYLOAD" 2>&1) || fail "container did not start without driftd: $out"
echo "$out"
rt_expect "$out" IMG=ok COPY=ran
echo "$out" | grep -q 'UNPROTECTED (fail-open)' || echo "note: the hook's warning is in the runtime's log, not the container output"
log "PASS"
