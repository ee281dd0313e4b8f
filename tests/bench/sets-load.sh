#!/bin/bash
# Set load speed: `driftctl set load --no-hash --from-dir` of N executable
# files against a metadata-only walk of the same tree,
#   find DIR -type f -perm -u+x -printf '%i %C@\n'
# (issue 10: at most 1.5x). Rounds alternate find / driftctl; the ratio of
# the fastest of each is printed with the spread of the per-round ratios.
# Also timed: the userspace half alone (tests/bench/sets-walk.c: walk and
# identities, no netlink), and driftctl with SHA-256 for context.
#
#   in the guest: tests/vm/run-guest --kver KVER --mem 2048 tests/bench/sets-load.sh
#   on a host:    tests/bench/sets-load.sh   (no module: userspace half only)
# Env: N (files, default 100000), ROUNDS (default 5), DIR (tree location,
# default a tmpfs in the guest, a mktemp dir on a host).
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DRIFTCTL=${DRIFTCTL:-$REPO/ctl/driftctl}
N=${N:-100000}
ROUNDS=${ROUNDS:-5}
out=${DRIFT_RESULTS:-/tmp}/sets-load.txt
note() { echo "$*" | tee -a "$out"; }
: >"$out"

guest=${DRIFT_IN_GUEST:-0}
if [ "$guest" = 1 ]; then
	base=/tmp/sets-load
	mkdir -p "$base"
	mount -t tmpfs -o size=1200m sets-load "$base" || exit 1
	if ! [ -d /sys/module/drift ]; then
		insmod "${DRIFT_KO:-$REPO/kmod/drift.ko}" || exit 1
	fi
else
	base=$(mktemp -d /tmp/sets-load.XXXXXX)
fi
DIR=${DIR:-$base/tree}
trap '[ "$guest" = 1 ] || rm -rf "$base"' EXIT

cc -O2 -D_GNU_SOURCE -I"$REPO/common" -I"$REPO/include" -o "$base/sets-walk" \
	"$REPO/tests/bench/sets-walk.c" "$REPO/common/libdriftcommon.a" -lcrypto || exit 1

if ! [ -d "$DIR" ]; then
	"$REPO/tests/tools/fill-tree" "$DIR" "$N" || exit 1
fi
nfiles=$(find "$DIR" -type f -perm -u+x | wc -l)	# also warms the caches
note "sets-load: kernel $(uname -r), $(nproc) CPUs, $([ "$guest" = 1 ] && echo "QEMU guest" || echo host), $nfiles executable files, $ROUNDS rounds"

ms() { echo $(( ($2 - $1) / 1000000 )); }
tfind=() tload=() twalk=() thash=()
for r in $(seq 1 "$ROUNDS"); do
	a=$(date +%s%N)
	find "$DIR" -type f -perm -u+x -printf '%i %C@\n' >/dev/null
	b=$(date +%s%N)
	"$base/sets-walk" "$DIR" >/dev/null
	c=$(date +%s%N)
	tfind+=("$(ms "$a" "$b")") twalk+=("$(ms "$b" "$c")")
	if [ "$guest" = 1 ]; then
		DRIFTCTL_TIMING=1 "$DRIFTCTL" set load bench --no-hash --from-dir "$DIR" \
			>/dev/null 2>"$base/timing" || { cat "$base/timing"; exit 1; }
		d=$(date +%s%N)
		tload+=("$(ms "$c" "$d")")
		note "round $r: find ${tfind[-1]} ms, walk ${twalk[-1]} ms, driftctl --no-hash ${tload[-1]} ms ($(sed 's/^driftctl: timing: //' "$base/timing"))"
	else
		note "round $r: find ${tfind[-1]} ms, walk+identities ${twalk[-1]} ms"
	fi
done
if [ "$guest" = 1 ]; then
	a=$(date +%s%N)
	DRIFTCTL_TIMING=1 "$DRIFTCTL" set load bench --from-dir "$DIR" >/dev/null 2>"$base/timing"
	b=$(date +%s%N)
	note "with SHA-256: driftctl ${tload[*]:+$(ms "$a" "$b")} ms ($(sed 's/^driftctl: timing: //' "$base/timing"))"
	"$DRIFTCTL" set del bench >/dev/null 2>&1
fi
python3 - "${tfind[*]}" "${twalk[*]}" "${tload[*]:-}" <<'PY' | tee -a "$out"
import sys
f = [int(x) for x in sys.argv[1].split()]
w = [int(x) for x in sys.argv[2].split()]
l = [int(x) for x in sys.argv[3].split()] if sys.argv[3].strip() else []
def show(name, v):
    rs = sorted(a / b for a, b in zip(v, f))
    print("%-32s min %6d ms; ratio to find: best-of %.2f, per round %.2f..%.2f (median %.2f)"
          % (name, min(v), min(v) / min(f), rs[0], rs[-1], rs[len(rs) // 2]))
print("%-32s min %6d ms" % ("find -perm -u+x -printf", min(f)))
show("walk + identities (userspace)", w)
if l:
    show("driftctl set load --no-hash", l)
    print("RESULT set-load ratio %.2f (goal <= 1.5)" % (min(l) / min(f)))
PY
