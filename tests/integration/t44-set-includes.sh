#!/bin/bash
# Sets that include sets (issue 10, goal 1: memory grows with the node's
# unique files, not with images). Two "images" share a base layer: the
# base is loaded once as a set, each image set includes it and its own top
# layer (SET_COMMIT with DRIFT_A_SET_INCLUDES, made here by set_synth
# --include). What a user must see:
#   * each container runs its image's files, a file of the other image's
#     top layer is denied (EACCES): includes do not leak across images;
#   * the base's entries are stored once: the two image sets cost the node
#     only their views (status memory), however big the base;
#   * replacing the base changes what both images allow, at once;
#   * the UAPI's rules: an included set cannot be deleted (EBUSY), one
#     level only (EINVAL), no self include (EINVAL), unknown names
#     (ENOENT), each with an extack message;
#   * deleting everything gives the memory back (the GC work).
. "$(dirname "$0")/lib.sh"
t_init
SYNTH=$TOOLS/set_synth
[ -x "$SYNTH" ] || fail "tests/tools/set_synth not built"
img_create
# a binary only image B has (its top layer)
cp "$TOOLS/nop" "$IMG/bin/b-only" && printf 'b' >>"$IMG/bin/b-only"
chmod 755 "$IMG/bin/b-only"
ct_create a
ct_create b
mapfile -t BASE < <(find "$IMG" -type f -perm -u+x ! -path "$IMG/bin/b-only")
NBASE=50000

synth() { "$SYNTH" "$@" >"$W/synth.out" 2>&1 || fail "set_synth $*: $(cat "$W/synth.out")"; }
# synth_rc WANT MESSAGE ARGS: set_synth must exit WANT and print MESSAGE
synth_rc() {
	local want=$1 msg=$2 rc=0
	shift 2
	"$SYNTH" "$@" >"$W/synth.out" 2>&1 || rc=$?
	assert_eq "set_synth $* exit" "$want" "$rc"
	grep -q "kernel says: $msg" "$W/synth.out" ||
		fail "set_synth $*: no message '$msg': $(cat "$W/synth.out")"
	log "ok: set_synth $*: $msg"
}
set_json() { # NAME FIELD
	"$DRIFTCTL" --json sets | "$PY" -c '
import json, sys
d = json.load(sys.stdin); items = d if isinstance(d, list) else d.get("sets", [])
s = [x for x in items if x.get("name") == sys.argv[1]][0]
v = s.get(sys.argv[2], "")
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1" "$2"
}

mem0=$(status_field memory)
log "node table with no set: $mem0 bytes"
# the base layer: the image's files and synthetic ones, 50,000 in all
synth base $NBASE "${BASE[@]}"
mem_base=$(status_field memory)
# top layers: A's is synthetic (another seed), B's has b-only
synth top-a 1000 --seed 7
synth top-b 1000 --seed 8 "$IMG/bin/b-only"
mem_tops=$(status_field memory)
synth img-a 0 --include base --include top-a
synth img-b 0 --include base --include top-b
mem_imgs=$(status_field memory)
read -r ea _ <<<"$(set_info img-a)"
assert_eq "entries img-a allows (base + top-a)" $((NBASE + 1000)) "$ea"
assert_eq "own entries of img-a" 0 "$(set_json img-a own_entries)"
log "memory: base $((mem_base - mem0)), tops $((mem_tops - mem_base))," \
	"two image sets $((mem_imgs - mem_tops)) bytes"
# the two image sets add their views only (a few hundred bytes), not a
# copy of the base (50,000 entries would be about 1.5 MB each)
[ $((mem_imgs - mem_tops)) -le 4096 ] ||
	fail "two image sets including the base cost $((mem_imgs - mem_tops)) bytes"
log "ok: the base's $NBASE entries are stored once"

bind a img-a enforce
bind b img-b enforce
expect_exec a ok /bin/nop
expect_exec b ok /bin/nop
expect_exec b ok /bin/b-only
expect_exec a EACCES /bin/b-only
ct_sh a 'cp /bin/nop /tmp/copy' || fail "cp"
ct_sh b 'cp /bin/nop /tmp/copy' || fail "cp"
expect_exec a EACCES /tmp/copy
expect_exec b EACCES /tmp/copy
log "ok: each image runs its files, not the other's top layer nor a copy"

# ---- the base replaced without /bin/nop: both images lose it at once
mapfile -t BASE2 < <(printf '%s\n' "${BASE[@]}" | grep -v '/bin/nop$')
synth base $NBASE "${BASE2[@]}"
expect_exec a EACCES /bin/nop
expect_exec b EACCES /bin/nop
expect_exec b ok /bin/b-only
synth base $NBASE "${BASE[@]}"
expect_exec a ok /bin/nop
expect_exec b ok /bin/nop
log "ok: replacing an included set changes every includer"
# the old versions' entries are dropped (at commit or by the GC work):
# the table is back to its size, give or take the headroom a rebuilt
# segment keeps (1/16) against a hinted load's slack
wait_for 10 test "$(status_field memory)" -le $((mem_imgs + mem_imgs / 10)) ||
	fail "memory after two replacements: $(status_field memory), was $mem_imgs"
log "ok: replaced versions freed ($(status_field memory) bytes)"

# ---- the rules
rc=0
out=$("$DRIFTCTL" set del base 2>&1) || rc=$?
[ "$rc" != 0 ] && grep -q "included by another set" <<<"$out" ||
	fail "deleting an included set: rc $rc, $out"
log "ok: an included set cannot be deleted ($out)"
synth_rc 1 "an included set must not include sets itself" deep 0 --include img-a
synth_rc 1 "this set is included by another set: it cannot include sets" \
	base 10 --include top-a
synth_rc 1 "a set cannot include itself" self 0 --include self
synth_rc 1 "no such set to include" nosuch 0 --include no-such-set
assert_eq "sets being loaded after refused commits" 0 "$(status_field staging)"
expect_exec a ok /bin/nop
"$DRIFTCTL" --json sets | grep -q '"deep"' && fail "refused set 'deep' exists"

# ---- a commit without includes drops them (own entries: try_exec only)
synth img-b 1 "$IMG/bin/try_exec"
read -r eb _ <<<"$(set_info img-b)"
assert_eq "entries img-b allows without includes" 1 "$eb"
expect_exec b EACCES /bin/nop
synth img-b 0 --include base --include top-b
expect_exec b ok /bin/nop

# ---- everything goes: the memory comes back
dctl unbind "$(ct_cg a)" >/dev/null
dctl unbind "$(ct_cg b)" >/dev/null
for s in img-a img-b base top-a top-b; do dctl set del "$s" >/dev/null; done
wait_for 10 test "$(status_field memory)" -le "$mem0" ||
	fail "memory with no set: $(status_field memory), was $mem0 at the start"
log "ok: memory back to $(status_field memory) bytes"
pass
