#!/bin/bash
# Set memory and the node-wide table as a user sees them (issue 10, goal
# 1): a 100,000-entry set without digests takes at most 32 bytes per entry
# in `driftctl --json sets` (its share of the table) and in status; digests
# are stored apart: the same set with digests costs 32-43 bytes more per
# entry (one 32-byte digest per slot, at most 5/6 full), not a digest
# inside every entry. A load without a size hint grows the table and still
# finds every file; an oversized hint is given back at commit; deleted
# sets give their memory back. An entry with inode number 0 is refused
# with an error message; a duplicate (dev, ino) keeps the last one sent.
# (The old table, 72 bytes per entry with digests inline, fails the first
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

# the empty node: 64 empty segments and the first chunk of set parts
mem0=$(status_field memory)
log "node table with no set: $mem0 bytes"
mem_back() { # the memory of deleted sets is given back (GC work)
	wait_for 10 test "$(status_field memory)" -le "$mem0" ||
		fail "memory with no set: $(status_field memory), $mem0 at the start"
}

# ---- 100,000 entries without digests: <= 32 bytes per entry
synth plain $N "${FILES[@]}"
read -r entries mem <<<"$(set_info plain)"
assert_eq "entries of the plain set" $N "$entries"
log "plain set: $mem bytes, $("$PY" -c "print('%.2f' % ($mem / $N))") bytes/entry"
# 24-byte entries at most 5/6 full with the hint's slack: <= 32 bytes each
[ "$mem" -le $((32 * N)) ] ||
	fail "set memory $mem bytes for $N entries: more than 32 bytes per entry"
log "ok: set memory <= 32 bytes/entry"
smem=$(status_field memory)
[ "$smem" -ge "$mem" ] && [ "$smem" -le $((mem + 32768)) ] ||
	fail "status memory $smem: not the set's $mem plus the node's parts (<= 32 KiB)"
log "ok: status memory $smem = the set's + $((smem - mem)) bytes of node structures"
bind c1 plain enforce
expect_exec c1 ok /bin/nop
ct_sh c1 'cp /bin/nop /tmp/copy' || fail "cp"
expect_exec c1 EACCES /tmp/copy
dctl unbind "$(ct_cg c1)" >/dev/null
dctl set del plain >/dev/null
mem_back

# ---- the same with digests: the digests are counted apart
synth digests $N --sha256 "${FILES[@]}"
read -r entries dmem <<<"$(set_info digests)"
assert_eq "entries of the set with digests" $N "$entries"
extra=$((dmem - mem))
log "set with digests: $dmem bytes; digests: $extra bytes," \
	"$("$PY" -c "print('%.2f' % ($extra / $N))") bytes/entry"
[ "$extra" -ge $((32 * N)) ] && [ "$extra" -le $((43 * N)) ] ||
	fail "digests take $extra bytes for $N entries, want 32..43 per entry"
log "ok: digests reported apart (32..43 bytes/entry on top of the entries)"
dctl set del digests >/dev/null
mem_back
synth plain $N "${FILES[@]}"
bind c1 plain enforce
expect_exec c1 ok /bin/nop

# ---- no size hint: the table grows while loading, every file is found
before=$(status_field memory)
synth grown $N --hint 0 --chunk 97 "${FILES[@]}"
read -r entries _ <<<"$(set_info grown)"
assert_eq "entries of the set loaded without a hint" $N "$entries"
gmem=$(($(status_field memory) - before))
[ "$gmem" -le $((64 * N)) ] || fail "grown set: $gmem bytes more in the node (> 64/entry)"
log "ok: grown set $gmem bytes more in the node"
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
mem_back
log "ok: memory back to $(status_field memory) bytes with no set"
pass
