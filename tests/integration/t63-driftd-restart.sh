#!/bin/bash
# driftd killed (SIGKILL) while containers run: enforcement goes on, no
# binding is lost; a container started meanwhile with a fail-open hook
# starts and is bound (and reported) when driftd is back; a fail-closed
# hook refuses the start; a container that ended meanwhile is unbound by
# the start-up reconciliation.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd

# A container that tries the written binary each time /tmp/go appears.
LOOP='mkdir -p /tmp/x; cp /bin/busybox /tmp/x/true; echo >>/tmp/x/true; chmod 755 /tmp/x/true
while :; do
  if [ -e /tmp/go ]; then
    rm -f /tmp/go /tmp/result
    if /tmp/x/true 2>/dev/null; then echo ran >/tmp/result.t; else echo denied >/tmp/result.t; fi
    mv /tmp/result.t /tmp/result
  fi
  sleep 0.1
done'
try_in() { # NAME -> ran|denied
	local r=$RT/b/$1/rootfs/tmp i
	rm -f "$r/result"; : >"$r/go"
	for i in $(seq 1 100); do
		[ -s "$r/result" ] && { cat "$r/result"; return; }
		sleep 0.1
	done
	echo timeout
}

rt_bundle A drift.io/mode=enforce --args "$LOOP"
rt_bundle D drift.io/mode=enforce --args 'sleep 600'
crun run -d -b "$RT/b/A" A >/dev/null 2>&1 || fail "start A"
crun run -d -b "$RT/b/D" D >/dev/null 2>&1 || fail "start D"
rt_wait_bindings 2
[ "$(try_in A)" = denied ] || fail "A: written binary not denied"

log "kill -9 driftd"
rt_stop_driftd KILL
[ "$(rt_binding_mode A)" = enforce ] || fail "binding of A lost with driftd"
[ "$(try_in A)" = denied ] || fail "A: not enforced while driftd is down"

log "fail-closed hook refuses a start while driftd is down"
rt_bundle C drift.io/mode=enforce --args 'echo STARTED'
if out=$(crun run -b "$RT/b/C" C 2>&1); then fail "C started although its hook fails closed: $out"; fi
grep -q STARTED <<<"$out" && fail "C ran"
crun delete -f C >/dev/null 2>&1 || true

log "fail-open hook lets a start through, unprotected, and leaves a note"
rt_bundle B --fail-open drift.io/mode=enforce --args "$LOOP"
crun run -d -b "$RT/b/B" B >/dev/null 2>&1 || fail "B (fail-open) did not start"
[ -e /run/drift/unprotected/B.json ] || fail "no unprotected note for B"
[ "$(try_in B)" = ran ] || fail "B should be unprotected while driftd is down"

log "D ends while driftd is down"
crun kill D KILL; sleep 0.3; crun delete -f D >/dev/null 2>&1 || true

log "restart driftd"
rt_start_driftd
grep -q 'container A .*binding adopted' "$DLOG" || fail "A not adopted"
[ "$(rt_binding_mode A)" = enforce ] || fail "A lost its binding"
[ "$(rt_binding_mode D)" = none ] || fail "D still bound"
[ "$(rt_binding_mode B)" = enforce ] || fail "B not bound after the restart: $(rt_kstate)"
rt_wait_events 1 kind=unprotected_start container_id=B
[ "$(try_in B)" = denied ] || fail "B not enforced after the restart"
[ "$(try_in A)" = denied ] || fail "A not enforced after the restart"
[ -e /run/drift/unprotected/B.json ] && fail "note for B not consumed"

for n in A B; do crun kill $n KILL; done
sleep 0.3
for n in A B; do crun delete -f $n >/dev/null 2>&1 || true; done
rt_wait_bindings 0
[ "$(rt_sets)" = 0 ] || fail "sets left: $(rt_kstate)"
for n in A B C D; do rt_unbundle $n; done
rt_stop_driftd
log "PASS"
