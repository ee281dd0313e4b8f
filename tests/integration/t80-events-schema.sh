#!/bin/bash
# The event schema (docs/events.md): for the same kernel event driftd's
# event log and `driftctl monitor --json` write the same line; every line
# of both validates against docs/event.schema.json (python3-jsonschema);
# a file name with invalid UTF-8 and a newline stays one valid JSON line
# whose path_b64 holds the exact bytes; 64-bit ids are strings; op is set.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd
CHECK=$REPO/tests/tools/check_events.py
MON=$RT/monitor.jsonl

"$DRIFTCTL" --json monitor --timeout 120 >"$MON" 2>"$MON.err" &
MON_PID=$!
sleep 1
kill -0 "$MON_PID" || fail "driftctl monitor exited: $(cat "$MON.err")"

log "enforce: the usual attempts, plus a binary whose name is not UTF-8 and has a newline"
rt_bundle enf drift.io/mode=enforce drift.io/image=localhost/bb:1 drift.io/name=web --args "$RT_PAYLOAD"'
n=$(printf "/tmp/bad\377\376name\nline")
cp /bin/busybox "$n" && echo >>"$n" && chmod 755 "$n"
if "$n" true 2>/dev/null; then r BAD=ran; else r BAD=denied; fi'
out=$(crun run -b "$RT/b/enf" enf 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied BAD=denied
rt_wait_events 5 container_id=enf action=deny
log "audit: the same attempts are reported"
rt_bundle aud drift.io/mode=audit drift.io/image=localhost/bb:1
out=$(crun run -b "$RT/b/aud" aud 2>&1) || true
rt_expect "$out" IMG=ok COPY=ran DL=ran SCRIPT=ran MEMFD=ran
rt_wait_events 4 container_id=aud action=audit
sleep 1
kill "$MON_PID"; wait "$MON_PID" 2>/dev/null || true

log "every line validates against docs/event.schema.json"
python3 "$CHECK" schema "$EVENTS" "$MON" || fail "schema validation"

log "driftctl monitor --json wrote exactly driftd's lines"
python3 - "$EVENTS" "$MON" <<'PY' || fail "driftd and driftctl monitor differ"
import base64, json, sys
d = [l for l in open(sys.argv[1], "rb") if json.loads(l)["kind"] == "drift"]
m = [l for l in open(sys.argv[2], "rb")]
print(f"driftd: {len(d)} drift events, monitor: {len(m)}")
assert len(d) >= 9 and len(m) == len(d), "event counts differ"
missing = [l for l in m if l not in set(d)]
for l in missing[:3]:
    print("only in monitor:", l)
    k = json.loads(l)["time_ns"]
    print("driftd's line:  ", [x for x in d if json.loads(x)["time_ns"] == k])
assert not missing, f"{len(missing)} monitor lines are not byte-identical to driftd's"
ev = [json.loads(l) for l in d]
bad = [e for e in ev if "path_b64" in e]
assert len(bad) == 1, f"expected one event with path_b64, got {len(bad)}"
raw = base64.b64decode(bad[0]["path_b64"])
assert raw == b"/tmp/bad\xff\xfename\nline", raw
assert bad[0]["path"] == "/tmp/bad\ufffd\ufffdname\nline", bad[0]["path"]
for e in ev:
    assert e["op"] == "exec" and e["schema"] == 1, e
    assert isinstance(e["cgroup_id"], str) and int(e["cgroup_id"]) > 1, e
    assert e["container_name"] in ("web", None) or e["container_id"] == "aud", e
assert all(e["image"] == "localhost/bb:1" for e in ev), "image missing"
print("identical lines; path_b64 =", bad[0]["path_b64"])
PY
rt_stop_driftd
log "PASS"
