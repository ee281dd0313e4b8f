#!/bin/bash
# A sealed module accepts only tightening until it is reloaded: each
# loosening is refused with EPERM (driftctl exit 4) and an extack message
# and counted in "refused"; each tightening is accepted. status shows the
# seal. (Lock/unlock under the seal: t39.)
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
ct_create c2
ct_create c3
set_load img "$IMG"
set_load img2 "$IMG"
set_load spare "$IMG"
bind c1 img audit
dctl bind "$(ct_cg c3)" img --mode enforce --root "$(ct_root c3)" >/dev/null
dctl exception add "$(ct_cg c3)" --path /opt/ >/dev/null
dctl default --set spare >/dev/null
cg1=$(ct_cg c1)
cg2=$(ct_cg c2)
cg3=$(ct_cg c3)
mkdir -p "$cg1/sub"
NLRAW=$TOOLS/nlraw.py

assert_eq "sealed before" false "$(status_field sealed)"
dctl seal >/dev/null
assert_eq "sealed after 'driftctl seal'" true "$(status_field sealed)"
"$DRIFTCTL" status | grep -q "sealed: *yes" || fail "driftctl status does not show the seal"

r0=$(stat_global refused)
refused() { # MESSAGE-REGEX driftctl-args...
	local re=$1 rc=0 out
	shift
	out=$("$DRIFTCTL" "$@" 2>&1) || rc=$?
	[ "$rc" = 4 ] || fail "sealed: driftctl $*: expected exit 4, got $rc: $out"
	assert_match "sealed: driftctl $*" "$re" "$out"
	n_refused=$((n_refused + 1))
}
n_refused=0
refused "bindings cannot be removed" unbind "$cg1"
refused "mode can only be raised" mode "$cg1" off
refused "mode can only be raised" bind "$cg1" img --mode off --replace
refused "set cannot be replaced" bind "$cg1" img2 --mode enforce --replace
refused "exceptions cannot be added" exception add "$cg3" --path /tmp/
refused "set in use cannot be replaced" set load img --from-dir "$IMG"
refused "set in use cannot be deleted" set del img
refused "set in use cannot be deleted" set del spare
refused "inside a bound cgroup" bind "$cg1/sub" img2 --mode off
refused "default set cannot be replaced" default --set img2
dctl default --mode audit >/dev/null	# tightening (enforce would stop the host)
refused "default mode can only be raised" default --mode off
refused "below the default mode" bind "$cg2" img --mode off
refused "default set cannot be replaced" default --no-set
refused "event rate and burst can only be raised" default --event-rate 1
out=$("$PY" "$NLRAW" SET_CONFIG u8:SEALED=0)
assert_match "unseal (raw SET_CONFIG SEALED=0)" "^EPERM: sealed: the seal stays" "$out"
n_refused=$((n_refused + 1))
r1=$(stat_global refused)
assert_eq "refusals counted" "$n_refused" $((r1 - r0))
assert_eq "still sealed" true "$(status_field sealed)"

# tightening
dctl mode "$cg1" enforce >/dev/null
dctl bind "$cg2" img --mode enforce >/dev/null
dctl bind "$cg1" img --mode enforce --replace --name renamed >/dev/null
dctl exception del "$cg3" --path /opt/ >/dev/null
dctl set load img3 --from-dir "$IMG" >/dev/null
dctl set load img2 --from-dir "$IMG" >/dev/null	# nothing uses it
dctl set del img3 >/dev/null
dctl default --event-rate 500 >/dev/null
dctl seal >/dev/null
log "ok: every tightening accepted"
assert_eq "refused unchanged by tightening" "$r1" "$(stat_global refused)"
assert_eq "c1 mode" enforce "$(binding_json c1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["mode"])')"
assert_eq "c2 mode" enforce "$(binding_json c2 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["mode"])')"
# the default policy audits the host now; the seal ends with the module
rmmod drift || fail "rmmod of the sealed, unlocked module"
drift_load
assert_eq "a reloaded module is not sealed" false "$(status_field sealed)"
pass
