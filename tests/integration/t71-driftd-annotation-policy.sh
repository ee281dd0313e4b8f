#!/bin/bash
# Only the administrator weakens enforcement (issue 8): under the default
# configuration every annotation bypass is refused, and each is allowed
# exactly where an "allow" line grants it.
#  - drift.io/mode: off / audit under "mode enforce" and under a
#    "rule namespace prod-* enforce": refused (the container stays in
#    enforce); granted by "allow namespace prod-* loosen": applied;
#  - drift.io/exceptions: /bin /usr /tmp /var: refused; granted under
#    /tmp/x/ only: /tmp/x/ applies, nothing else;
#  - io.kubernetes.pod.namespace=drift-system on a host without a CRI
#    runtime (podman): not exempt;
#  - driftctl containers says what decided the mode.
# Bundles with CRI-O's keys stand for pods created by CRI-O
# ("cri-runtime cri-o"): CRI-O writes io.kubernetes.pod.namespace itself.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
sed -i 's/^mode audit$/mode enforce/' "$CONF"
rt_start_driftd

run() {	# run NAME ANNOTATIONS... : the payload's output
	local n=$1; shift
	rt_bundle "$n" "$@" >/dev/null
	crun run -b "$RT/b/$n" "$n" 2>&1 || true
	rt_unbundle "$n"
}

log "default config, no CRI runtime: every bypass refused"
out=$(run b-off drift.io/mode=off); rt_expect "$out" IMG=ok COPY=denied DL=denied
out=$(run b-aud drift.io/mode=audit); rt_expect "$out" IMG=ok COPY=denied
out=$(run b-exc "drift.io/exceptions=/bin /usr /tmp /var"); rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied
out=$(run b-ns io.kubernetes.pod.namespace=drift-system); rt_expect "$out" IMG=ok COPY=denied
out=$(run b-ns2 io.kubernetes.cri.sandbox-namespace=drift-system io.kubernetes.cri-o.ContainerType=container \
	io.kubernetes.pod.namespace=drift-system); rt_expect "$out" IMG=ok COPY=denied
grep -q 'drift.io/mode: off refused: annotations may only tighten' "$DLOG" || fail "no refusal logged"
grep -q 'drift.io/exceptions refused' "$DLOG" || fail "no exceptions refusal logged"
[ "$(rt_events kind=annotation_refused)" -ge 3 ] || fail "no annotation_refused events"

log "podman: --annotation drift.io/mode=off and io.kubernetes.pod.namespace=drift-system"
rt_podman_hooks
rt_podman_image
out=$(podman run --rm --network host --hooks-dir "$RT/hooks.d" --name p-off --annotation drift.io/mode=off \
	--annotation io.kubernetes.pod.namespace=drift-system localhost/bb:1 /bin/sh -c "$RT_PAYLOAD" 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied

log "CRI-O namespaces: rule namespace prod-* enforce beats drift.io/mode=audit"
rt_stop_driftd
sed -i 's/^mode enforce$/mode audit/' "$CONF"
cat >>"$CONF" <<CONF
cri-runtime cri-o
rule namespace prod-* enforce
rule namespace dev audit
CONF
rt_start_driftd
CRIO="io.kubernetes.cri-o.ContainerType=container io.kubernetes.container.name=app"
# shellcheck disable=SC2086
out=$(run c-prod io.kubernetes.pod.namespace=prod-shop $CRIO drift.io/mode=audit); rt_expect "$out" IMG=ok COPY=denied
# shellcheck disable=SC2086
out=$(run c-prod2 io.kubernetes.pod.namespace=prod-shop $CRIO drift.io/mode=off); rt_expect "$out" IMG=ok COPY=denied
# containerd's key is the workload's under CRI-O: no exemption through it.
# shellcheck disable=SC2086
out=$(run c-forge io.kubernetes.pod.namespace=prod-shop io.kubernetes.cri.sandbox-namespace=drift-system $CRIO)
rt_expect "$out" IMG=ok COPY=denied
# Tightening is always allowed.
# shellcheck disable=SC2086
out=$(run c-dev io.kubernetes.pod.namespace=dev $CRIO drift.io/mode=enforce); rt_expect "$out" IMG=ok COPY=denied
# shellcheck disable=SC2086
out=$(run c-dev2 io.kubernetes.pod.namespace=dev $CRIO); rt_expect "$out" IMG=ok COPY=ran
# driftd's own namespace, as CRI-O names it: exempt (no binding).
# shellcheck disable=SC2086
out=$(run c-sys io.kubernetes.pod.namespace=drift-system $CRIO); rt_expect "$out" IMG=ok COPY=ran
grep -q 'container c-sys exempt (<built-in>:0)' "$DLOG" || fail "drift-system not exempt under cri-runtime cri-o"

log "granted: allow namespace prod-* loosen, allow namespace dev exceptions /tmp/x/"
rt_stop_driftd
cat >>"$CONF" <<CONF
allow namespace prod-* loosen
allow namespace dev exceptions /tmp/x/
CONF
rt_start_driftd
# shellcheck disable=SC2086
out=$(run g-prod io.kubernetes.pod.namespace=prod-shop $CRIO drift.io/mode=audit); rt_expect "$out" IMG=ok COPY=ran
grep -q "container g-prod .* mode audit (annotation drift.io/mode (allowed by $CONF:" "$DLOG" || fail "the grant is not named as the source"
# shellcheck disable=SC2086
out=$(run g-dev io.kubernetes.pod.namespace=dev $CRIO drift.io/mode=enforce "drift.io/exceptions=/tmp/x/ /tmp/y/ /bin")
rt_expect "$out" IMG=ok COPY=ran DL=denied SCRIPT=denied
# The grant is per namespace: another namespace gets nothing.
# shellcheck disable=SC2086
out=$(run g-other io.kubernetes.pod.namespace=other $CRIO drift.io/mode=enforce "drift.io/exceptions=/tmp/x/")
rt_expect "$out" IMG=ok COPY=denied
# shellcheck disable=SC2086
out=$(run g-other2 io.kubernetes.pod.namespace=other $CRIO drift.io/mode=off)
rt_expect "$out" IMG=ok COPY=ran	# node default audit: off refused, audit runs
grep -q 'container g-other2 .* mode audit (default)' "$DLOG" || fail "g-other2 was not left at the default"

log "driftctl containers: the mode in force and what decided it"
# shellcheck disable=SC2086
rt_bundle keep io.kubernetes.pod.namespace=prod-x $CRIO --args 'sleep 60'
crun run -d -b "$RT/b/keep" keep >/dev/null 2>&1 || fail "crun run -d keep"
"$DRIFTCTL" containers | tee "$RT/ct.out"
grep -E "^keep +app +prod-x .* enforce +$CONF:[0-9]+ " "$RT/ct.out" || fail "driftctl containers does not show the rule"
"$DRIFTCTL" --json containers | python3 -c 'import json,sys
c=[x for x in json.load(sys.stdin)["containers"] if x["id"]=="keep"][0]
assert c["mode"]=="enforce" and c["mode_source"].endswith(sys.argv[1]) and c["lib_mode"]=="enforce", c' ":$(grep -n '^rule namespace prod' "$CONF" | cut -d: -f1)" ||
	fail "driftctl --json containers: mode_source"
crun kill keep KILL; sleep 0.3; crun delete -f keep >/dev/null 2>&1 || true
rt_unbundle keep
rt_stop_driftd
log "PASS"
