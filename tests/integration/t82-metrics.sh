#!/bin/bash
# Prometheus metrics: the scrape passes `promtool check metrics` and
# prometheus_client's parser with HELP and TYPE on every family, nothing
# double-counts, drift_build_info is there, the Grafana dashboard uses only
# metrics that exist; labels are bounded (namespace/workload) with
# per-container series only when configured; workload counters do not go
# down when a container goes away. The endpoint is served off the event
# loop: clients that connect and never send, or never read, change nothing
# for the hooks, and another scraper is still answered.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd
CHECK=$REPO/tests/tools/check_metrics.py
DASH=$REPO/packaging/grafana/drift-dashboard.json

log "workload: two denying containers of one image, one auditing"
for c in e1 e2; do
	rt_bundle $c drift.io/mode=enforce drift.io/image=localhost/bb:1
	out=$(crun run -b "$RT/b/$c" $c 2>&1) || true
	rt_expect "$out" IMG=ok COPY=denied
done
rt_bundle a1 drift.io/mode=audit drift.io/image=localhost/bb:1
out=$(crun run -b "$RT/b/a1" a1 2>&1) || true
rt_expect "$out" COPY=ran
rt_bundle long drift.io/mode=enforce drift.io/image=localhost/bb:1 --args 'sleep 300'
crun run -d -b "$RT/b/long" long >/dev/null 2>&1 || fail "crun run -d long"
rt_wait_bindings 1
rt_metrics >"$RT/m1.txt" || fail "scrape"
grep -E '^drift_(build_info|workload_|execs_total|bindings)' "$RT/m1.txt"

log "promtool check metrics"
promtool check metrics <"$RT/m1.txt" || fail "promtool check metrics"
log "prometheus_client parser, HELP/TYPE, no double counting, dashboard metrics exist"
python3 "$CHECK" "$RT/m1.txt" "$DASH" || fail "metrics check"
wl='drift_workload_execs_total{namespace="",workload="localhost/bb",result="denied"}'
n1=$(awk -v k="$wl" '$1==k {print $2}' "$RT/m1.txt")
[ "${n1:-0}" -ge 8 ] || fail "workload denied count $n1, want >= 8 (4 per container)"
grep -q '^drift_workload_containers{namespace="",workload="localhost/bb",mode="enforce"} 1$' "$RT/m1.txt" ||
	fail "drift_workload_containers does not show the running enforce container"
grep -q '^drift_container_' "$RT/m1.txt" && fail "per-container series without metrics-per-container"
grep -q 'container_id=' "$RT/m1.txt" && fail "a container id label without metrics-per-container"

log "the counters stay when the containers are gone"
crun kill long KILL 2>/dev/null || true
for i in $(seq 1 100); do crun delete -f long >/dev/null 2>&1 && break; sleep 0.1; done
rt_wait_bindings 0
rt_metrics >"$RT/m2.txt"
n2=$(awk -v k="$wl" '$1==k {print $2}' "$RT/m2.txt")
[ "${n2:-0}" -ge "$n1" ] || fail "workload counter went down from $n1 to $n2 after unbind"
grep -q '^drift_workload_containers{namespace="",workload="localhost/bb",mode="enforce"} 0$' "$RT/m2.txt" ||
	fail "the workload still counts a container"

log "metrics-per-container yes (SIGHUP): one series per container"
echo "metrics-per-container yes" >>"$CONF"
kill -HUP "$DRIFTD_PID"; sleep 1
rt_bundle long2 drift.io/mode=enforce drift.io/image=localhost/bb:1 --args 'sleep 300'
crun run -d -b "$RT/b/long2" long2 >/dev/null 2>&1 || fail "crun run -d long2"
rt_wait_bindings 1
rt_metrics >"$RT/m3.txt"
grep -q '^drift_container_mode{container_id="long2",.*} 2$' "$RT/m3.txt" || fail "no drift_container_mode for long2"
grep -q '^drift_container_execs_total{container_id="long2",' "$RT/m3.txt" || fail "no drift_container_execs_total"
promtool check metrics <"$RT/m3.txt" || fail "promtool (per-container)"
python3 "$CHECK" "$RT/m3.txt" || fail "metrics check (per-container)"

log "slow scrapers: baseline, 3 containers through the hook with no scraper"
for c in b1 b2 b3 s1 s2 s3; do
	rt_bundle $c drift.io/mode=enforce drift.io/image=localhost/bb:1 --args 'true'
done
t0=$(date +%s%N)
for c in b1 b2 b3; do
	crun run -b "$RT/b/$c" $c >/dev/null 2>&1 || fail "crun run $c"
done
base=$(( ($(date +%s%N) - t0) / 1000000 ))
log "baseline: $base ms"
log "20 connections that never send, one that never reads"
python3 - "$RT/slow.ready" <<'PY' &
import socket, sys, time
held = []
for i in range(20):
    s = socket.create_connection(("127.0.0.1", 9477)); held.append(s)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.connect(("127.0.0.1", 9477))
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"); held.append(s)
open(sys.argv[1], "w").write("ready\n")
time.sleep(60)
PY
SLOW=$!
for i in $(seq 1 100); do [ -e "$RT/slow.ready" ] && break; sleep 0.1; done
[ -e "$RT/slow.ready" ] || fail "slow clients not connected"
t0=$(date +%s%N)
for c in s1 s2 s3; do
	crun run -b "$RT/b/$c" $c >/dev/null 2>&1 || fail "crun run $c with slow scrapers connected"
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "3 containers bound through the hook in $ms ms while 21 scrapers stall (baseline $base ms)"
rt_metrics >"$RT/m4.txt" || fail "a scrape failed while slow clients are connected"
grep -q '^drift_hook_requests_total{result="bound"} [1-9]' "$RT/m4.txt" || fail "scrape content"
kill "$SLOW" 2>/dev/null; wait "$SLOW" 2>/dev/null || true
# Served from the loop (before), each silent client held it for 1 s: +20 s.
[ "$ms" -lt $((2 * base + 3000)) ] || fail "hooks took $ms ms with slow scrapers connected, $base ms without"
crun kill long2 KILL 2>/dev/null || true
for i in $(seq 1 100); do crun delete -f long2 >/dev/null 2>&1 && break; sleep 0.1; done
rt_stop_driftd
log "PASS"
