#!/bin/bash
# run-all: timeout 900
# Fail-open is for a dead driftd, never for a busy one. How long driftd
# takes to scan an image is up to the image (millions of files); if a
# fail-open hook gave up on a driftd still scanning, an image could buy
# its container an unprotected start. driftd sends keepalives while its
# work moves (hookproto.h), and the hook tells the two cases apart:
#  1. busy: a fail-open hook with a short --timeout-ms, driftd still
#     scanning the image's cold layer at the deadline: the start is
#     REFUSED (crun run fails, "driftd is working on it"), no note of an
#     unprotected start, drift_unprotected_starts_total unchanged; driftd
#     finishes the scan, logs that the hook gave up and counts it
#     (drift_hook_abandoned_total). A retry of the same image, its layer
#     now scanned, starts at once and is enforced.
#  2. hung: driftd stopped (SIGSTOP; the kernel still queues connections
#     on its socket, it sends nothing): the same fail-open hook starts the
#     container UNPROTECTED, as before, and leaves its note; once driftd
#     runs again it binds the container from the note and counts it.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd
FILES=${BUSY_FILES:-$((30000 / TIME_SCALE))}
LINKS=${BUSY_LINKS:-8}
TMO=$((2500 * TIME_SCALE))	# the hook's timeout: shorter than the scan


COLD=$RT/busy-img
rm -rf "$COLD"
cp -a "$IMG" "$COLD"
echo busy >"$COLD/image-id"
"$TOOLS/fill-tree" "$COLD/many" "$FILES" || fail "fill-tree"
for i in $(seq 2 "$LINKS"); do cp -al "$COLD/many" "$COLD/many$i"; done
unprot0=$(rt_metric drift_unprotected_starts_total)
aband0=$(rt_metric drift_hook_abandoned_total)
[ -n "$aband0" ] || fail "no drift_hook_abandoned_total metric"

log "1. busy: the hook times out while driftd scans the cold layer"
rm -f /run/drift/unprotected/busy1.json
rm -f "$RT/busy1.hook"
rt_bundle busy1 --fail-open --timeout-ms "$TMO" drift.io/mode=enforce --lower "$COLD" --args 'sleep 3600' \
	run.oci.hooks.stderr="$RT/busy1.hook"	# crun: the hook's stderr
t0=$(date +%s%N)
if crun run -d -b "$RT/b/busy1" busy1 >"$RT/busy1.out" 2>&1; then
	grep -q "hook: container busy1: bound" "$DLOG" &&
		fail "set-up: the scan ended within the hook's $TMO ms: make the tree bigger (BUSY_FILES, BUSY_LINKS)"
	fail "a fail-open hook started busy1 while driftd was still scanning its image: $(cat "$RT/busy1.out")"
fi
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "crun run failed after $ms ms: $(cat "$RT/busy1.out")"
log "the hook: $(cat "$RT/busy1.hook")"
grep -q "drift: container busy1 REFUSED: driftd is working on it" "$RT/busy1.hook" ||
	fail "no refusal from the hook: $(cat "$RT/busy1.hook")"
grep -q UNPROTECTED "$RT/busy1.hook" && fail "the hook said UNPROTECTED: $(cat "$RT/busy1.hook")"
[ ! -e /run/drift/unprotected/busy1.json ] || fail "the hook left a note of an unprotected start"
rt_wait_log "hook: container busy1: " 300 || fail "driftd never finished busy1's request"
rt_wait_log "hook: container busy1: the hook gave up" 10 || fail "driftd did not log that the hook gave up: $(grep busy1 "$DLOG" | tail -3)"
[ "$(rt_metric drift_hook_abandoned_total)" = $((aband0 + 1)) ] ||
	fail "drift_hook_abandoned_total $(rt_metric drift_hook_abandoned_total), want $((aband0 + 1))"
[ "$(rt_metric drift_unprotected_starts_total)" = "$unprot0" ] || fail "an unprotected start was counted"
crun delete -f busy1 >/dev/null 2>&1 || true
rt_unbundle busy1
rt_wait_bindings 0

log "   the retry: the layer is scanned now"
rt_bundle busy2 --fail-open --timeout-ms "$TMO" drift.io/mode=enforce --lower "$COLD"
crun run -d -b "$RT/b/busy2" busy2 >"$RT/busy2.out" 2>&1 || fail "the retry did not start: $(cat "$RT/busy2.out")"
[ "$(rt_binding_mode busy2)" = enforce ] || fail "busy2 not bound in enforce"
for i in $(seq 1 $((300 * TIME_SCALE))); do grep -q '^RESULT MEMFD' "$RT/busy2.out" && break; sleep 0.1; done
rt_expect "$(cat "$RT/busy2.out")" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied
log "   $(grep -o 'hook: container busy2: .*' "$DLOG")"
crun kill busy2 KILL 2>/dev/null || true
sleep 0.3
crun delete -f busy2 >/dev/null 2>&1 || true
rt_unbundle busy2
rt_wait_bindings 0

log "2. hung: driftd stopped, the same fail-open hook starts the container unprotected"
rm -f /run/drift/unprotected/hung1.json
rm -f "$RT/hung1.hook"
rt_bundle hung1 --fail-open --timeout-ms "$TMO" drift.io/mode=enforce --args 'sleep 3600' \
	run.oci.hooks.stderr="$RT/hung1.hook"
kill -STOP "$DRIFTD_PID"
crun run -d -b "$RT/b/hung1" hung1 >"$RT/hung1.out" 2>&1
rc=$?
kill -CONT "$DRIFTD_PID"
[ "$rc" = 0 ] || fail "fail-open hook with driftd stopped: the start failed: $(cat "$RT/hung1.out")"
grep -q "drift: WARNING: container hung1 starts UNPROTECTED (driftd unreachable, fail-open): timed out waiting for driftd's answer" "$RT/hung1.hook" ||
	fail "no UNPROTECTED warning: $(cat "$RT/hung1.hook")"
for i in $(seq 1 $((300 * TIME_SCALE))); do [ "$(rt_binding_mode hung1)" = enforce ] && break; sleep 0.1; done
[ "$(rt_binding_mode hung1)" = enforce ] || fail "driftd did not bind hung1 from the hook's note"
# the note, counted once (driftd may also have bound hung1 from the request
# it found queued when it ran again: the hook had gone by then)
for i in $(seq 1 $((100 * TIME_SCALE))); do [ ! -e /run/drift/unprotected/hung1.json ] && break; sleep 0.1; done
[ "$(rt_metric drift_unprotected_starts_total)" = $((unprot0 + 1)) ] ||
	fail "drift_unprotected_starts_total $(rt_metric drift_unprotected_starts_total), want $((unprot0 + 1))"
crun kill hung1 KILL 2>/dev/null || true
sleep 0.3
crun delete -f hung1 >/dev/null 2>&1 || true
rt_unbundle hung1
rt_wait_bindings 0
rm -rf "$COLD"
rt_stop_driftd
log "PASS"
