#!/bin/bash
# Configuration rules and Falco output: an image rule selects enforce, a
# namespace rule exempts (no binding at all), events are written in Falco's
# JSON output format; a configuration with bad lines reports every one as
# FILE:LINE (and is refused as a whole: t70). The bundles carry the keys
# CRI-O sets (cri-runtime cri-o): rules match only trusted metadata.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
cp "$CONF" "$RT/base.conf"
cat >>"$CONF" <<'CONF'
events-format falco
this line is wrong
rule image localhost/bb:* enforce
rule namespace infra-* exempt
mode sometimes
CONF
if "$DRIFTD" --config "$CONF" --check-config >"$RT/check.out" 2>&1; then fail "--check-config accepted bad lines"; fi
grep -q "$CONF:9: unknown key" "$RT/check.out" || fail "no FILE:LINE error: $(cat "$RT/check.out")"
grep -q "$CONF:12: mode" "$RT/check.out" || fail "no error for line 12"
cp "$RT/base.conf" "$CONF"
cat >>"$CONF" <<'CONF'
events-format falco
cri-runtime cri-o
rule image localhost/bb:* enforce
rule namespace infra-* exempt
CONF
rt_start_driftd

log "image rule: enforce without annotation"
# drift.io/image would be the workload's word: it names the image in events
# only when nothing trusted does, and never matches a rule.
rt_bundle rule0 drift.io/image=localhost/bb:1 drift.io/name=ruled
out=$(crun run -b "$RT/b/rule0" rule0 2>&1) || true
rt_expect "$out" IMG=ok COPY=ran
rt_unbundle rule0
rt_bundle rule1 io.kubernetes.cri-o.ImageName=localhost/bb:1 drift.io/name=ruled
out=$(crun run -b "$RT/b/rule1" rule1 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=denied SCRIPT=denied MEMFD=denied
grep -q "container rule1 .*mode enforce ($CONF:10)" "$DLOG" || fail "rule not applied"

log "Falco output format"
for i in $(seq 1 50); do
	python3 - "$EVENTS" <<-'PY' && break
	import json, sys
	ok = False
	for line in open(sys.argv[1]):
	    e = json.loads(line)
	    f = e.get("output_fields", {})
	    if (e.get("priority") == "Critical" and e.get("source") == "drift"
	            and "Drift" in e.get("rule", "") and e.get("time", "").endswith("Z")
	            and f.get("container.id") == "rule1" and f.get("container.name") == "ruled"
	            and f.get("container.image.repository") == "localhost/bb"
	            and f.get("container.image.tag") == "1"
	            and f.get("drift.action") == "deny" and f.get("evt.type") == "execve"
	            and "container.id=rule1" in e.get("output", "")):
	        ok = True
	sys.exit(0 if ok else 1)
	PY
	sleep 0.1
done
[ "$i" -lt 50 ] || fail "no Falco-format deny event for rule1"

log "namespace rule: exempt, never bound"
rt_bundle ex1 io.kubernetes.pod.namespace=infra-tools io.kubernetes.cri-o.ContainerType=container --args 'sleep 30'
crun run -d -b "$RT/b/ex1" ex1 >/dev/null 2>&1 || fail "start ex1"
[ "$(rt_binding_mode ex1)" = none ] || fail "exempt container bound"
grep -q 'container ex1 exempt' "$DLOG" || fail "no exempt log line"
crun kill ex1 KILL; sleep 0.3; crun delete -f ex1 >/dev/null 2>&1 || true

rt_wait_bindings 0
[ "$(rt_sets)" = 0 ] || fail "sets left"
rt_unbundle rule1; rt_unbundle ex1
rt_stop_driftd
log "PASS"
