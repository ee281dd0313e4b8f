#!/bin/bash
# Benchmark figures (printed, and written to $DRIFT_RESULTS/driftd-bench.txt;
# the test only fails if something does not work):
#  - the hook's added latency to a container start: crun run of /bin/true,
#    without the hook and with it (driftd running, image set already loaded);
#  - the time to build the allowlist of a large image: cold (layer scanned and
#    hashed, set uploaded), cached layer (set uploaded again after it was
#    deleted), shared set (a second container while the first runs).
# Skipped unless DRIFT_BENCH=1 (tests/vm/run-guest --env DRIFT_BENCH=1 ...).
. "$(dirname "$0")/lib-runtime.sh"
[ "${DRIFT_BENCH:-0}" = 1 ] || { echo "SKIP: benchmark; set DRIFT_BENCH=1"; exit 77; }
rt_init
rt_start_driftd
OUT=${DRIFT_RESULTS:-/tmp}/driftd-bench.txt
NFILES=${BENCH_FILES:-3000}
RUNS=${BENCH_RUNS:-10}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

log "large image: $NFILES executables of 16 KiB + busybox"
BIG=$RT/bigimg
rm -rf "$BIG"; mkdir -p "$BIG/bin" "$BIG/opt" "$BIG/tmp"
cp -a "$IMG/bin/." "$BIG/bin/"
python3 - "$BIG/opt" "$NFILES" <<'PY'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    p = os.path.join(d, "f%05d" % i)
    with open(p, "wb") as f:
        f.write(os.urandom(16384))
    os.chmod(p, 0o755)
PY
bigbundle() { rt_bundle "$1" --lower "$BIG" drift.io/mode=enforce --args "$2"; }
bigbundle big1 'sleep 60'
t0=$(now_ms)
crun run -d -b "$RT/b/big1" big1 >/dev/null 2>&1 || fail "big1"
cold=$(( $(now_ms) - t0 ))
[ "$(rt_binding_mode big1)" = enforce ] || fail "big1 not bound"
cold_set=$(grep -o '[0-9]* entries ([^)]*) in [0-9.]* s' "$DLOG" | tail -n1)
bigbundle big2 'sleep 60'
t0=$(now_ms)
crun run -d -b "$RT/b/big2" big2 >/dev/null 2>&1 || fail "big2"
shared=$(( $(now_ms) - t0 ))
for n in big1 big2; do crun kill $n KILL; done; sleep 0.5
for n in big1 big2; do crun delete -f $n >/dev/null 2>&1 || true; done
rt_wait_bindings 0
bigbundle big3 'true'
t0=$(now_ms)
crun run -b "$RT/b/big3" big3 >/dev/null 2>&1 || fail "big3"
cached=$(( $(now_ms) - t0 ))
cached_set=$(grep -o '[0-9]* entries ([^)]*) in [0-9.]* s' "$DLOG" | tail -n1)
for n in big1 big2 big3; do rt_unbundle $n; done

log "hook latency: $RUNS x crun run /bin/true without and with the hook"
rt_bundle keep --args 'sleep 120'          # keeps the image set loaded
crun run -d -b "$RT/b/keep" keep >/dev/null 2>&1 || fail "keep"
rt_bundle nohook --args 'true'
python3 - "$RT/b/nohook/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c.pop("hooks", None); json.dump(c, open(sys.argv[1], "w"))
PY
rt_bundle withhook --args 'true'
t0=$(now_ms); for i in $(seq 1 "$RUNS"); do crun run -b "$RT/b/nohook" nh$i >/dev/null 2>&1 || fail nohook; done
nohook=$(( ($(now_ms) - t0) / RUNS ))
t0=$(now_ms); for i in $(seq 1 "$RUNS"); do crun run -b "$RT/b/withhook" wh$i >/dev/null 2>&1 || fail withhook; done
withhook=$(( ($(now_ms) - t0) / RUNS ))
m=$(rt_metrics)
crun kill keep KILL; sleep 0.3; crun delete -f keep >/dev/null 2>&1 || true
rt_wait_bindings 0
for n in keep nohook withhook; do rt_unbundle $n; done

{
	echo "driftd benchmark, QEMU TCG guest, kernel $(uname -r), $(nproc) vCPUs, $(date -u +%F)"
	echo "large image: $NFILES x 16 KiB executables + busybox"
	echo "  cold (scan + SHA-256 + upload), crun run -d total: ${cold} ms; driftd: $cold_set"
	echo "  shared set (2nd container, same image), crun run -d total: ${shared} ms"
	echo "  cached layers (set deleted, uploaded again), crun run total: ${cached} ms; driftd: $cached_set"
	echo "hook latency, crun run /bin/true, mean of $RUNS:"
	echo "  without hook: ${nohook} ms, with drift-oci-hook: ${withhook} ms, added: $((withhook - nohook)) ms"
	echo "driftd answer time (drift_hook_latency_seconds): sum $(awk '$1=="drift_hook_latency_seconds_sum"{print $2}' <<<"$m") s over $(awk '$1=="drift_hook_latency_seconds_count"{print $2}' <<<"$m") requests"
} | tee "$OUT"
rt_stop_driftd
log "PASS"
