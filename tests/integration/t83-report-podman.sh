#!/bin/bash
# driftctl report on a real podman workload audited by driftd: per
# namespace and image, the paths audit mode would have denied with counts,
# first/last seen and the exception that allows each; a namespace whose
# containers run in audit with no would-be denial is CLEAN to enforce.
# The report's advice is then followed and works: the suggested exceptions
# let the workload's paths run in enforce mode, and `driftctl mode
# ns:NAME enforce` enforces the clean namespace.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
# The podman containers below stand for pods created by CRI-O: driftd
# trusts the Kubernetes keys only from the node's CRI runtime (issue 8).
echo "cri-runtime cri-o" >>"$CONF"
# what the report tells the administrator to grant before its exceptions
# are followed below (annotations alone may only tighten)
echo "allow namespace shop exceptions /tmp/" >>"$CONF"
rt_start_driftd
export DRIFTD_CONFIG=$CONF

rt_podman_hooks
rt_podman_image
# pod NAMESPACE POD: podman run as a Kubernetes pod's container would be
pod() {
	local ns=$1 pod=$2; shift 2
	podman run --network host --hooks-dir "$RT/hooks.d" \
		--annotation io.kubernetes.pod.namespace="$ns" \
		--annotation io.kubernetes.pod.name="$pod" \
		--annotation io.kubernetes.cri-o.ContainerType=container \
		--annotation io.kubernetes.cri-o.ImageName=localhost/bb:1 "$@"
}

log "shop: two pods of one Deployment drift (audit, the node default)"
for p in web-7d4b9c5f6d-x2k9p web-7d4b9c5f6d-q8mzt; do
	out=$(pod shop $p --rm --name $p localhost/bb:1 /bin/sh -c "$RT_PAYLOAD" 2>&1) || true
	rt_expect "$out" IMG=ok COPY=ran DL=ran SCRIPT=ran MEMFD=ran
done
log "billing: a pod that runs only its image's programs, still running"
pod billing api-6f9c7b8d5-k2x4z -d --name billing-api localhost/bb:1 \
	/bin/sh -c '/bin/ls / >/dev/null; /bin/cat /etc/hostname >/dev/null 2>&1; sleep 600' >/dev/null ||
	fail "podman run billing"
log "ops: an enforced pod whose drift is denied"
out=$(pod ops tool-x7k2m --rm --name ops-tool --annotation drift.io/mode=enforce localhost/bb:1 \
	/bin/sh -c "$RT_PAYLOAD" 2>&1) || true
rt_expect "$out" COPY=denied
rt_wait_events 8 namespace=shop action=audit
rt_wait_events 1 namespace=ops action=deny
sleep 1

log "driftctl report (event log from driftd's configuration)"
"$DRIFTCTL" report | tee "$RT/report.txt" || fail "driftctl report"
grep -q '^namespace billing: CLEAN to enforce' "$RT/report.txt" || fail "billing not reported clean"
grep -q 'enforce now:  driftctl mode ns:billing enforce' "$RT/report.txt" || fail "no enforce command for billing"
grep -q '^namespace shop: NOT clean to enforce: 4 path(s) would be denied' "$RT/report.txt" || fail "shop verdict"
grep -q '^namespace ops: enforced' "$RT/report.txt" || fail "ops verdict"
grep -Eq '^    2 +0 +[0-9T:-]+Z +[0-9T:-]+Z +exec +not_in_image +/tmp/x/true$' "$RT/report.txt" ||
	fail "no line for /tmp/x/true seen twice"
grep -q 'allow: annotation drift.io/exceptions=/tmp/x/true on the workload, granted by driftd.conf: allow namespace shop exceptions /tmp/x/true;' "$RT/report.txt" ||
	fail "no exception (and its grant) for /tmp/x/true"
grep -q 'note: fileless code' "$RT/report.txt" || fail "no note for the memfd exec"

log "driftctl --json report"
"$DRIFTCTL" --json report --events "$EVENTS" --since 1h >"$RT/report.json" || fail "--json report"
python3 - "$RT/report.json" <<'PY' >"$RT/allow.txt" || fail "JSON report content"
import json, sys
r = json.load(open(sys.argv[1]))
ns = {n["namespace"]: n for n in r["namespaces"]}
assert ns["billing"]["verdict"] == "clean" and ns["billing"]["containers_audit"] == 1, ns["billing"]
shop = ns["shop"]
assert shop["verdict"] == "not_clean" and shop["audited"] >= 8, shop
paths = {(p["path"], p["reason"]): p for p in shop["paths"]}
for k in [("/tmp/x/true", "not_in_image"), ("/tmp/y/true", "not_in_image"),
          ("/tmp/s.sh", "not_in_image")]:
    p = paths[k]
    assert p["would_deny"] == 2 and p["image"] == "localhost/bb:1", p
    assert p["first"] < p["last"] and len(p["containers"]) == 2, p
    assert p["allow_exception"] == k[0], p
fl = [p for p in shop["paths"] if p["reason"] == "fileless"]
assert fl and fl[0]["allow_exception"] is None and fl[0]["note"], fl
assert ns["ops"]["verdict"] == "enforced" and ns["ops"]["denied"] >= 4, ns["ops"]
# podman splits --annotation values at commas: the list is space-separated
print(" ".join(p["allow_exception"] for p in shop["paths"] if p["allow_exception"]))
PY
allow=$(cat "$RT/allow.txt")
log "suggested exceptions: $allow"

log "--since excludes older events"
sleep 2
"$DRIFTCTL" --json report --events "$EVENTS" --since 1s |
	python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["events"]==0, r["events"]' ||
	fail "--since 1s still counted old events"

log "following the report: shop in enforce with the suggested exceptions runs its paths"
out=$(pod shop web-7d4b9c5f6d-z9z9z --rm --name web-enf --annotation drift.io/mode=enforce \
	--annotation "drift.io/exceptions=$allow" localhost/bb:1 /bin/sh -c "$RT_PAYLOAD" 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=ran DL=ran SCRIPT=ran MEMFD=denied
log "following the report: driftctl mode ns:billing enforce"
"$DRIFTCTL" mode ns:billing enforce || fail "driftctl mode ns:billing enforce"
id=$(podman inspect -f '{{.Id}}' billing-api)
[ "$(rt_binding_mode "$id")" = enforce ] || fail "billing's container not in enforce"
podman rm -f -t 0 billing-api >/dev/null 2>&1 || true
rt_wait_bindings 0
rt_stop_driftd
log "PASS"
