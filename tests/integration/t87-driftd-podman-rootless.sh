#!/bin/bash
# Rootless podman: drift does not govern it (driftd and drift.ko act for
# root's runtimes; the owner of a rootless container controls its cgroup).
# The hook says so instead of failing to reach driftd's root-only socket:
# fail-open, the container starts and the hook reports "rootless container
# ... starts UNPROTECTED" (stderr and syslog LOG_CRIT), and a poststop does
# nothing; fail-closed, the start is refused with that reason and the
# workload never runs. Before, a rootless start was reported as "driftd
# unreachable ... Permission denied", and fail-closed refused it as such.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
rt_start_driftd
U=drift-rl; UH=/tmp/home/$U
id "$U" >/dev/null 2>&1 || { mkdir -p /tmp/home; useradd -m -d "$UH" -u 1500 "$U"; }
grep -q "^$U:" /etc/subuid || echo "$U:300000:65536" >>/etc/subuid
grep -q "^$U:" /etc/subgid || echo "$U:300000:65536" >>/etc/subgid
mkdir -p /run/user/1500 && chown "$U" /run/user/1500 && chmod 700 /run/user/1500
mkdir -p "$RT/rl/hooks.d" && chmod 755 "$RT" "$RT/rl" "$RT/rl/hooks.d"
tar -C "$IMG" -cf "$RT/rl/img.tar" . && chmod 644 "$RT/rl/img.tar"
upodman() {
	su "$U" -s /bin/bash -c "export XDG_RUNTIME_DIR=/run/user/1500 HOME=$UH; cd; podman $*"
}
upodman image exists localhost/bb:1 || upodman import "$RT/rl/img.tar" localhost/bb:1 >/dev/null ||
	fail "rootless podman import"
hook_json() {
	cat >"$RT/rl/hooks.d/drift.json" <<-JSON
	{"version": "1.0.0",
	 "hook": {"path": "$HOOK", "args": ["drift-oci-hook", "$1"], "timeout": 60},
	 "when": {"always": true},
	 "stages": ["createRuntime", "poststop"]}
	JSON
	chmod 644 "$RT/rl/hooks.d/drift.json"
}
before=$(rt_metric drift_unprotected_starts_total)

log "rootless, fail-open: starts, reported as a rootless start"
hook_json --fail-open
rc=0
out=$(upodman run --rm --network host --hooks-dir "$RT/rl/hooks.d" \
	--annotation run.oci.hooks.stderr="$UH/hook.err" --annotation drift.io/mode=enforce \
	localhost/bb:1 /bin/sh -c "'cat /proc/self/uid_map; /bin/true && echo RESULT IMG=ok'" 2>&1) || rc=$?
echo "$out"; cat "$UH/hook.err"
[ "$rc" = 0 ] || fail "the rootless container (fail-open) exited $rc"
rt_expect "$out" IMG=ok
grep -q "drift: WARNING: rootless container [0-9a-f]* (host uid 1500) starts UNPROTECTED (fail-open): drift does not govern rootless containers" "$UH/hook.err" ||
	fail "the hook did not report a rootless start"
grep -q "unreachable" "$UH/hook.err" && fail "a rootless start reported as driftd unreachable"
grep -qi "error" <<<"$out" && fail "the runtime reported an error (poststop?)"
[ "$(rt_metric drift_unprotected_starts_total)" = "$before" ] ||
	fail "driftd counted an unprotected start it could not have heard of"

log "rootless, fail-closed: refused with the reason, the workload never runs"
hook_json --fail-closed
: >"$UH/hook.err"
rc=0
out=$(upodman run --rm --network host --hooks-dir "$RT/rl/hooks.d" \
	--annotation run.oci.hooks.stderr="$UH/hook.err" \
	localhost/bb:1 /bin/sh -c "'echo RESULT RAN=yes'" 2>&1) || rc=$?
echo "$out"; cat "$UH/hook.err"
[ "$rc" != 0 ] || fail "the rootless container started under a fail-closed hook"
grep -q "RESULT RAN=yes" <<<"$out" && fail "the workload ran"
grep -q "error executing hook .*(exit code: 1)" <<<"$out" || fail "no hook error from the runtime"
grep -q "drift: rootless container [0-9a-f]* (host uid 1500) REFUSED (fail-closed): drift does not govern rootless containers" "$UH/hook.err" ||
	fail "the hook did not give the rootless reason"
grep -q "hook: container" "$DLOG" && fail "driftd was asked about a rootless container"
rt_stop_driftd
log "PASS"
