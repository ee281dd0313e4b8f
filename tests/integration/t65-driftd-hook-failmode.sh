#!/bin/bash
# drift-oci-hook when driftd cannot answer: fail-closed exits 1, fail-open
# exits 0 and leaves a note; a server that accepts but never answers does
# not hang the hook past --timeout-ms; driftd refuses non-root clients and
# rejects malformed states with an error answer.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
STATE='{"ociVersion":"1.0","id":"fm1","pid":1,"bundle":"/nonexistent","status":"creating"}'
rm -f /run/drift/unprotected/fm1.json

log "no driftd"
if echo "$STATE" | "$HOOK" --socket /run/drift/none.sock --fail-closed 2>/dev/null; then fail "fail-closed hook succeeded"; fi
echo "$STATE" | "$HOOK" --socket /run/drift/none.sock --fail-open 2>"$RT/hook.err" || fail "fail-open hook failed"
grep -q UNPROTECTED "$RT/hook.err" || fail "fail-open did not say so"
[ -e /run/drift/unprotected/fm1.json ] || fail "no note left"
rm -f /run/drift/unprotected/fm1.json

log "a server that never answers"
# It says when it listens (the socket file exists from bind(), before
# listen(): a hook connecting in between is refused, "cannot connect").
rm -f /run/drift/mute.listening
python3 - <<'PY' &
import socket, time, os
p = "/run/drift/mute.sock"
try: os.unlink(p)
except FileNotFoundError: pass
s = socket.socket(socket.AF_UNIX); s.bind(p); s.listen(8)
open("/run/drift/mute.listening", "w").close()
c, _ = s.accept(); time.sleep(30)
PY
mute=$!
for i in $(seq 1 300); do [ -e /run/drift/mute.listening ] && break; sleep 0.1; done
[ -e /run/drift/mute.listening ] || fail "set-up: the mute server did not start listening in 30 s"
t0=$(date +%s%N)
if echo "$STATE" | "$HOOK" --socket /run/drift/mute.sock --timeout-ms 1000 --fail-closed 2>"$RT/hook.err"; then fail "mute server: hook succeeded"; fi
t1=$(date +%s%N)
kill $mute 2>/dev/null || true
ms=$(( (t1 - t0) / 1000000 ))
log "hook gave up after $ms ms"
# 3 s, scaled on a slow kernel (process start and exit), but always well
# under the mute server's 30 s: a hook without its timeout would wait that
limit=$((3000 * TIME_SCALE))
[ "$limit" -le 20000 ] || limit=20000
[ "$ms" -lt "$limit" ] || fail "hook took $ms ms with --timeout-ms 1000 (limit $limit ms)"
grep -q 'timed out' "$RT/hook.err" || fail "no timeout message: $(cat "$RT/hook.err")"

log "driftd answers errors for bad states"
rt_start_driftd
if echo '{"id":"../x","bundle":"/b"}' | "$HOOK" --fail-closed 2>"$RT/hook.err"; then fail "bad state accepted"; fi
grep -q 'bad OCI state' "$RT/hook.err" || fail "no error message: $(cat "$RT/hook.err")"
if echo "$STATE" | "$HOOK" --fail-closed 2>"$RT/hook.err"; then fail "state with missing bundle accepted"; fi
grep -q 'bundle config' "$RT/hook.err" || fail "no bundle error: $(cat "$RT/hook.err")"
if command -v setpriv >/dev/null; then
	if echo "$STATE" | setpriv --reuid 65534 --regid 65534 --clear-groups "$HOOK" --fail-closed 2>"$RT/hook.err"; then
		fail "non-root client accepted"
	fi
fi
[ "$(rt_events kind=bind_failed)" -ge 1 ] || fail "no bind_failed notice"
rt_stop_driftd
log "PASS"
