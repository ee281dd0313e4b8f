#!/bin/bash
# An unprivileged user and root in a non-initial user namespace get EPERM
# (driftctl exit 4) for every changing command and for the event group;
# reading the status stays open. Nothing changes in the kernel.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
cg=$(ct_cg c1)
cmds=(
	"set load x --from-dir $IMG"
	"set del img"
	"bind $cg img --mode off"
	"unbind $cg"
	"mode $cg off"
	"default --event-rate 7"
	"exception add $cg --path /tmp/"
	"exception del $cg --path /tmp/"
	"lock"
	"unlock"
	"monitor --count 1 --timeout 2"
	"sets"
	"bindings"
)
for who in nobody userns; do
	if [ $who = nobody ]; then
		run=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
	else
		run=(unshare --user --map-root-user)
	fi
	log "as $who: $("${run[@]}" id)"
	for c in "${cmds[@]}"; do
		rc=0
		# shellcheck disable=SC2086
		out=$("${run[@]}" "$DRIFTCTL" $c 2>&1) || rc=$?
		[ "$rc" = 4 ] || fail "as $who: driftctl $c: expected exit 4 (EPERM), got $rc: $out"
		log "ok: as $who: driftctl $c -> 4"
	done
	out=$("${run[@]}" "$DRIFTCTL" status 2>&1) || fail "as $who: driftctl status failed: $out"
	log "ok: as $who: driftctl status works"
	out=$("${run[@]}" "$TOOLS/nl_fuzz" --unpriv 2>&1); rc=$?
	echo "$out" | sed 's/^/    /'
	assert_eq "nl_fuzz --unpriv as $who" 0 "$rc"
done
# nothing changed
assert_eq "binding mode" enforce "$(binding_json c1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["mode"])')"
assert_eq "locked" 0 "$(status_field locked | tr -d '"' | sed 's/false/0/;s/true/1/')"
"$DRIFTCTL" --json sets | grep -q '"img"' || fail "set img disappeared"
expect_exec c1 ok /bin/nop
pass
