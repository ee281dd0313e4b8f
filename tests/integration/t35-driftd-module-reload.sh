#!/bin/bash
# A module reload under a running driftd (unlock, rmmod, insmod: what a KMM
# upgrade does). driftd notices the family going away (nlctrl DELFAMILY)
# and coming back, uploads its sets (the layer sets before the image sets
# that include them) and binds its live containers again
# with their roots and exceptions within seconds, joins the new events
# group (events resume), logs the gap and emits a module_reloaded notice.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
# the exception comes from an annotation: the administrator grants it
echo "allow all exceptions /opt/tools/" >>"$CONF"
rt_start_driftd

LOOP='mkdir -p /tmp/x /opt/tools; cp /bin/busybox /tmp/x/true; echo >>/tmp/x/true; chmod 755 /tmp/x/true
cp /tmp/x/true /opt/tools/true
while :; do
  if [ -e /tmp/go ]; then
    rm -f /tmp/go /tmp/result
    a=denied; /tmp/x/true 2>/dev/null && a=ran
    b=denied; /opt/tools/true 2>/dev/null && b=ran
    echo "$a $b" >/tmp/result.t; mv /tmp/result.t /tmp/result
  fi
  sleep 0.1
done'
try_in() { # NAME -> "ran|denied ran|denied" (dropped, excepted)
	local r=$RT/b/$1/rootfs/tmp i
	rm -f "$r/result"; : >"$r/go"
	for i in $(seq 1 100); do
		[ -s "$r/result" ] && { cat "$r/result"; return; }
		sleep 0.1
	done
	echo timeout
}

rt_bundle A drift.io/mode=enforce drift.io/exceptions=/opt/tools/ --args "$LOOP"
crun run -d -b "$RT/b/A" A >/dev/null 2>&1 || fail "start A"
rt_wait_bindings 1
sets=$(rt_sets)
[ "$(try_in A)" = "denied ran" ] || fail "A before the reload: $(try_in A)"
rt_wait_events 1 container_id=A action=deny

# Scrapes all along the reload: the event loop recovers the metrics
# thread's own netlink socket (resolve, replay) while that thread may be in
# the middle of a request on it. Every scrape must be answered.
scrape_stop() { touch "$RT/scrape.stop"; [ -z "${SCRAPER:-}" ] || wait "$SCRAPER" 2>/dev/null || true; SCRAPER=; }
trap 'scrape_stop; rt_cleanup' EXIT
rm -f "$RT/scrape.stop"; : >"$RT/scrapes"
(
	set +e
	while [ ! -e "$RT/scrape.stop" ]; do
		if timeout 10 busybox wget -q -O "$RT/scrape.txt" http://127.0.0.1:9477/metrics; then
			grep -m1 '^drift_kernel_up ' "$RT/scrape.txt" >>"$RT/scrapes" || echo "no drift_kernel_up" >>"$RT/scrapes"
		else
			echo "scrape failed" >>"$RT/scrapes"
		fi
	done
) &
SCRAPER=$!
sleep 0.5

log "reload the module under driftd"
"$DRIFTCTL" unlock >/dev/null 2>&1 || true
rmmod drift || fail "rmmod drift"
t0=$(date +%s.%N)
insmod "${DRIFT_KO:-$REPO/kmod/drift.ko}" || fail "insmod"
for i in $(seq 1 100); do
	[ "$(rt_binding_mode A)" = enforce ] && break
	sleep 0.1
done
t1=$(date +%s.%N)
[ "$(rt_binding_mode A)" = enforce ] || fail "A not bound again after the reload: $(rt_kstate)"
log "A bound again $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s after insmod"
[ "$(rt_sets)" = "$sets" ] || fail "sets after the reload: $(rt_sets), before $sets"
[ "$(rt_sets drift-layer-)" = 1 ] || fail "the layer set was not restored: $(rt_kstate)"
"$DRIFTCTL" --json sets | python3 -c 'import json,sys
s = {x["name"]: x for x in json.load(sys.stdin)["sets"]}
img = [n for n in s if n.startswith("drift-img-")]
assert len(img) == 1 and len(s[img[0]]["includes"]) == 1, s
assert s[img[0]]["includes"][0] in s and s[img[0]]["entries"] > 0, s' ||
	fail "the image set does not include its layer set again: $("$DRIFTCTL" sets)"
[ "$(try_in A)" = "denied ran" ] || fail "A after the reload: $(try_in A)"
rt_wait_events 2 container_id=A action=deny
log "ok: enforced again, exception kept, events resumed"
grep -q "drift kernel module went away" "$DLOG" || fail "driftd did not log the module going away"
# the image's layer set, then the image set that includes it, then A
grep -Eq "drift kernel module reloaded: 2 sets and 1 bindings restored \(0 failed\); enforcement was gone for [0-9.]+ s" "$DLOG" ||
	fail "driftd did not log the restore"
rt_wait_events 1 kind=module_reloaded
log "ok: $(grep -o 'enforcement was gone for [0-9.]* s' "$DLOG")"

scrape_stop
kill -0 "$DRIFTD_PID" 2>/dev/null || fail "driftd died during the reload"
n=$(grep -c . "$RT/scrapes" || true)
log "$n scrapes across the reload: $(sort "$RT/scrapes" | uniq -c | tr -s ' \n' ' ')"
[ "$n" -ge 10 ] || fail "only $n scrapes across the reload"
grep -v '^drift_kernel_up [01]$' "$RT/scrapes" && fail "scrapes failed across the reload"
[ "$(tail -n1 "$RT/scrapes")" = "drift_kernel_up 1" ] || fail "the last scrape: $(tail -n1 "$RT/scrapes")"
rt_metrics | grep -qx 'drift_kernel_up 1' || fail "metrics: drift_kernel_up not 1 after the reload"
log "ok: metrics answered all along, the kernel up again"

crun kill A KILL; sleep 0.3; crun delete -f A >/dev/null 2>&1 || true
rt_wait_bindings 0
rt_unbundle A
rt_stop_driftd
log "PASS"
