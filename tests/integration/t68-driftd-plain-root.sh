#!/bin/bash
# A container whose root is a plain directory (no overlay): driftd takes a
# snapshot of the root before the container runs (set drift-root-<id>, not
# shared); image binaries run, a written binary and a modified image binary
# are denied in enforce mode; the set goes with the container.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd
rt_bundle plain1 --plain drift.io/mode=enforce drift.io/image=localhost/bb:1
out=$(crun run -b "$RT/b/plain1" plain1 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied
grep -q 'set drift-root-plain1 loaded' "$DLOG" || fail "no root snapshot set"
rt_wait_events 4 container_id=plain1 action=deny set=drift-root-plain1

log "an image binary rewritten in place (same inode) is denied"
rt_bundle plain2 --plain drift.io/mode=enforce --args 'cat /bin/memfd_exec >/tmp/m; echo >>/tmp/m; cat /tmp/m >/bin/memfd_exec
/bin/memfd_exec >/dev/null 2>&1; rc=$?
if [ $rc = 126 ]; then echo RESULT REWRITE=denied; else echo RESULT REWRITE=ran rc=$rc; fi
/bin/true && echo RESULT IMG=ok'
out=$(crun run -b "$RT/b/plain2" plain2 2>&1) || true
echo "$out"
rt_expect "$out" REWRITE=denied IMG=ok
rt_wait_events 1 container_id=plain2 path=/bin/memfd_exec action=deny
rt_wait_bindings 0
[ "$(rt_sets)" = 0 ] || fail "sets left: $(rt_kstate)"
rt_unbundle plain1; rt_unbundle plain2
rt_stop_driftd
log "PASS"
