#!/bin/bash
# Injected host libraries (issue 7.3): a bind mount of the OCI spec whose
# host source is under an administrator's "host-library" path is allowed in
# the container (at its destination); the same mount without the line, or
# from another host directory, stays denied. The workload cannot name a
# host library itself (the configuration does).
. "$(dirname "$0")/lib-runtime.sh"
rt_init
sed -i 's/^mode audit$/mode enforce/' "$CONF"
HL=$RT/hostlib/gpu
OTHER=$RT/hostlib-other
mkdir -p "$HL" "$OTHER"
# busybox picks its applet from the file name: "true".
for d in "$HL" "$OTHER"; do cp /usr/bin/busybox "$d/true"; printf 'z' >>"$d/true"; chmod 755 "$d/true"; done

bundle() {	# bundle NAME HOSTDIR
	rt_bundle "$1" --args 'if /usr/lib/gpu/true 2>/dev/null; then echo "RESULT GPU=ran"; else echo "RESULT GPU=denied"; fi'
	python3 - "$RT/b/$1/config.json" "$2" <<-'PY'
	import json, sys
	p, src = sys.argv[1:3]
	c = json.load(open(p))
	c["mounts"].append({"destination": "/usr/lib/gpu", "type": "bind", "source": src,
	                    "options": ["rbind", "ro"]})
	json.dump(c, open(p, "w"))
	PY
	mkdir -p "$RT/b/$1/rootfs/usr/lib/gpu"
}

log "without host-library: denied"
rt_start_driftd
bundle g0 "$HL"
out=$(crun run -b "$RT/b/g0" g0 2>&1) || true
rt_expect "$out" GPU=denied
rt_stop_driftd

log "host-library $RT/hostlib: allowed from there, not from elsewhere"
echo "host-library $RT/hostlib" >>"$CONF"
"$DRIFTD" --check-config "$CONF" || fail "host-library line refused"
rt_start_driftd
bundle g1 "$HL"
rc=0; out=$(crun run -b "$RT/b/g1" g1 2>&1) || rc=$?
echo "crun: rc $rc: $out"
rt_expect "$out" GPU=ran
grep -q "container g1: host library /usr/lib/gpu (from $HL, host-library $RT/hostlib) allowed" "$DLOG" ||
	fail "the allowance is not logged"
bundle g2 "$OTHER"
out=$(crun run -b "$RT/b/g2" g2 2>&1) || true
rt_expect "$out" GPU=denied
for n in g0 g1 g2; do rt_unbundle $n; done
rt_stop_driftd
log "PASS"
