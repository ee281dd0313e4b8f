#!/bin/bash
# Event output never blocks driftd's loop: with the event log a pipe that
# nobody reads, 600 audited execs fill the pipe and the bounded queue
# (events-queue-bytes 4096); the lines that do not fit are dropped and
# counted in drift_events_output_dropped_total, hooks are still answered
# and metrics still served; once the pipe is read again, new events flow.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
FIFO=$RT/events.fifo
rm -f "$FIFO"; mkfifo "$FIFO"
sed -i "s|^events .*|events $FIFO|" "$CONF"
echo "events-queue-bytes 4096" >>"$CONF"
# a reader that opens the pipe and never reads it
sleep 1000 <"$FIFO" &
STALL=$!
rt_start_driftd
"$DRIFTCTL" default --event-rate 100000 --event-burst 100000 || fail "driftctl default"

log "600 audited execs of a dropped binary while nobody reads the event pipe"
rt_bundle st drift.io/mode=audit drift.io/image=localhost/bb:1 \
	--args 'mkdir -p /tmp/x; cp /bin/busybox /tmp/x/true; echo >>/tmp/x/true; chmod 755 /tmp/x/true; /tmp/exec_loop -n 600 /tmp/x/true'
cp "$REPO/tests/tools/exec_loop" "$RT/b/st/rootfs/tmp/exec_loop"
out=$(crun run -b "$RT/b/st" st 2>&1) || true
echo "$out"
grep -q 'execs=600' <<<"$out" || fail "the exec loop did not run"
sleep 1
m=$(rt_metrics) || fail "metrics not served while the output is stalled"
grep -E '^drift_(events_output|kernel_events_total)' <<<"$m"
dropped=$(awk '$1=="drift_events_output_dropped_total"{print $2}' <<<"$m")
[ "${dropped:-0}" -ge 100 ] || fail "drift_events_output_dropped_total=$dropped, expected >= 100"
grep -q '^drift_events_output_queue_bytes [1-9]' <<<"$m" || fail "the queue is not holding lines"

log "a hook is answered while the output is stalled"
rt_bundle h1 drift.io/mode=enforce drift.io/image=localhost/bb:1 --args 'true'
t0=$(date +%s%N)
timeout 30 crun run -b "$RT/b/h1" h1 >/dev/null 2>&1 || fail "crun run h1 with a stalled event output"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
log "h1 bound and ran in $ms ms"
[ "$ms" -lt 10000 ] || fail "hook took $ms ms"

log "the pipe is read again: lines flow"
cat "$FIFO" >"$RT/drained.jsonl" &
CAT=$!
kill "$STALL" 2>/dev/null || true
rt_bundle after drift.io/mode=enforce drift.io/image=localhost/bb:1
out=$(crun run -b "$RT/b/after" after 2>&1) || true
rt_expect "$out" COPY=denied
for i in $(seq 1 100); do
	grep -q '"container_id":"after"' "$RT/drained.jsonl" 2>/dev/null && break
	sleep 0.1
done
grep -q '"container_id":"after"' "$RT/drained.jsonl" || fail "no event after the pipe drained"
n=$(wc -l <"$RT/drained.jsonl")
python3 "$REPO/tests/tools/check_events.py" schema "$RT/drained.jsonl" || fail "drained lines"
log "$n lines written after the stall, $dropped dropped and counted"
rt_stop_driftd
kill "$CAT" 2>/dev/null || true
log "PASS"
