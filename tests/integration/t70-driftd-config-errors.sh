#!/bin/bash
# A configuration with one bad line is never applied, not even in part:
# driftd refuses to start (exit 78, EX_CONFIG, "FILE:LINE: what is wrong"),
# `driftd --check-config FILE` says so without starting, and a SIGHUP with
# such a file keeps the running configuration (and says so). The typo of
# issue 8 ("mode enforcee") must not give audit.
. "$(dirname "$0")/lib-runtime.sh"
rt_init

BAD=$RT/bad.conf
cp "$CONF" "$BAD"
echo "mode enforcee" >>"$BAD"
line=$(wc -l <"$BAD")

log "--check-config FILE: valid and invalid"
"$DRIFTD" --check-config "$CONF" >"$RT/cc.out" 2>&1 || fail "valid file: $(cat "$RT/cc.out")"
rc=0; "$DRIFTD" --check-config "$BAD" >"$RT/cc.out" 2>&1 || rc=$?
cat "$RT/cc.out"
[ "$rc" = 78 ] || fail "--check-config of a bad file: exit $rc, want 78"
grep -q "$BAD:$line: mode: expected off, audit or enforce" "$RT/cc.out" || fail "no FILE:LINE message"

log "start with the bad file: refused, exit 78, nothing bound"
rc=0; timeout 20 "$DRIFTD" --config "$BAD" >"$RT/start.out" 2>&1 || rc=$?
cat "$RT/start.out"
[ "$rc" = 78 ] || fail "driftd started (or failed otherwise) with a bad config: exit $rc"
grep -q "$BAD:$line:" "$RT/start.out" || fail "start: no FILE:LINE message"
grep -q "refusing to start" "$RT/start.out" || fail "start: no refusal message"
[ ! -S "$SOCK" ] || fail "a hook socket exists"

log "SIGHUP with a bad file keeps the running configuration"
sed -i 's/^mode audit$/mode enforce/' "$CONF"
rt_start_driftd
cp "$CONF" "$RT/good.conf"
printf 'mode audit\nrule namespace x enforce lib-mode\n' >>"$CONF"	# a later "mode audit" + one bad line
kill -HUP "$DRIFTD_PID"
for i in $(seq 1 50); do grep -q 'keeping the running configuration' "$DLOG" && break; sleep 0.1; done
grep -q 'keeping the running configuration' "$DLOG" || fail "reload did not say it kept the configuration"
grep -q "$CONF:[0-9]*: usage: rule" "$DLOG" || fail "reload: no FILE:LINE message"
kill -0 "$DRIFTD_PID" || fail "driftd died on a bad reload"
rt_bundle hup --args "$RT_PAYLOAD"
out=$(crun run -b "$RT/b/hup" hup 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=denied
grep -q 'container hup .* mode enforce (default)' "$DLOG" || fail "the container did not get the running mode"

log "SIGHUP with a valid file applies it"
cp "$RT/good.conf" "$CONF"
sed -i 's/^mode enforce$/mode audit/' "$CONF"
kill -HUP "$DRIFTD_PID"
for i in $(seq 1 50); do grep -q 'configuration reloaded' "$DLOG" && break; sleep 0.1; done
grep -q 'configuration reloaded' "$DLOG" || fail "a valid reload was not applied"
rt_bundle hup2 --args "$RT_PAYLOAD"
out=$(crun run -b "$RT/b/hup2" hup2 2>&1) || true
rt_expect "$out" IMG=ok COPY=ran
rt_unbundle hup; rt_unbundle hup2
rt_stop_driftd
log "PASS"
