#!/bin/bash
# Input the workload controls cannot make a start unprotected (issue 8):
#  - a 2 MiB annotation, 2000 annotations, a config.json with 5 MiB of
#    environment: the container is bound as its policy says (enforce), with
#    the hook in fail-open (an error would have let it start unprotected);
#  - a note left by a hook that failed open is kept until the container is
#    bound: a first attempt that fails (bundle config unreadable) does not
#    lose it, the retry binds it.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
sed -i 's/^mode audit$/mode enforce/' "$CONF"
rt_start_driftd

big() {	# big NAME: inflate the bundle's config.json (annotations, env)
	python3 - "$RT/b/$1/config.json" <<-'PY'
	import json, sys
	p = sys.argv[1]
	c = json.load(open(p))
	a = c["annotations"]
	a["zz.example/huge"] = "x" * (2 << 20)
	for i in range(2000):
	    a["zz.example/k%d" % i] = "v%d" % i
	# 5 MiB of environment: 50 variables of 100 KiB (one string may not
	# exceed 128 KiB at exec), with room for them on the stack (ARG_MAX is
	# a quarter of RLIMIT_STACK).
	for i in range(50):
	    c["process"]["env"].append("BIG%d=" % i + "e" * (100 << 10))
	c["process"]["rlimits"] = [r for r in c["process"].get("rlimits", [])
	                           if r["type"] != "RLIMIT_STACK"] + [
	    {"type": "RLIMIT_STACK", "soft": 64 << 20, "hard": 64 << 20}]
	json.dump(c, open(p, "w"))
	PY
}

log "2 MiB annotation + 2000 annotations + 5 MiB env, hook fail-open"
rt_bundle huge --fail-open drift.io/mode=enforce
big huge
ls -l "$RT/b/huge/config.json"
out=$(crun run -b "$RT/b/huge" huge 2>&1) || true
echo "$out" | grep -v '^drift-oci-hook' | head -20
grep -q UNPROTECTED <<<"$out" && fail "the hook let the container start unprotected"
rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied
grep -q 'container huge .* bound: .* mode enforce' "$DLOG" || fail "huge was not bound in enforce"
rt_unbundle huge

log "a note of an unprotected start survives a failed first attempt"
rt_stop_driftd
LOOP='i=0; while [ $i -lt 400 ]; do if /tmp/x/true 2>/dev/null; then echo RAN >/tmp/st; else echo DENIED >/tmp/st; fi; sleep 0.1; i=$((i+1)); done'
rt_bundle note --fail-open drift.io/mode=enforce --args "mkdir -p /tmp/x; cp /bin/busybox /tmp/x/true; echo >>/tmp/x/true; chmod 755 /tmp/x/true; $LOOP"
crun run -d -b "$RT/b/note" note >"$RT/note.out" 2>&1 || fail "crun run -d note: $(cat "$RT/note.out")"
[ -e /run/drift/unprotected/note.json ] || fail "the hook left no note"
sleep 1
[ "$(cat "$RT/b/note/upper/tmp/st" 2>/dev/null)" = RAN ] || fail "the unprotected container does not run its binary"
mv "$RT/b/note/config.json" "$RT/b/note/config.json.away"	# first attempt fails
rt_start_driftd
for i in $(seq 1 30); do grep -q 'container note (started unprotected)' "$DLOG" && break; sleep 0.1; done
grep -q 'container note (started unprotected):.*retrying' "$DLOG" || fail "no failed first attempt"
[ -e /run/drift/unprotected/note.json ] || fail "the note was removed although the container is not bound"
mv "$RT/b/note/config.json.away" "$RT/b/note/config.json"
for i in $(seq 1 150); do [ "$(rt_binding_mode note)" = enforce ] && break; sleep 0.1; done
[ "$(rt_binding_mode note)" = enforce ] || fail "the note was not retried: $(rt_kstate)"
sleep 1
[ "$(cat "$RT/b/note/upper/tmp/st")" = DENIED ] || fail "the container still runs its dropped binary"
[ ! -e /run/drift/unprotected/note.json ] || fail "the note stays after binding"
rt_metrics | grep -q '^drift_unprotected_starts_total 1$' || fail "unprotected start not counted once"
crun kill note KILL; sleep 0.3; crun delete -f note >/dev/null 2>&1 || true
rt_unbundle note
rt_stop_driftd
log "PASS"
