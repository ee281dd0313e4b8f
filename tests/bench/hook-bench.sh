#!/bin/bash
# Hook latency during a cold scan (issue 10, goal 3), run by run-bench in
# the same icount boot (BENCH_HOOK=0 skips it): driftd's own time to answer
# the OCI hook of a container of a warm image (its layer already scanned:
# policy, cgroup, bind), read from driftd's log line "hook: container ID:
# bound in X ms" (accept to answer), measured
#   idle   BENCH_HOOK_N times with nothing else running, then
#   cold   BENCH_HOOK_N times while driftd scans a cold image of
#          BENCH_COLD_FILES (default 100000) executables for another
#          container's hook.
# Prints the medians (guest ms: under icount 1 ms = 1e6 instructions) and
# their ratio cold/idle. The cold container's own hook time and the number
# of warm hooks answered before it are printed for context.
. "$(dirname "$0")/../integration/lib-runtime.sh"
out=${DRIFT_RESULTS:-/tmp}/bench.txt
note() { echo "$*" | tee -a "$out"; }
N=${BENCH_HOOK_N:-5}
FILES=${BENCH_COLD_FILES:-100000}
rt_init
rt_start_driftd

warm() { # NAME -> driftd's ms for its hook
	rt_bundle_clone wtpl "$1"
	crun run -d -b "$RT/b/$1" "$1" >/dev/null 2>&1 || fail "start $1"
	grep -o "hook: container $1: bound in [0-9.]* ms" "$DLOG" | awk '{ print $(NF-1) }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

rt_bundle wtpl drift.io/mode=enforce --args 'sleep 600'
warm w0 >/dev/null	# the image's layer: scanned here, then warm
for i in $(seq 1 "$N"); do warm "wi$i"; done >"$RT/idle.ms"

COLD=$RT/cold
rm -rf "$COLD"
cp -a "$IMG" "$COLD"
"$TOOLS/fill-tree" "$COLD/many" "$FILES" || fail "fill-tree"
rt_bundle cold drift.io/mode=enforce --lower "$COLD" --args 'sleep 600'
# the hook may wait for the whole scan: a generous timeout (guest time)
python3 - "$RT/b/cold/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
h = c["hooks"]["createRuntime"][0]
h["args"] += ["--timeout-ms", "600000"]
h["timeout"] = 600
json.dump(c, open(sys.argv[1], "w"))
PY
crun run -d -b "$RT/b/cold" cold >"$RT/cold.out" 2>&1 &
cpid=$!
for i in $(seq 1 600); do grep -q "layer $COLD: scanning" "$DLOG" && break; sleep 0.05; done
grep -q "layer $COLD: scanning" "$DLOG" || fail "the cold scan did not start"
: >"$RT/cold.ms"
before=0
for i in $(seq 1 "$N"); do
	warm "wc$i" >>"$RT/cold.ms"
	grep -q "hook: container cold: " "$DLOG" || before=$((before + 1))
done
wait "$cpid" || fail "the cold container did not start: $(cat "$RT/cold.out")"
cold_ms=$(grep -o "hook: container cold: bound in [0-9.]* ms" "$DLOG" | awk '{ print $(NF-1) }')
idle=$(median <"$RT/idle.ms")
busy=$(median <"$RT/cold.ms")
note "== driftd's answer to a warm hook (guest ms, median of $N; icount: 1 ms = 1e6 instructions)"
note "idle: $idle ms (all: $(tr '\n' ' ' <"$RT/idle.ms"))"
note "during a cold scan of $FILES files: $busy ms (all: $(tr '\n' ' ' <"$RT/cold.ms")); $before of $N answered before the cold hook"
note "ratio during/idle: $(python3 -c "print('%.2f' % ($busy / $idle))")"
note "the cold container's own hook: ${cold_ms:-?} ms"
[ "$before" -gt 0 ] || fail "no warm hook was answered during the cold scan"
for c in w0 $(seq -f 'wi%g' 1 "$N") $(seq -f 'wc%g' 1 "$N") cold; do
	crun kill "$c" KILL 2>/dev/null || true
done
sleep 0.5
for c in w0 $(seq -f 'wi%g' 1 "$N") $(seq -f 'wc%g' 1 "$N") cold; do
	crun delete -f "$c" >/dev/null 2>&1 || true
	rt_unbundle "$c"
done
rt_unbundle wtpl
rm -rf "$COLD"
rt_stop_driftd
