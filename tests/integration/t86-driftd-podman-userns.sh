#!/bin/bash
# podman with a user namespace (--uidmap, --userns=auto). podman runs
# conmon, crun and so the hook of such a container in a private mount
# namespace of its own, where it mounts the container's ID-mapped copies of
# the image's layers. The hook socket accepts that peer (the host's user,
# pid and network namespaces and the host's root directory: the runtime,
# not a container), the container is bound to the layers it really runs
# from, and drift enforces in it as in any other: image binaries run, the
# dropped binary, download, script and memfd are denied, with events.
# Failed before the peer rule knew runtime mount namespaces: "hook socket:
# refusing peer: peer pid N is not in the host's mnt namespace", and every
# such container failed to start.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd
rt_podman_hooks
rt_podman_image
prun() { podman run --rm --network host --hooks-dir "$RT/hooks.d" "$@"; }
# --userns=auto takes its ranges from the "containers" user's
grep -q '^containers:' /etc/subuid 2>/dev/null || echo "containers:200000:1000000" >>/etc/subuid
grep -q '^containers:' /etc/subgid 2>/dev/null || echo "containers:200000:1000000" >>/etc/subgid

n=0
for opt in "--uidmap 0:100000:65536 --gidmap 0:100000:65536" "--userns=auto"; do
	n=$((n + 1))
	log "podman $opt, enforce"
	out=$(prun $opt --name "p-ns$n" --annotation drift.io/mode=enforce localhost/bb:1 \
		/bin/sh -c "cat /proc/self/uid_map; $RT_PAYLOAD" 2>&1) || true
	echo "$out"
	echo "$out" | awk 'NR == 1 { exit !($1 == 0 && $2 != 0) }' ||
		fail "set-up: the container has no user namespace: $(echo "$out" | head -n 1)"
	rt_expect "$out" IMG=ok COPY=denied DL=denied SCRIPT=denied MEMFD=denied
	rt_wait_events 4 container_name="p-ns$n" action=deny image=localhost/bb:1
	grep -q "container [0-9a-f]* (p-ns$n, image localhost/bb:1) bound: .* mode enforce" "$DLOG" ||
		fail "driftd did not log the binding of p-ns$n"
done
grep "refusing peer" "$DLOG" && fail "driftd refused a runtime's hook"

log "podman --userns=auto, audit (node default): the same attempts run and are reported"
out=$(prun --userns=auto --name p-ns-aud localhost/bb:1 /bin/sh -c "$RT_PAYLOAD" 2>&1) || true
echo "$out"
rt_expect "$out" IMG=ok COPY=ran DL=ran SCRIPT=ran MEMFD=ran
rt_wait_events 4 container_name=p-ns-aud action=audit image=localhost/bb:1

rt_wait_bindings 0
[ "$(rt_sets)" = 0 ] || fail "sets left: $(rt_kstate)"
rt_stop_driftd
log "PASS"
