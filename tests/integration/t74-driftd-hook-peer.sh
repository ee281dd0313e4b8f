#!/bin/bash
# The hook socket accepts only peers in the host's user, pid and network
# namespaces, in the host's mount namespace (or one the runtime made: the
# host's root directory, a cgroup not named as a container's; t86) and
# outside governed cgroups (issue 8). A
# uid-0 process in another mount namespace and another root directory,
# as in a container, that can reach the socket (it is bind-mounted there:
# the refusal comes from the peer check, not from file permissions) sends
# "stopped" for a running container: refused, the binding stays. Same for
# one with the host's root in an ungoverned container's cgroup, another
# network namespace, and a root process of the host moved into the
# container's cgroup. The real hook (host namespaces) still works.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
# audit: the host process moved into the container's cgroup below must be
# able to exec the (host) hook binary; drift.ko only reports it.
rt_start_driftd

rt_bundle victim --args 'sleep 120'
crun run -d -b "$RT/b/victim" victim >/dev/null 2>&1 || fail "crun run -d victim"
[ "$(rt_binding_mode victim)" = audit ] || fail "victim not bound: $(rt_kstate)"
STOP="{\"ociVersion\":\"1.0\",\"id\":\"victim\",\"pid\":1,\"bundle\":\"$RT/b/victim\",\"status\":\"stopped\"}"

log "uid 0 in another mount namespace and root directory (a container with /run/drift): refused"
# the container's root: the image, the hook and its libraries, /run/drift
CR=$RT/peer-root
cp -a "$IMG" "$CR"
cp "$HOOK" "$CR/hook"
for l in $(ldd "$HOOK" | grep -o '/[^ ]*'); do cp --parents -L "$l" "$CR"; done
mkdir -p "$CR$(dirname "$SOCK")"
rc=0
unshare --mount sh -c "mount --bind $(dirname "$SOCK") $CR$(dirname "$SOCK") &&
	exec chroot $CR /bin/sh -c '[ -S $SOCK ] && [ -w $SOCK ] && echo SOCKET_REACHABLE >&2; echo '\''$STOP'\'' | /hook --fail-open'" \
	2>"$RT/peer.err" || rc=$?
cat "$RT/peer.err"
grep -q SOCKET_REACHABLE "$RT/peer.err" || fail "set-up: the socket is not reachable from the namespace"
[ "$rc" = 1 ] || fail "the hook in another mount namespace exited $rc (want 1: refused)"
grep -q "refused .*permission denied: peer pid [0-9]* is not in the host's mnt namespace and is not the runtime's" "$RT/peer.err" ||
	fail "no peer refusal message"
grep -q "hook socket: refusing peer: .*mnt namespace" "$DLOG" || fail "driftd did not log the refusal"
[ "$(rt_binding_mode victim)" = audit ] || fail "the binding was removed by a peer in another mount namespace"

log "uid 0 in another mount namespace with the host's root, in a container's cgroup drift does not govern: refused"
# an exempt node agent (hostPID, hostNetwork, the host's / mounted) that
# chroots into the host's root: only its cgroup's name tells it from podman
mkdir -p /sys/fs/cgroup/libpod-feed.scope
rc=0
sh -c "echo \$\$ >/sys/fs/cgroup/libpod-feed.scope/cgroup.procs && exec unshare --mount sh -c 'echo '\''$STOP'\'' | $HOOK --fail-open'" \
	2>"$RT/peer.err" || rc=$?
cat "$RT/peer.err"
rmdir /sys/fs/cgroup/libpod-feed.scope 2>/dev/null || true
[ "$rc" = 1 ] || fail "the hook in a container-named cgroup exited $rc (want 1: refused)"
grep -q "is not the runtime's (.*cgroup /libpod-feed.scope is a container's)" "$RT/peer.err" ||
	fail "no container-cgroup refusal message"
[ "$(rt_binding_mode victim)" = audit ] || fail "the binding was removed by a peer in a container's cgroup"

log "uid 0 in another network namespace: refused"
rc=0; unshare --net sh -c "echo '$STOP' | $HOOK --fail-open" 2>"$RT/peer.err" || rc=$?
[ "$rc" = 1 ] || fail "net namespace peer: exit $rc"
grep -q "net namespace" "$RT/peer.err" || fail "no net namespace refusal: $(cat "$RT/peer.err")"
[ "$(rt_binding_mode victim)" = audit ] || fail "the binding was removed by a peer in another network namespace"

log "a host root process inside the container's governed cgroup: refused"
cg=$(python3 -c 'import json; print(json.load(open("/run/drift/containers/victim.json"))["cgroup"])')
rc=0
sh -c "echo \$\$ >/sys/fs/cgroup$cg/cgroup.procs && echo '$STOP' | $HOOK --fail-open" 2>"$RT/peer.err" || rc=$?
cat "$RT/peer.err"
[ "$rc" = 1 ] || fail "governed-cgroup peer: exit $rc"
grep -q "governed container cgroup" "$RT/peer.err" || fail "no governed-cgroup refusal"
[ "$(rt_binding_mode victim)" = audit ] || fail "the binding was removed by a peer in the container's cgroup"

log "the hook from the host: accepted"
echo "$STOP" | "$HOOK" --fail-closed 2>"$RT/peer.err" || fail "host hook refused: $(cat "$RT/peer.err")"
[ "$(rt_binding_mode victim)" = none ] || fail "stopped from the host did not unbind"
crun kill victim KILL; sleep 0.3; crun delete -f victim >/dev/null 2>&1 || true
rt_unbundle victim
rt_stop_driftd
log "PASS"
