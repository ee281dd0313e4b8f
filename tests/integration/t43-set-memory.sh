#!/bin/bash
# Set memory and the set table as a user sees them (issue 10, goal 1):
# a 100,000-entry set without digests takes at most 32 bytes per entry
# (plus a fixed header per set) in `driftctl --json sets` and in status;
# digests are stored apart: the same set with digests reports 32-43 bytes
# more per entry (one 32-byte digest per slot, at most 3/4 full), not a
# digest inside every entry. A load without a size hint grows its table
# and still finds every file. An entry with inode number 0 is refused with
# an error message; a duplicate (dev, ino) keeps the last one sent. (The
# old table, 72 bytes per entry with digests inline, fails the first
# checks; it also took ino 0.)
. "$(dirname "$0")/lib.sh"
t_init
SYNTH=$TOOLS/set_synth
[ -x "$SYNTH" ] || fail "tests/tools/set_synth not built"
img_create
ct_create c1
# /bin/nop first: set_synth --dup-stale duplicates the first FILE
mapfile -t FILES < <(echo "$IMG/bin/nop"; find "$IMG" -type f -perm -u+x ! -path "$IMG/bin/nop")
N=100000

synth() { "$SYNTH" "$@" >"$W/synth.out" 2>&1 || fail "set_synth $*: $(cat "$W/synth.out")"; }

# ---- 100,000 entries without digests: <= 32 bytes per entry
synth plain $N "${FILES[@]}"
read -r entries mem <<<"$(set_info plain)"
assert_eq "entries of the plain set" $N "$entries"
log "plain set: $mem bytes, $("$PY" -c "print('%.2f' % ($mem / $N))") bytes/entry"
# 24-byte entries at most 3/4 full: 32 bytes each, plus the table header
[ "$mem" -le $((32 * N + 64)) ] ||
	fail "set memory $mem bytes for $N entries: more than 32 bytes per entry"
log "ok: set memory <= 32 bytes/entry (+ a header of at most 64 bytes)"
assert_eq "status memory = the set's memory" "$mem" "$(status_field memory)"
bind c1 plain enforce
expect_exec c1 ok /bin/nop
ct_sh c1 'cp /bin/nop /tmp/copy' || fail "cp"
expect_exec c1 EACCES /tmp/copy

# ---- the same with digests: the digests are counted apart
synth digests $N --sha256 "${FILES[@]}"
read -r entries dmem <<<"$(set_info digests)"
assert_eq "entries of the set with digests" $N "$entries"
extra=$((dmem - mem))
log "set with digests: $dmem bytes; digests: $extra bytes," \
	"$("$PY" -c "print('%.2f' % ($extra / $N))") bytes/entry"
[ "$extra" -ge $((32 * N)) ] && [ "$extra" -le $((43 * N + 64)) ] ||
	fail "digests take $extra bytes for $N entries, want 32..43 per entry"
log "ok: digests reported apart (32..43 bytes/entry on top of the entries)"
assert_eq "status memory = both sets" $((mem + dmem)) "$(status_field memory)"
dctl set del digests >/dev/null

# ---- no size hint: the table grows while loading, every file is found
synth grown $N --hint 0 --chunk 97 "${FILES[@]}"
read -r entries gmem <<<"$(set_info grown)"
assert_eq "entries of the set loaded without a hint" $N "$entries"
[ "$gmem" -le $((64 * N + 64)) ] || fail "grown set: $gmem bytes (> 64/entry)"
log "ok: grown set $gmem bytes (at least 3/8 full)"
dctl bind "$(ct_cg c1)" grown --mode enforce --replace >/dev/null
expect_exec c1 ok /bin/nop
expect_exec c1 EACCES /tmp/copy
dctl bind "$(ct_cg c1)" plain --mode enforce --replace >/dev/null
dctl set del grown >/dev/null

# ---- a size hint far too large: the committed table fits what it holds
synth small 20 --hint 1000000 "${FILES[@]}"
read -r entries smem <<<"$(set_info small)"
assert_eq "entries of the over-hinted set" 20 "$entries"
[ "$smem" -le 4096 ] || fail "20 entries with a hint of 10^6 take $smem bytes"
log "ok: 20 entries loaded with a hint of 10^6 take $smem bytes"
dctl set del small >/dev/null

# ---- inode number 0 is refused, with a message, and nothing is left
rc=0
"$SYNTH" zero 10 --zero-ino >"$W/zero.out" 2>&1 || rc=$?
cat "$W/zero.out"
assert_eq "set_synth exit with an ino 0 entry" 1 "$rc"
grep -q "kernel says: entry has inode number 0" "$W/zero.out" ||
	fail "no error message for ino 0: $(cat "$W/zero.out")"
"$DRIFTCTL" --json sets | grep -q '"zero"' && fail "set with ino 0 was created"
assert_eq "sets being loaded" 0 "$(status_field staging)"

# ---- duplicates keep the last one (same message, and across messages)
nf=${#FILES[@]}
for chunk in 512 1; do
	# a stale twin of /bin/nop first, its real identity last: it runs
	synth dup $((nf + 11)) --chunk $chunk --dup-stale before "${FILES[@]}"
	read -r entries _ <<<"$(set_info dup)"
	assert_eq "entries after merging a duplicate (chunk $chunk)" $((nf + 10)) "$entries"
	dctl bind "$(ct_cg c1)" dup --mode enforce --replace >/dev/null
	expect_exec c1 ok /bin/nop
	# its real identity first, the stale twin last: /bin/nop looks modified
	synth dup $((nf + 11)) --chunk $chunk --dup-stale after "${FILES[@]}"
	read -r entries _ <<<"$(set_info dup)"
	assert_eq "entries after merging a duplicate (chunk $chunk)" $((nf + 10)) "$entries"
	expect_exec c1 EACCES /bin/nop
	expect_exec c1 ok /bin/nop2
	dctl bind "$(ct_cg c1)" plain --mode enforce --replace >/dev/null
done
dctl unbind "$(ct_cg c1)" >/dev/null
dctl set del dup >/dev/null
dctl set del plain >/dev/null
assert_eq "status memory with no set" 0 "$(status_field memory)"
pass
