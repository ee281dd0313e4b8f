# shellcheck shell=bash
# Helpers for the drift integration tests (tests/integration/t*.sh), run as
# root inside the QEMU guest (tests/vm/run-guest). Source it first.
#
# Module
#   drift_load / drift_unload      insmod $DRIFT_KO / unlock + rmmod
# Containers made by hand
#   img_create                     image dir $IMG on the test tmpfs $W:
#                                  busybox + applets, tests/tools probes,
#                                  /bin/nop and /bin/nop2 (nop + 1 byte)
#   ct_create NAME [--plain]       container NAME: overlayfs root on $IMG
#                                  (upper and work on the same tmpfs:
#                                  samefs), or with --plain a plain
#                                  directory copy of the image; its own
#                                  cgroup /sys/fs/cgroup/drift-t/NAME
#   ct_root NAME / ct_upper NAME / ct_cg NAME / ct_cgid NAME
#   ct_run NAME CMD [ARG...]       run CMD in the container (new pid and
#                                  mount namespaces, chroot; it joins the
#                                  cgroup just before exec'ing CMD; CT_CG=
#                                  DIR selects another cgroup, e.g. a child)
#   ct_sh NAME 'shell code'        ct_run NAME /bin/sh -c 'shell code'
#   ct_spawn NAME CMD...           start CMD in the container, held at a
#                                  gate: sets CT_PID (host pid of the task
#                                  that will exec CMD); ct_release runs it
# drift
#   dctl ARGS...                   driftctl, output shown on failure
#   set_load NAME DIR              driftctl set load NAME --from-dir DIR
#   bind NAME SET MODE [BINDNAME]  bind the container's cgroup
#   mon_start FILE [COUNT] [SECS]  driftctl --json monitor in the background
#   mon_wait                       wait for it to exit
#   ev_count FILE K=V...           number of events with these fields
#   ev_field FILE N FIELD          field of the Nth event (1-based)
#   stat_binding CG STAT           per-binding counter (driftctl --json)
#   stat_global STAT               global counter
# Assertions (each prints what it checked; a failure exits 1)
#   assert_eq WHAT WANT GOT, assert_ge WHAT MIN GOT, assert_match WHAT RE GOT
#   expect_exec NAME ok|EACCES|ERRNO PATH [ARG...]  in the container
#   pass / fail MSG / skip MSG
# Slow kernels
#   DRIFT_TIME_SCALE=N (integer, default 1) multiplies the timeouts of
#   mon_start and wait_for: the debug kernel (KASAN, lockdep) under TCG is
#   4-5x slower, and a monitor that times out before the exec it waits for
#   is a false failure (make test-debug sets it).
set -u
TIME_SCALE=${DRIFT_TIME_SCALE:-1}
case $TIME_SCALE in '' | *[!0-9]* | 0) TIME_SCALE=1 ;; esac

REPO=${DRIFT_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TOOLS=$REPO/tests/tools
DRIFTCTL=${DRIFTCTL:-$REPO/ctl/driftctl}
DRIFT_KO=${DRIFT_KO:-$REPO/kmod/drift.ko}
TEST=$(basename "$0" .sh)
W=/tmp/drift-t/$TEST		# per-test tmpfs: image, uppers, works
IMG=$W/image
CGBASE=/sys/fs/cgroup/drift-t
PY=/usr/bin/python3
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
MON_PID=
CT_PID=
CT_JOB=
_cleanups=()

log() { echo "[$TEST] $*"; }
fail() {
	echo "[$TEST] FAIL: $*"
	exit 1
}
skip() {
	echo "[$TEST] SKIP: $*"
	exit 77
}
pass() {
	echo "[$TEST] PASS"
	exit 0
}

assert_eq() { # WHAT WANT GOT
	if [ "$2" = "$3" ]; then
		log "ok: $1 = $3"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}
assert_ge() { # WHAT MIN GOT
	case $3 in '' | *[!0-9]*) fail "$1: expected a number >= $2, got '$3'" ;; esac
	[ "$3" -ge "$2" ] || fail "$1: expected >= $2, got $3"
	log "ok: $1 = $3 (>= $2)"
}
assert_match() { # WHAT EXTENDED-REGEX GOT
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		log "ok: $1 ~ /$2/"
	else
		fail "$1: expected to match /$2/, got '$3'"
	fi
}

# ------------------------------------------------------------ set-up

cleanup_add() { _cleanups+=("$*"); }
_cleanup() {
	local i
	[ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	# bindings of our cgroups go with the module (run-all unloads it); the
	# cgroups and mounts go here
	if [ -d "$CGBASE" ]; then
		find "$CGBASE" -depth -mindepth 1 -type d -exec rmdir {} + 2>/dev/null
		rmdir "$CGBASE" 2>/dev/null
	fi
	if [ -d "$W" ]; then
		grep -o " ${W}[^ ]*" /proc/mounts | sort -r | while read -r m; do
			umount -l "$m" 2>/dev/null
		done
		umount -l "$W" 2>/dev/null
	fi
	return 0
}

# Every test calls this first.
t_init() {
	[ "${DRIFT_IN_GUEST:-}" = 1 ] || skip "not in the drift QEMU guest (use tests/vm/run-guest)"
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$TOOLS/try_exec" ] || fail "tests/tools not built (make -C tests/tools)"
	[ -x "$DRIFTCTL" ] || fail "driftctl not built ($DRIFTCTL)"
	[ -e "$DRIFT_KO" ] || fail "module not built ($DRIFT_KO)"
	trap _cleanup EXIT
	mkdir -p "$W"
	mount -t tmpfs -o "mode=0755,size=${DRIFT_TMPFS_SIZE:-256m}" "drift-$TEST" "$W" || fail "tmpfs $W"
	mkdir -p "$CGBASE"
	drift_load
}

drift_loaded() { [ -d /sys/module/drift ]; }
drift_load() {
	drift_loaded && return 0
	insmod "$DRIFT_KO" || fail "insmod $DRIFT_KO failed: $(dmesg | tail -n 5)"
	drift_loaded || fail "module not visible after insmod"
}
drift_unload() {
	drift_loaded || return 0
	"$DRIFTCTL" unlock >/dev/null 2>&1
	rmmod drift
}

# ------------------------------------------------------------ images

IMG_APPLETS="sh ash ls cat echo cp mv chmod chown touch true false sleep printf rm mkdir mount umount head tail wc id dd sed grep ln stat kill env readlink mkfifo"

# img_create [DIR]: the "image" (default $IMG).
img_create() {
	local d=${1:-$IMG} a t
	mkdir -p "$d/bin" "$d/tmp" "$d/proc" "$d/dev" "$d/etc" "$d/opt" "$d/sys" "$d/vol"
	chmod 1777 "$d/tmp"
	cp /bin/busybox "$d/bin/busybox"
	for a in $IMG_APPLETS; do ln -s busybox "$d/bin/$a"; done
	for t in try_exec memfd_exec exec_loop nop; do cp "$TOOLS/$t" "$d/bin/$t"; done
	cp "$TOOLS/nop" "$d/bin/nop2" && echo >>"$d/bin/nop2" # other content
	# an image script, and one whose interpreter is not in the image
	printf '#!/bin/sh\necho image-script\n' >"$d/bin/image-script"
	printf '#!/tmp/interp\necho never\n' >"$d/bin/foreign-interp"
	chmod 755 "$d"/bin/*
	echo "root:x:0:0:root:/:/bin/sh" >"$d/etc/passwd"
}

# ------------------------------------------------------------ containers

ct_root() { echo "$W/c/$1/root"; }
ct_upper() { echo "$W/c/$1/upper"; }
ct_cg() { echo "$CGBASE/$1"; }
ct_cgid() { stat -c %i "$CGBASE/$1"; }

# ct_create NAME [--plain] [--image DIR]
ct_create() {
	local n=$1 plain="" img=$IMG c
	shift
	while [ $# -gt 0 ]; do
		case $1 in
		--plain) plain=1; shift ;;
		--image) img=$2; shift 2 ;;
		*) fail "ct_create: bad option $1" ;;
		esac
	done
	c=$W/c/$n
	mkdir -p "$c/root" "$c/upper" "$c/work"
	if [ -n "$plain" ]; then
		cp -a "$img/." "$c/root/"
	else
		mount -t overlay -o "lowerdir=$img,upperdir=$c/upper,workdir=$c/work" \
			"ovl-$n" "$c/root" || fail "overlay mount for $n"
	fi
	mkdir -p "$CGBASE/$n" || fail "cgroup $CGBASE/$n"
}

# The container's entry: runs in the new namespaces, chrooted, with the
# image's /bin/sh (still in the caller's cgroup), mounts /proc, joins the
# cgroup through fd 9, then exec's the command (the first checked exec).
# If $CT_GATE is set, it waits until that fifo (container path) is written.
_CT_ENTRY='mount -t proc proc /proc 2>/dev/null
if [ -n "$CT_GATE" ]; then echo 0 >&9; exec 9>&-; read _ <"$CT_GATE"; else echo 0 >&9; exec 9>&-; fi
exec "$@"'

ct_run() { # NAME CMD [ARG...]
	local n=$1
	shift
	CT_GATE=${CT_GATE:-} unshare --pid --mount --fork --kill-child \
		chroot "$(ct_root "$n")" /bin/sh -c "$_CT_ENTRY" ct-entry "$@" \
		9>"${CT_CG:-$CGBASE/$n}/cgroup.procs"
}
ct_sh() { # NAME 'SHELL CODE'
	local n=$1
	shift
	ct_run "$n" /bin/sh -c "$1"
}

# ct_spawn NAME OUTFILE CMD...: start CMD held at a gate; sets CT_PID to the
# host pid of the process that will exec CMD and CT_JOB to the background
# job. ct_release lets it go; ct_wait waits and returns its exit code.
ct_spawn() {
	local n=$1 out=$2 i
	shift 2
	rm -f "$(ct_root "$n")/tmp/.gate"
	mkfifo "$(ct_root "$n")/tmp/.gate"
	CT_GATE=/tmp/.gate ct_run "$n" "$@" >"$out" 2>&1 &
	CT_JOB=$!
	CT_PID=
	_gate_root=$(ct_root "$n")
	for i in $(seq 1 100); do
		CT_PID=$(head -n1 "${CT_CG:-$CGBASE/$n}/cgroup.procs")
		[ -n "$CT_PID" ] && return 0
		sleep 0.05
	done
	fail "ct_spawn: the container task never joined $CGBASE/$n"
}
ct_release() { echo go >"$_gate_root/tmp/.gate"; }
ct_wait() {
	local rc=0
	wait "$CT_JOB" || rc=$?
	return $rc
}

# expect_map_denied NAME PATH REASON: an executable mapping of PATH in the
# container (map_exec, which must be in its image) fails with EACCES and is
# reported as one mmap event with REASON.
expect_map_denied() {
	local out
	mon_start "$W/ev" 1 60
	out=$(ct_run "$1" /bin/map_exec mmap "$2" 2>/dev/null)
	assert_eq "mapping $2 in $1" EACCES "$out"
	mon_wait || fail "no event: $(cat "$W/ev.err")"
	ev_show "$W/ev"
	assert_eq "event reason" "$3" "$(ev_field "$W/ev" 1 reason)"
	assert_eq "event op" mmap "$(ev_field "$W/ev" 1 op)"
}

# expect_exec NAME WANT PATH [ARG...]: exec PATH in the container through
# try_exec. WANT is "ok" (ran, exit 0) or an errno name (EACCES).
expect_exec() {
	local n=$1 want=$2 out rc
	shift 2
	out=$(ct_run "$n" /bin/try_exec "$@" 2>/dev/null)
	rc=$?
	if [ "$want" = ok ]; then
		[ "$rc" = 0 ] || fail "exec of $* in $n: expected to run, got rc $rc ($out)"
		log "ok: $* runs in $n"
	else
		[ "$out" = "$want" ] || fail "exec of $* in $n: expected $want, got rc $rc, output '$out'"
		log "ok: $* fails with $want in $n"
	fi
}

# host_exec WANT PATH [ARG...]: same, from the caller's cgroup (the host).
host_exec() {
	local want=$1 out rc
	shift
	out=$("$TOOLS/try_exec" "$@" 2>/dev/null)
	rc=$?
	if [ "$want" = ok ]; then
		[ "$rc" = 0 ] || fail "host exec of $*: expected to run, got rc $rc ($out)"
		log "ok: $* runs on the host"
	else
		[ "$out" = "$want" ] || fail "host exec of $*: expected $want, got '$out' rc $rc"
		log "ok: $* fails with $want on the host"
	fi
}

# ------------------------------------------------------------ driftctl

# dctl ARGS: run driftctl; on failure print its output and fail.
dctl() {
	local out rc=0
	out=$("$DRIFTCTL" "$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] || fail "driftctl $* exited $rc: $out"
	[ -n "$out" ] && printf '%s\n' "$out"
	return 0
}
# dctl_rc WANT ARGS: driftctl must exit with WANT.
dctl_rc() {
	local want=$1 out rc=0
	shift
	out=$("$DRIFTCTL" "$@" 2>&1) || rc=$?
	[ "$rc" = "$want" ] || fail "driftctl $*: expected exit $want, got $rc: $out"
	log "ok: driftctl $* exits $rc"
}

set_load() { dctl set load "$1" --from-dir "$2" >/dev/null; }
# set_info NAME -> "entries memory" of that set (driftctl --json sets)
set_info() {
	"$DRIFTCTL" --json sets | "$PY" -c '
import json, sys
t = sys.stdin.read().strip()
try:
    d = json.loads(t); items = d if isinstance(d, list) else d.get("sets", [])
except ValueError:
    items = [json.loads(l) for l in t.splitlines() if l.strip()]
s = [x for x in items if x.get("name") == sys.argv[1]][0]
print(s.get("entries", s.get("entry_count")), s.get("memory"))' "$1"
}
bind() { # CT SET MODE [BINDING-NAME]: with the container's root, as driftd binds
	dctl bind "$(ct_cg "$1")" "$2" --mode "$3" --name "${4:-$1}" --root "$(ct_root "$1")" >/dev/null
}

# The drift group joined by the monitor? (/proc/net/netlink shows the first
# 32 groups of each socket; fall back to a fixed delay.)
_mon_ready() {
	local pid=$1 i
	for i in $(seq 1 40); do
		if awk -v p="$pid" '$2 == 16 && $3 == p && $4 != "00000000" { f = 1 } END { exit !f }' \
			/proc/net/netlink 2>/dev/null; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 0
}
# mon_start FILE [COUNT] [TIMEOUT]: collect events as JSON lines in FILE.
mon_start() {
	local f=$1 count=${2:-} to=${3:-10}
	to=$((to * TIME_SCALE))
	: >"$f"
	if [ -n "$count" ]; then
		"$DRIFTCTL" --json monitor --count "$count" --timeout "$to" >"$f" 2>"$f.err" &
	else
		"$DRIFTCTL" --json monitor --timeout "$to" >"$f" 2>"$f.err" &
	fi
	MON_PID=$!
	_mon_ready "$MON_PID" || fail "driftctl monitor exited at start: $(cat "$f.err")"
}
mon_wait() {
	local rc=0
	[ -n "$MON_PID" ] || return 0
	wait "$MON_PID" || rc=$?
	MON_PID=
	return $rc
}
mon_stop() {
	[ -n "$MON_PID" ] || return 0
	kill "$MON_PID" 2>/dev/null
	wait "$MON_PID" 2>/dev/null
	MON_PID=
	return 0
}

# ev_count FILE K=V...: number of JSON events whose fields all equal.
ev_count() {
	"$PY" - "$@" <<-'PY'
	import json, sys
	n = 0
	want = [a.split("=", 1) for a in sys.argv[2:]]
	for line in open(sys.argv[1]):
	    line = line.strip()
	    if not line:
	        continue
	    try:
	        e = json.loads(line)
	    except ValueError:
	        print("bad event line: " + line, file=sys.stderr)
	        sys.exit(3)
	    if all(str(e.get(k)) == v for k, v in want):
	        n += 1
	print(n)
	PY
}
# ev_field FILE N FIELD: field of the Nth event (1-based), "" if missing.
ev_field() {
	"$PY" - "$@" <<-'PY'
	import json, sys
	ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
	n = int(sys.argv[2])
	print(ev[n - 1].get(sys.argv[3], "") if len(ev) >= n else "")
	PY
}
ev_show() { sed 's/^/    event: /' "$1"; }

# _json_stat JSON-TEXT STAT: find a counter in driftctl --json output:
# either "stats": {STAT: n} or STAT at top level.
_json_stat() {
	"$PY" -c '
import json, sys
d = json.loads(sys.stdin.read())
k = sys.argv[1]
def find(o):
    if isinstance(o, dict):
        s = o.get("stats")
        if isinstance(s, dict) and k in s:
            return s[k]
        if k in o and not isinstance(o[k], (dict, list)):
            return o[k]
    return None
v = find(d)
print("" if v is None else v)
' "$1"
}
# stat_global STAT: global counter (driftctl --json status).
stat_global() {
	"$DRIFTCTL" --json status | _json_stat "$1"
}
# binding_json CT: the binding of the container's cgroup (JSON object).
binding_json() {
	local id
	id=$(ct_cgid "$1")
	"$DRIFTCTL" --json bindings | "$PY" -c '
import json, sys
want = int(sys.argv[1])
text = sys.stdin.read().strip()
try:
    d = json.loads(text)
    items = d if isinstance(d, list) else d.get("bindings", [])
except ValueError:
    items = [json.loads(l) for l in text.splitlines() if l.strip()]
for b in items:
    if int(b.get("cgroup_id", -1)) == want:
        print(json.dumps(b))
        break
' "$id"
}
# stat_binding CT STAT: per-binding counter.
stat_binding() {
	binding_json "$1" | _json_stat "$2"
}
status_field() { # FIELD of driftctl --json status
	"$DRIFTCTL" --json status | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
v = d.get(sys.argv[1], "")
print(json.dumps(v) if isinstance(v, (dict, list, bool)) else v)' "$1"
}

# wait_for SECS CMD...: poll until CMD succeeds.
wait_for() {
	local t=$(($1 * TIME_SCALE)) i
	shift
	for i in $(seq 1 $((t * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# dmesg_mark / dmesg_clean_since: no kernel warning since the mark.
# (real reports only: tests/vm/kernel-reports)
. "$REPO/tests/vm/kernel-reports"
dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }
dmesg_clean_since() {
	local bad
	bad=$(dmesg | tail -n +$((DMESG_MARK + 1)) |
		grep -E "$KERNEL_REPORT_RE" || true)
	[ -z "$bad" ] || fail "kernel log not clean: $bad"
	log "ok: kernel log clean"
}
