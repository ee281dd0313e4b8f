#!/bin/bash
# The control plane a pod cannot reach. A process with CAP_NET_ADMIN only
# (a CNI agent or kube-proxy in a hostNetwork pod) in the initial user
# namespace, as root (bounding set cut down) or as another uid (ambient
# capability), gets EPERM (driftctl exit 4) for every changing command and
# cannot join the events group; reading sets and bindings still works. A
# root process with every capability but inside a governed cgroup (bound,
# or a descendant of a bound one) gets EPERM for every changing command.
# Each refusal made by drift.ko (not by the genetlink core) counts in
# "refused". Nothing changes in the kernel.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
ct_create c2
set_load img "$IMG"
bind c1 img audit
cg=$(ct_cg c1)
cg2=$(ct_cg c2)
cmds=(
	"set load x --from-dir $IMG"
	"set del img"
	"bind $cg2 img --mode off"
	"bind $cg img --mode off --replace"
	"unbind $cg"
	"mode $cg off"
	"default --event-rate 7"
	"exception add $cg --file $IMG/bin/nop"
	"exception del $cg --file $IMG/bin/nop"
	"lock"
	"unlock"
	"seal"
)
check_refused() { # WHO CMD...
	local who=$1 rc=0 out
	shift
	for c in "${cmds[@]}"; do
		rc=0
		# shellcheck disable=SC2086
		out=$("$@" "$DRIFTCTL" $c 2>&1) || rc=$?
		[ "$rc" = 4 ] || fail "$who: driftctl $c: expected exit 4 (EPERM), got $rc: $out"
		log "ok: $who: driftctl $c -> 4"
	done
	printf '%s\n' "$out" | grep -q "permission denied" ||
		fail "$who: the message does not say permission denied: $out"
}

r0=$(stat_global refused)
# root, bounding set = CAP_NET_ADMIN only
net_root=(setpriv --bounding-set=-all,+net_admin --inh-caps=-all,+net_admin)
log "root with CAP_NET_ADMIN only: $("${net_root[@]}" grep CapEff /proc/self/status)"
check_refused "root+net_admin" "${net_root[@]}"
# another uid, CAP_NET_ADMIN as its only (ambient) capability
net_user=(setpriv --reuid=65534 --regid=65534 --clear-groups
	--inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin
	--bounding-set=-all,+net_admin)
log "uid 65534 with CAP_NET_ADMIN: $("${net_user[@]}" grep CapEff /proc/self/status)"
check_refused "uid65534+net_admin" "${net_user[@]}"
for who in root user; do
	if [ $who = root ]; then run=("${net_root[@]}"); else run=("${net_user[@]}"); fi
	rc=0
	out=$("${run[@]}" "$DRIFTCTL" monitor --count 1 --timeout 2 2>&1) || rc=$?
	[ "$rc" = 4 ] || fail "$who with CAP_NET_ADMIN joined the events group (exit $rc): $out"
	log "ok: $who with CAP_NET_ADMIN cannot join the events group"
	"${run[@]}" "$DRIFTCTL" sets >/dev/null 2>&1 || fail "$who with CAP_NET_ADMIN cannot read the sets"
	"${run[@]}" "$DRIFTCTL" bindings >/dev/null 2>&1 || fail "$who with CAP_NET_ADMIN cannot read the bindings"
	log "ok: $who with CAP_NET_ADMIN still reads sets and bindings"
done
r1=$(stat_global refused)
assert_eq "refused counted (2 x ${#cmds[@]} changes)" $((2 * ${#cmds[@]})) $((r1 - r0))

# full root, but inside the governed cgroup c1 (audit: driftctl may run)
# and inside a child of it
mkdir -p "$cg/sub"
for where in "$cg" "$cg/sub"; do
	in_cg=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$where")
	log "root in $where: $("${in_cg[@]}" cat /proc/self/cgroup)"
	check_refused "root in ${where#"$CGBASE"/}" "${in_cg[@]}"
	out=$("${in_cg[@]}" "$DRIFTCTL" mode "$cg" off 2>&1) || true
	assert_match "extack for a governed caller" "cgroup drift governs" "$out"
done
r2=$(stat_global refused)
assert_eq "refused counted (governed)" $((2 * (${#cmds[@]} + 1))) $((r2 - r1))

# nothing changed; the same commands work from the host as root
assert_eq "binding mode" audit "$(binding_json c1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["mode"])')"
assert_eq "locked" false "$(status_field locked)"
assert_eq "sealed" false "$(status_field sealed)"
[ -z "$(binding_json c2)" ] || fail "c2 got bound"
"$DRIFTCTL" --json sets | grep -q '"x"' && fail "set x got loaded"
dctl mode "$cg" off >/dev/null
dctl bind "$cg2" img --mode audit >/dev/null
log "ok: root outside governed cgroups still changes drift"
pass
