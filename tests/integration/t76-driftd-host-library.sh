#!/bin/bash
# Injected host libraries (issue 7.3): a bind mount of the OCI spec whose
# host source (a directory, or a single file as CDI injects them) is under
# an administrator's "host-library" path is added to the container's set;
# the same mount without the line, or from another host directory, stays
# denied, and so does a file written into the host directory after the
# container started. The workload cannot name a host library itself (the
# configuration does).
# podman run --init (the host's catatonit bind-mounted at /run/podman-init,
# the container's first process): denied without the shipped
# configuration's host-library lines, runs with them, and the container's
# own dropped binary is still denied under it.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
sed -i 's/^mode audit$/mode enforce/' "$CONF"
HL=$RT/hostlib/gpu
OTHER=$RT/hostlib-other
mkdir -p "$HL" "$OTHER"
# busybox picks its applet from the file name: "true".
for d in "$HL" "$OTHER"; do cp /usr/bin/busybox "$d/true"; printf 'z' >>"$d/true"; chmod 755 "$d/true"; done

bundle() {	# bundle NAME HOSTSRC [DEST]: HOSTSRC bind-mounted at DEST (/usr/lib/gpu)
	local dest=${3:-/usr/lib/gpu} prog
	prog=$dest/true
	[ -d "$2" ] || prog=$dest
	rt_bundle "$1" --args "if $prog 2>/dev/null; then echo \"RESULT GPU=ran\"; else echo \"RESULT GPU=denied\"; fi"
	python3 - "$RT/b/$1/config.json" "$2" "$dest" <<-'PY'
	import json, sys
	p, src, dest = sys.argv[1:4]
	c = json.load(open(p))
	c["mounts"].append({"destination": dest, "type": "bind", "source": src,
	                    "options": ["rbind", "ro"]})
	json.dump(c, open(p, "w"))
	PY
	if [ -d "$2" ]; then
		mkdir -p "$RT/b/$1/rootfs$dest"
	else
		mkdir -p "$RT/b/$1/rootfs$(dirname "$dest")" && touch "$RT/b/$1/rootfs$dest"
	fi
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

log "a single-file mount (CDI) under host-library: allowed"
bundle g3 "$HL/true" /usr/lib/gpu1/true
out=$(crun run -b "$RT/b/g3" g3 2>&1) || true
rt_expect "$out" GPU=ran

log "a file written into the host-library directory after the start: denied"
bundle g4 "$HL"
python3 - "$RT/b/g4/config.json" <<-'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = ["/bin/sh", "-c",
    "/usr/lib/gpu/true && echo RESULT GPU=ran; : >/tmp/started; i=0; "
    "while [ ! -e /usr/lib/gpu/echo ] && [ $i -lt 6000 ]; do sleep 0.1; i=$((i+1)); done; "
    "if [ ! -e /usr/lib/gpu/echo ]; then echo RESULT LATE=missing; "
    "elif /usr/lib/gpu/echo x >/dev/null 2>&1; then echo RESULT LATE=ran; else echo RESULT LATE=denied; fi"]
json.dump(c, open(p, "w"))
PY
# busybox runs the applet of its file name: "echo" (a new file, new inode),
# put in place once the container has started (it says so in its upper
# layer), whatever the kernel's speed; renamed in, so that the container
# never runs it half-written
(
	for i in $(seq 1 $((600 * TIME_SCALE))); do
		[ -e "$RT/b/g4/upper/tmp/started" ] && break
		sleep 0.1
	done
	cp "$HL/true" "$HL/.echo.new"; printf 'y' >>"$HL/.echo.new"
	chmod 755 "$HL/.echo.new"; mv "$HL/.echo.new" "$HL/echo"
) &
late=$!
out=$(crun run -b "$RT/b/g4" g4 2>&1) || true
wait "$late"
rt_expect "$out" GPU=ran LATE=denied
rt_wait_events 1 container_id=g4 action=deny path=/usr/lib/gpu/echo
rm -f "$HL/echo"
for n in g0 g1 g2 g3 g4; do rt_unbundle $n; done
rt_stop_driftd

if [ -x /usr/bin/catatonit ]; then
	log "podman run --init, without the shipped configuration's lines: denied"
	rt_podman_hooks
	rt_podman_image
	rt_start_driftd
	init_run() {
		podman run --rm --init --network host --hooks-dir "$RT/hooks.d" localhost/bb:1 \
			/bin/sh -c 'echo INIT=$(cat /proc/1/comm); cp /bin/busybox /tmp/b; echo >>/tmp/b
				if /tmp/b true 2>/dev/null; then echo COPY=ran; else echo COPY=denied; fi' 2>&1
	}
	out=$(init_run) && fail "podman run --init started without a host-library line for catatonit: $out"
	log "   $(echo "$out" | tail -n 1)"
	case $out in *ermission*) ;; *) fail "podman run --init: $out (want Permission denied)" ;; esac
	rt_wait_events 1 action=deny path=/run/podman-init
	rt_stop_driftd
	log "podman run --init with daemon/driftd.conf.example's catatonit lines: runs"
	grep '^host-library .*catatonit$' "$REPO/daemon/driftd.conf.example" >>"$CONF"
	[ "$(grep -c '^host-library .*catatonit$' "$CONF")" = 2 ] || fail "driftd.conf.example: no catatonit lines"
	rt_start_driftd
	out=$(init_run) || fail "podman run --init: $out"
	grep -q '^INIT=podman-init$' <<<"$out" || fail "podman run --init: $out (want INIT=podman-init, the name it runs under)"
	grep -q '^COPY=denied$' <<<"$out" || fail "podman run --init: a dropped binary: $out (want COPY=denied)"
	grep -q "host library /run/podman-init (from /usr/bin/catatonit, host-library /usr/bin/catatonit) allowed" "$DLOG" ||
		fail "the catatonit allowance is not logged"
	rt_stop_driftd
fi
log "PASS"
