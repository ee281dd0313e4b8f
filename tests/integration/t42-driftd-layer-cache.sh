#!/bin/bash
# driftd's per-layer scan cache (common/layercache.h): a restarted driftd
# builds an image's set from the cache without scanning the layer again;
# a corrupted, non-private or stale cache file is not used (the layer is
# scanned again, enforcement is unchanged) and is rewritten. The set of an
# image also holds its ELF libraries without an execute bit (map only).
. "$(dirname "$0")/lib-runtime.sh"
rt_init
export DRIFTD_LAYER_CACHE=$RT/lc/layers
rm -rf "$RT/lc" "$RT/img42"
L=$RT/img42
cp -a "$IMG" "$L"
mkdir -p "$L/lib"
cp /usr/bin/busybox "$L/lib/libfake.so.1" && chmod 644 "$L/lib/libfake.so.1"
echo "not elf" >"$L/lib/data.txt"
nexec=$(find "$L" -type f -perm /111 | wc -l)
want=$((nexec + 1))

run_ct() { # NAME -> payload output
	rt_bundle "$1" --lower "$L" drift.io/mode=enforce
	crun run -b "$RT/b/$1" "$1" 2>&1 || true
	crun delete -f "$1" >/dev/null 2>&1 || true
}
set_entries() { # entries of the drift-img set made for $L (the only one)
	"$DRIFTCTL" --json sets | python3 -c 'import json,sys
s=[x for x in json.load(sys.stdin)["sets"] if x["name"].startswith("drift-img-")]
print(s[0]["entries"] if s else "none")'
}
hold_ct() { # NAME: a running container keeps its set alive
	rt_bundle "$1" --lower "$L" drift.io/mode=enforce --args 'sleep 60'
	crun run -d -b "$RT/b/$1" "$1" >/dev/null 2>&1 || fail "start $1"
}
drop_ct() { crun kill "$1" KILL >/dev/null 2>&1; sleep 0.3; crun delete -f "$1" >/dev/null 2>&1 || true; }

log "cold: driftd scans the layer and writes its cache"
rt_start_driftd
hold_ct A
[ "$(set_entries)" = "$want" ] || fail "set entries $(set_entries), want $want ($nexec executables + 1 library without x bit)"
out=$(run_ct A2)
rt_expect "$out" IMG=ok COPY=denied DL=denied
[ "$(rt_metric drift_layer_scans_total)" = 1 ] || fail "scans: $(rt_metric drift_layer_scans_total), want 1"
ls -l "$DRIFTD_LAYER_CACHE"
cache=$(ls "$DRIFTD_LAYER_CACHE"/*.cache)
[ "$(echo "$cache" | wc -l)" = 1 ] || fail "want one cache file: $cache"
[ "$(stat -c %a "$cache")" = 600 ] || fail "cache file mode $(stat -c %a "$cache")"
[ "$(stat -c %a "$DRIFTD_LAYER_CACHE")" = 700 ] || fail "cache dir mode"
drop_ct A

restart() {
	local i
	# the image set goes with its last container (reconciliation)
	for i in $(seq 1 100); do
		[ "$(set_entries)" = none ] && break
		sleep 0.1
	done
	[ "$(set_entries)" = none ] || fail "image set still there with no container"
	rt_stop_driftd
	rt_start_driftd
}

log "warm restart: the set is rebuilt from the cache, no scan"
restart
hold_ct B
[ "$(set_entries)" = "$want" ] || fail "set entries from the cache $(set_entries), want $want"
out=$(run_ct B2)
rt_expect "$out" IMG=ok COPY=denied DL=denied
[ "$(rt_metric drift_layer_scans_total)" = 0 ] || fail "warm restart scanned the layer again"
grep -q "from the scan cache" "$DLOG" || fail "no 'from the scan cache' in the log"
drop_ct B

log "corrupted cache file: not used, layer scanned, enforcement unchanged, rewritten"
size=$(stat -c %s "$cache")
printf '\377' | dd of="$cache" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
restart
hold_ct C
out=$(run_ct C2)
rt_expect "$out" IMG=ok COPY=denied DL=denied
[ "$(set_entries)" = "$want" ] || fail "entries after a corrupted cache: $(set_entries)"
[ "$(rt_metric drift_layer_scans_total)" = 1 ] || fail "a corrupted cache was used"
grep -q "scan cache not used (checksum mismatch)" "$DLOG" || fail "no log line for the corrupted cache"
drop_ct C

log "a cache file others can read is not trusted"
chmod 644 "$cache"
restart
hold_ct D
[ "$(rt_metric drift_layer_scans_total)" = 1 ] || fail "a mode 0644 cache was used"
grep -q "scan cache not used (cache file not a private regular file" "$DLOG" || fail "no log line for the 0644 cache"
drop_ct D

log "a changed layer directory: stale, scanned again"
restart
cp /usr/bin/busybox "$L/newprog" && chmod 755 "$L/newprog"
restart
hold_ct E
[ "$(rt_metric drift_layer_scans_total)" = 1 ] || fail "a stale cache was used"
[ "$(set_entries)" = "$((want + 1))" ] || fail "entries after the layer changed: $(set_entries)"
drop_ct E
rt_unbundle A; rt_unbundle A2; rt_unbundle B; rt_unbundle B2; rt_unbundle C; rt_unbundle C2
rt_unbundle D; rt_unbundle E
echo PASS
