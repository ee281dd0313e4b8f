#!/bin/bash
# run-all: timeout 600
# Churn: CHURN_N (default 100) crun containers started and removed, five at
# a time, with driftd killed and restarted half-way while a long-running
# container stays bound and enforced: afterwards no binding and no set is
# left in the kernel, and the long-running container never lost its binding.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd
N=${CHURN_N:-100}

rt_bundle keep drift.io/mode=enforce --args 'sleep 3600'
crun run -d -b "$RT/b/keep" keep >/dev/null 2>&1 || fail "start keep"
[ "$(rt_binding_mode keep)" = enforce ] || fail "keep not bound"

rt_bundle churn drift.io/mode=enforce --args 'mkdir /tmp/x; cp /bin/busybox /tmp/x/true; echo >>/tmp/x/true
/bin/true && echo IMGOK; if /tmp/x/true 2>/dev/null; then echo BAD; fi'
start=$(date +%s)
i=0
while [ $i -lt "$N" ]; do
	if [ $i -eq $((N / 2)) ]; then
		log "kill -9 driftd at container $i, restart"
		rt_stop_driftd KILL
		[ "$(rt_binding_mode keep)" = enforce ] || fail "keep lost its binding"
		log "driftd killed; keep still bound; restarting"
		rt_start_driftd
		log "driftd restarted"
	fi
	pids=()
	for j in 1 2 3 4 5; do
		n=ch$i-$j
		rt_bundle_clone churn "$n"
		crun run -b "$RT/b/$n" "$n" >"$RT/$n.out" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
	log "containers $i..$((i + 4)) done"
	for j in 1 2 3 4 5; do
		n=ch$i-$j
		grep -q BAD "$RT/$n.out" && fail "$n: written binary ran"
		grep -q IMGOK "$RT/$n.out" || fail "$n: image binary did not run: $(cat "$RT/$n.out")"
		rt_unbundle "$n"
	done
	i=$((i + 5))
done
log "$N containers in $(( $(date +%s) - start )) s"
[ "$(rt_binding_mode keep)" = enforce ] || fail "keep lost its binding"
rt_wait_bindings 1
crun kill keep KILL; sleep 0.3; crun delete -f keep >/dev/null 2>&1 || true
rt_wait_bindings 0
[ "$(rt_sets)" = 0 ] || fail "sets left: $(rt_kstate)"
[ "$(ls /run/drift/containers | wc -l)" = 0 ] || fail "records left in /run/drift/containers"
rt_unbundle keep; rt_unbundle churn
rt_stop_driftd
log "PASS"
