#!/bin/bash
# events-format falco: every line driftd writes for real denials, audits and
# a notice is a Falco alert as falcosidekick decodes one (priority, rule,
# RFC 3339 time, non-empty output_fields) with Falco's field names:
# container.id the 12-character short id, container.full_id the whole id,
# the image split into repository and tag, source "drift"; a file name
# with control characters cannot forge a line of the output text.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
echo "events-format falco" >>"$CONF"
rt_start_driftd
CHECK=$REPO/tests/tools/check_events.py
CID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

log "enforce, a 64-character container id, a file name with an escape sequence"
rt_bundle "$CID" drift.io/mode=enforce drift.io/image=localhost/bb:1 drift.io/name=web --args "$RT_PAYLOAD"'
n=$(printf "/tmp/x/evil\n00:00:00.000000000: Critical forged\033[2J")
cp /bin/busybox "$n" && echo >>"$n" && chmod 755 "$n"
if "$n" true 2>/dev/null; then r EVIL=ran; else r EVIL=denied; fi'
out=$(crun run -b "$RT/b/$CID" "$CID" 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied EVIL=denied
log "audit"
rt_bundle aud drift.io/mode=audit drift.io/image=localhost/bb:1
out=$(crun run -b "$RT/b/aud" aud 2>&1) || true
rt_expect "$out" IMG=ok COPY=ran DL=ran SCRIPT=ran MEMFD=ran
log "a hook request driftd cannot serve (no bundle): a bind_failed notice"
echo '{"ociVersion":"1.0","id":"fm1","pid":1,"bundle":"/nonexistent","status":"creating"}' |
	"$HOOK" --fail-closed 2>/dev/null && fail "bad state accepted"
for i in $(seq 1 50); do
	[ "$(wc -l <"$EVENTS")" -ge 10 ] && break
	sleep 0.1
done
sleep 1
head -n 2 "$EVENTS"

log "every line is a valid Falco alert"
python3 "$CHECK" falco "$EVENTS" || fail "Falco format"
grep -q '"drift.notice":"bind_failed"' "$EVENTS" || fail "no bind_failed notice"
python3 - "$EVENTS" "$CID" <<'PY' || fail "Falco field values"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
cid = sys.argv[2]
deny = [e for e in ev if e["output_fields"].get("container.full_id") == cid]
aud = [e for e in ev if e["output_fields"].get("container.full_id") == "aud"]
assert len(deny) >= 5 and len(aud) >= 4, (len(deny), len(aud))
for e in deny:
    f = e["output_fields"]
    assert e["priority"] == "Critical" and f["evt.res"] == "EACCES", e
    assert f["container.id"] == cid[:12], f
    assert f["container.image.repository"] == "localhost/bb" and f["container.image.tag"] == "1", f
    assert f["container.name"] == "web" and f["evt.type"] == "execve", f
    assert f["proc.pid"] > 1 and isinstance(f["evt.time"], int), f
    assert e["output"].count("\n") == 0 and "\x1b" not in e["output"], e["output"]
for e in aud:
    assert e["priority"] == "Warning" and e["output_fields"]["evt.res"] == "SUCCESS", e
evil = [e for e in deny if "evil" in (e["output_fields"]["proc.exepath"] or "")]
assert len(evil) == 1, "no event for the forged name"
assert "evil\\x0a00:00:00" in evil[0]["output"] and "\\x1b[2J" in evil[0]["output"], evil[0]["output"]
print(f"{len(deny)} denials, {len(aud)} audits; forged name shown as", evil[0]["output"][-90:])
PY
rt_stop_driftd
log "PASS"
