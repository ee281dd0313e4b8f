#!/bin/bash
# Trusted inputs only (issue 8): a container that started unprotected
# (driftd down, hook fail-open) and holds CAP_SYS_ADMIN mounts, over its own
# "/", a read-only overlay whose first lower layer is its own upper
# directory (as the host names it) holding a dropped binary. When driftd
# comes back it must take the layers from the runtime's bundle and its own
# mount table, never from the container's mountinfo: the dropped binary
# gets nothing allowlisted and stays denied in enforce.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
sed -i 's/^mode audit$/mode enforce/' "$CONF"
B=$RT/b/evil
UP=$B/upper
# Inside: the binary at /tmp/drop/true is, on the host, $UP/tmp/drop/true.
# The overlay's lowerdir strings name host paths: $UP/tmp/drop (which the
# host resolves to the container's upper directory) and $IMG; the same
# paths are created inside so that the mount succeeds there.
ATTACK="
mkdir -p /tmp/drop $UP/tmp/drop $IMG
cp /bin/busybox /tmp/drop/true && echo >>/tmp/drop/true && chmod 755 /tmp/drop/true
cp /tmp/drop/true $UP/tmp/drop/true
cp -a /bin $IMG/ 2>/dev/null
mount -t overlay evil -o lowerdir=$UP/tmp/drop:$IMG / || { echo MOUNT_FAILED >/tmp/st; exit 1; }
grep ' / / ' /proc/self/mountinfo | tail -1 >/tmp/mi
i=0; while [ \$i -lt 600 ]; do
	if /tmp/drop/true 2>/dev/null; then echo RAN >/tmp/st; else echo DENIED >/tmp/st; fi
	sleep 0.1; i=\$((i+1))
done"
rt_bundle evil --fail-open drift.io/mode=enforce --args "$ATTACK"
python3 - "$B/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
caps = c["process"]["capabilities"]
for k in caps:
    if "CAP_SYS_ADMIN" not in caps[k]:
        caps[k].append("CAP_SYS_ADMIN")
c["linux"].pop("seccomp", None)
c["linux"]["maskedPaths"] = []
json.dump(c, open(p, "w"))
PY
log "the container starts unprotected (driftd is down) and mounts the overlay"
crun run -d -b "$B" evil >"$RT/evil.out" 2>&1 || fail "crun run -d evil: $(cat "$RT/evil.out")"
# the attack copies busybox and the image's /bin first: up to 30 s (scaled)
for i in $(seq 1 $((300 * TIME_SCALE))); do [ -s "$UP/tmp/st" ] && break; sleep 0.1; done
cat "$UP/tmp/mi" 2>/dev/null || true
st=$(cat "$UP/tmp/st" 2>/dev/null)
[ "$st" != MOUNT_FAILED ] || fail "the attack's overlay mount failed (test set-up)"
grep -q "lowerdir=$UP/tmp/drop" "$UP/tmp/mi" || fail "the container's mountinfo does not show the forged layer"
[ "$st" = RAN ] || fail "the dropped binary did not run before driftd (set-up): state '$st'"

log "driftd comes back and binds the container from trusted inputs"
rt_start_driftd
for i in $(seq 1 100); do [ "$(rt_binding_mode evil)" = enforce ] && break; sleep 0.1; done
[ "$(rt_binding_mode evil)" = enforce ] || fail "the container was not bound: $(rt_kstate)"
grep 'container evil' "$DLOG" | tail -3
grep -q "$UP" <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"])' /run/drift/containers/evil.json) &&
	fail "driftd recorded the container's upper directory as a layer"
sleep 1
[ "$(cat "$UP/tmp/st")" = DENIED ] || fail "the dropped binary is allowlisted through the forged overlay"
rt_wait_events 1 container_id=evil action=deny
crun kill evil KILL; sleep 0.3; crun delete -f evil >/dev/null 2>&1 || true
umount "$B/rootfs" 2>/dev/null || true
rt_unbundle evil
rt_stop_driftd
log "PASS"
