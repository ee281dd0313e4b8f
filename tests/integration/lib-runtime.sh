# shellcheck shell=bash
# Helpers for the driftd integration tests (t6*-*.sh) with real runtimes
# (crun, runc, podman) in the QEMU guest. Source it; it sets -eu.
#
#   rt_init                 module loaded, image layer, payload server, config
#   rt_start_driftd [ARGS]  start driftd (events in $EVENTS, log in $DLOG)
#   rt_stop_driftd [SIG]    stop it (default TERM; KILL for a crash)
#   rt_bundle NAME [K=V..]  OCI bundle /tmp/rt/b/NAME (overlay root on the
#                           image layer, drift hook); K=V are annotations;
#                           the payload script is $RT_PAYLOAD (see below)
#   rt_events FILTER..      count event lines whose fields match K=V
#   rt_bindings             number of bindings in the kernel
#   rt_sets [PREFIX]        number of sets in the kernel (whose name starts
#                           with PREFIX: drift-img-, drift-layer-, ...)
#
# The container payload ($RT_PAYLOAD, run by the image's /bin/sh) tries,
# in order: an image binary; a binary written into the container
# (/tmp/x/true: busybox plus one byte, named after an applet); a file
# "downloaded" (busybox wget from the guest) and chmod'ed (/tmp/y/true); a
# dropped "#!" script (/tmp/s.sh); a memfd exec of the image's busybox. It prints one RESULT line per attempt:
#   IMG=ok  COPY=ran|denied  DL=ran|denied  SCRIPT=ran|denied  MEMFD=ran|denied
set -eu

# DRIFT_TIME_SCALE=N (as in lib.sh): slow kernels (make test-debug) scale
# the hook's default timeout and rt_kstate's by N
TIME_SCALE=${DRIFT_TIME_SCALE:-1}
case $TIME_SCALE in '' | *[!0-9]* | 0) TIME_SCALE=1 ;; esac

REPO=${DRIFT_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
DRIFTD=$REPO/daemon/driftd
HOOK=$REPO/daemon/drift-oci-hook
DRIFTCTL=$REPO/ctl/driftctl
TOOLS=$REPO/tests/tools
RT=/tmp/rt
IMG=$RT/img
EVENTS=$RT/events.jsonl
DLOG=$RT/driftd.log
CONF=$RT/driftd.conf
SOCK=/run/drift/driftd.sock
DRIFTD_PID=
HTTP_PID=

log() { echo "[$(date +%T)] $*"; }
fail() {
	echo "FAIL: $*"
	if [ -s "$DLOG" ]; then echo "--- driftd log (tail)"; tail -n 40 "$DLOG"; fi
	if [ -s "$EVENTS" ]; then echo "--- events (tail)"; tail -n 10 "$EVENTS"; fi
	exit 1
}

rt_cleanup() {
	[ -n "$HTTP_PID" ] && kill "$HTTP_PID" 2>/dev/null || true
	[ -n "$DRIFTD_PID" ] && kill "$DRIFTD_PID" 2>/dev/null || true
	wait 2>/dev/null || true
}

rt_init() {
	[ "${DRIFT_IN_GUEST:-}" = 1 ] || { echo "SKIP: not in the drift QEMU guest"; exit 77; }
	[ -x "$DRIFTD" ] && [ -x "$HOOK" ] || fail "build daemon/ first (make -C daemon)"
	if ! grep -q '^drift ' /proc/modules; then
		insmod "${DRIFT_KO:-$REPO/kmod/drift.ko}" || fail "insmod drift.ko"
	fi
	trap rt_cleanup EXIT
	# run-all unloads the module between tests: start from a clean state.
	rm -rf /run/drift "$DLOG" "$DLOG.out" "$RT/layer-cache"
	# driftd's on-disk layer cache: one per test, so that a test's scans
	# are its own (the default /var/lib/drift/layers outlives tests)
	export DRIFTD_LAYER_CACHE=$RT/layer-cache
	mkdir -p "$RT" "$IMG/bin" "$IMG/tmp" "$RT/www"
	if [ ! -e "$IMG/bin/busybox" ]; then
		cp /usr/bin/busybox "$IMG/bin/busybox"
		for a in sh ls cat echo sleep cp chmod wget true printf rm head mkdir mv; do
			ln -s busybox "$IMG/bin/$a"
		done
		# memfd probe from tests/tools (static), built here if needed
		if [ -x "$REPO/tests/tools/memfd_exec" ]; then
			cp "$REPO/tests/tools/memfd_exec" "$IMG/bin/memfd_exec"
		else
			cc -static -O2 -D_GNU_SOURCE -I"$REPO/tests/tools" -o "$IMG/bin/memfd_exec" \
				"$REPO/tests/tools/memfd_exec.c" || fail "building memfd_exec"
		fi
		chmod 755 "$IMG/bin/memfd_exec"
		chmod 1777 "$IMG/tmp"
	fi
	# The "download": a busybox with one byte more (another content).
	cp /usr/bin/busybox "$RT/www/payload"
	printf 'x' >>"$RT/www/payload"
	busybox httpd -f -p 127.0.0.1:8088 -h "$RT/www" &
	HTTP_PID=$!
	cat >"$CONF" <<-CONF
	# driftd configuration used by the integration tests
	mode audit
	socket $SOCK
	state-dir /run/drift
	events $EVENTS
	metrics-listen 127.0.0.1:9477
	reconcile-interval-ms 300
	CONF
	: >"$EVENTS"
}

rt_start_driftd() {
	local i before
	before=$(grep -c 'ready:' "$DLOG" 2>/dev/null || true)
	"$DRIFTD" --config "$CONF" "$@" >>"$DLOG.out" 2>>"$DLOG" &
	DRIFTD_PID=$!
	for i in $(seq 1 100); do
		if [ -S "$SOCK" ] && [ "$(grep -c 'ready:' "$DLOG" 2>/dev/null)" -gt "${before:-0}" ]; then
			return 0
		fi
		kill -0 "$DRIFTD_PID" 2>/dev/null || fail "driftd exited at start"
		sleep 0.1
	done
	fail "driftd not ready after 10 s"
}

# rt_podman_hooks: drift's OCI hook for podman (--hooks-dir "$RT/hooks.d"),
# createRuntime, fail-closed, as packaging/hooks/drift.json installs it
rt_podman_hooks() {
	mkdir -p "$RT/hooks.d"
	cat >"$RT/hooks.d/drift.json" <<-JSON
	{"version": "1.0.0",
	 "hook": {"path": "$HOOK", "args": ["drift-oci-hook", "--fail-closed"], "timeout": 60},
	 "when": {"always": true},
	 "stages": ["createRuntime"]}
	JSON
}

# rt_podman_image: the test image ($IMG) as podman's localhost/bb:1
rt_podman_image() {
	podman image exists localhost/bb:1 && return 0
	tar -C "$IMG" -cf "$RT/img.tar" .
	podman import "$RT/img.tar" localhost/bb:1 >/dev/null || fail "podman import"
}

rt_stop_driftd() {
	local sig=${1:-TERM}
	[ -n "$DRIFTD_PID" ] || return 0
	kill -"$sig" "$DRIFTD_PID" 2>/dev/null || true
	wait "$DRIFTD_PID" 2>/dev/null || true
	DRIFTD_PID=
}

# The attempts made inside each container.
RT_PAYLOAD='
r() { echo "RESULT $*"; }
/bin/true && r IMG=ok || r IMG=failed
mkdir -p /tmp/x /tmp/y
cp /bin/busybox /tmp/x/true && echo >>/tmp/x/true && chmod 755 /tmp/x/true
if /tmp/x/true 2>/dev/null; then r COPY=ran; else r COPY=denied; fi
wget -q -O /tmp/y/true http://127.0.0.1:8088/payload && chmod +x /tmp/y/true
if /tmp/y/true 2>/dev/null; then r DL=ran; else r DL=denied; fi
printf "#!/bin/sh\necho hi\n" >/tmp/s.sh && chmod +x /tmp/s.sh
if /tmp/s.sh >/dev/null 2>&1; then r SCRIPT=ran; else r SCRIPT=denied; fi
if memfd_exec /bin/busybox true >/dev/null 2>&1; then r MEMFD=ran; else r MEMFD=denied; fi
'

# rt_bundle NAME [--fail-open] [--timeout-ms MS (the hook's)] [--args "sh command"]
#           [--lower DIR] [--plain]
#           [ANNOTATION=VALUE ...]   (--plain: the root is a copy, not an overlay)
rt_bundle() {
	local name=$1; shift
	local hookargs='"--fail-closed"' cmd=$RT_PAYLOAD ann='{}' kv lower=$IMG plain= tmo=
	local b=$RT/b/$name
	while [ $# -gt 0 ]; do
		case $1 in
		--fail-open) hookargs='"--fail-open"'; shift ;;
		--timeout-ms) tmo=$2; shift 2 ;;
		--args) cmd=$2; shift 2 ;;
		--lower) lower=$2; shift 2 ;;
		--plain) plain=1; shift ;;
		*) kv=$1; shift
		   ann=$(python3 -c 'import json,sys; a=json.loads(sys.argv[1]); k,v=sys.argv[2].split("=",1); a[k]=v; print(json.dumps(a))' "$ann" "$kv") ;;
		esac
	done
	mountpoint -q "$b/rootfs" 2>/dev/null && umount "$b/rootfs"
	rm -rf "$b"
	mkdir -p "$b/rootfs" "$b/upper" "$b/work"
	if [ -n "$plain" ]; then
		cp -a "$lower/." "$b/rootfs/"	# a plain directory root (no overlay)
	else
		mount -t overlay -o "lowerdir=$lower,upperdir=$b/upper,workdir=$b/work" "ovl-$name" "$b/rootfs"
	fi
	(cd "$b" && crun spec >/dev/null)
	# slow kernels (DRIFT_TIME_SCALE): the hook's default 10 s, scaled (the
	# debug kernel on a loaded host once took 13.6 s to bind a container)
	[ -z "$tmo" ] && [ "$TIME_SCALE" -gt 1 ] && tmo=$((10000 * TIME_SCALE))
	[ -n "$tmo" ] && hookargs="$hookargs, \"--timeout-ms\", \"$tmo\""
	python3 - "$b/config.json" "$HOOK" "$hookargs" "$ann" "$cmd" "${tmo:-50000}" <<-'PY'
	import json, sys
	path, hook, hookargs, ann, cmd, tmo = sys.argv[1:7]
	c = json.load(open(path))
	c["process"]["args"] = ["/bin/sh", "-c", cmd]
	c["process"]["terminal"] = False
	c["process"]["env"] = ["PATH=/bin", "TERM=dumb"]
	c["root"]["readonly"] = False
	# share the guest's network namespace: the "download" is from 127.0.0.1
	c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]
	c["hooks"] = {"createRuntime": [{"path": hook,
		"args": ["drift-oci-hook"] + json.loads("[" + hookargs + "]"),
		"timeout": max(60, int(tmo) // 1000 + 10)}]}
	c["annotations"] = json.loads(ann)
	json.dump(c, open(path, "w"), indent=1)
	PY
}

# rt_bundle_clone SRC NAME [LOWER]: a bundle like SRC (same config.json) with
# its own overlay root on the image layer, or on LOWER (cheap: no crun spec,
# no python).
rt_bundle_clone() {
	local b=$RT/b/$2
	mountpoint -q "$b/rootfs" 2>/dev/null && umount "$b/rootfs"
	rm -rf "$b"
	mkdir -p "$b/rootfs" "$b/upper" "$b/work"
	mount -t overlay -o "lowerdir=${3:-$IMG},upperdir=$b/upper,workdir=$b/work" "ovl-$2" "$b/rootfs"
	cp "$RT/b/$1/config.json" "$b/config.json"
}

rt_unbundle() {
	local b=$RT/b/$1
	mountpoint -q "$b/rootfs" 2>/dev/null && umount "$b/rootfs"
	rm -rf "$b"
}

# rt_expect OUTPUT KEY=VALUE...: the payload printed these RESULT lines.
rt_expect() {
	local out=$1 kv; shift
	for kv in "$@"; do
		grep -q "^RESULT $kv\$" <<<"$out" || {
			echo "--- container output"; echo "$out"
			fail "expected RESULT $kv"
		}
	done
}

# rt_events K=V...: number of event lines whose fields all match.
rt_events() {
	python3 - "$EVENTS" "$@" <<-'PY'
	import json, sys
	n = 0
	want = [a.split("=", 1) for a in sys.argv[2:]]
	for line in open(sys.argv[1]):
	    try:
	        e = json.loads(line)
	    except ValueError:
	        print("bad event line: " + line.strip(), file=sys.stderr)
	        sys.exit(3)
	    if all(str(e.get(k)) == v for k, v in want):
	        n += 1
	print(n)
	PY
}

# rt_wait_events N K=V...: wait (5 s, scaled) until at least N matching events.
rt_wait_events() {
	local n=$1 i c; shift
	for i in $(seq 1 $((50 * TIME_SCALE))); do
		c=$(rt_events "$@")
		[ "$c" -ge "$n" ] && return 0
		sleep 0.1
	done
	fail "expected >= $n events matching $*, got $c"
}

rt_metrics() { busybox wget -q -O - http://127.0.0.1:9477/metrics; }
# rt_metric NAME: the value of a metric without labels (empty if absent)
rt_metric() { rt_metrics | awk -v m="$1" '$1 == m { print $2 }'; }
# rt_wait_log PATTERN SECONDS: waits up to SECONDS (times DRIFT_TIME_SCALE)
# for driftd's log to have PATTERN; 1 if it never does
rt_wait_log() {
	local i
	for i in $(seq 1 $(($2 * 10 * TIME_SCALE))); do
		grep -q -- "$1" "$DLOG" && return 0
		sleep 0.1
	done
	return 1
}

# Kernel state (driftd --kernel-state prints it as JSON; works while the
# daemon itself is stopped).
# rt_kstate: the kernel's state as JSON (driftd --kernel-state). Callers
# read it through a pipe or $(...), where fail() would only end a subshell
# and its message would go into the pipe: say it on stderr (the log).
rt_kstate() {
	local rc=0
	timeout $((20 * TIME_SCALE)) "$DRIFTD" --kernel-state || rc=$?
	[ "$rc" = 0 ] && return 0
	echo "FAIL: driftd --kernel-state failed or hung (exit $rc$([ "$rc" = 124 ] && echo ": timed out after $((20 * TIME_SCALE)) s"))" >&2
	return 1
}
rt_bindings() { rt_kstate | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["bindings"]))'; }
rt_sets() {
	rt_kstate | python3 -c 'import json,sys
print(len([s for s in json.load(sys.stdin)["sets"] if s["name"].startswith(sys.argv[1])]))' "${1:-}"
}
# rt_binding_mode CONTAINER_ID: mode of the kernel binding named so, or "none".
rt_binding_mode() {
	rt_kstate | python3 -c 'import json,sys
b=[x for x in json.load(sys.stdin)["bindings"] if x["name"]==sys.argv[1]]
print(b[0]["mode"] if b else "none")' "$1"
}

# rt_wait_bindings N: wait (10 s) until the kernel has N bindings.
rt_wait_bindings() {
	local want=$1 i c
	for i in $(seq 1 100); do
		c=$(rt_bindings)
		[ "$c" = "$want" ] && return 0
		sleep 0.1
	done
	fail "expected $want bindings in the kernel, have $c"
}
