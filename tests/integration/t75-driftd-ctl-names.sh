#!/bin/bash
# Names that resolve once (issue 8): ct:NAME that matches several containers
# is an error listing them (exit 2), nothing is changed; ct:ID still works.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd
for n in web1 web2; do
	rt_bundle $n drift.io/name=web --args 'sleep 3600'	# outlives the test on slow kernels
	crun run -d -b "$RT/b/$n" $n >/dev/null 2>&1 || fail "crun run -d $n"
done
rt_wait_bindings 2
rc=0; "$DRIFTCTL" mode ct:web enforce 2>"$RT/ct.err" || rc=$?
cat "$RT/ct.err"
[ "$rc" = 2 ] || fail "ct:web (two containers): exit $rc, want 2"
grep -q "ct:web matches 2 containers" "$RT/ct.err" || fail "no ambiguity message"
grep -q "ct:web1 " "$RT/ct.err" && grep -q "ct:web2 " "$RT/ct.err" || fail "the matches are not listed"
[ "$(rt_binding_mode web1)" = audit ] && [ "$(rt_binding_mode web2)" = audit ] || fail "a binding changed"
"$DRIFTCTL" mode ct:web2 enforce || fail "ct:web2 (by id)"
[ "$(rt_binding_mode web2)" = enforce ] || fail "ct:web2 did not change web2"
[ "$(rt_binding_mode web1)" = audit ] || fail "ct:web2 changed web1"
for n in web1 web2; do crun kill $n KILL; done; sleep 0.3
for n in web1 web2; do crun delete -f $n >/dev/null 2>&1 || true; rt_unbundle $n; done
rt_stop_driftd
log "PASS"
