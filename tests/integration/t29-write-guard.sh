#!/bin/bash
# Write guards. A chmod'ed (copied-up) image file that an enforced process
# maps executable is allowed once its content is verified. A write into
# that file would change the code of the live mapping (the kernel denies
# writers of a running program, not of a mapped library), so with only
# the image's sh, printf and dd a process could be made to run code that
# is in no image file. In enforce the file stays write-denied while it is
# mapped: the write fails with "Text file busy" and the mapping keeps the
# image's bytes. Once nothing maps it (and the guard's grace of a few
# seconds has passed) writes work again, and the changed file is denied
# (reason modified). Audit does not guard: there the same write goes
# through and the holder runs the injected code, which is what the guard
# prevents in enforce.
. "$(dirname "$0")/lib.sh"
t_init
img_create
cp "$TOOLS/map_exec" "$IMG/bin/map_exec"
set_load img "$IMG"
for c in c1 c2; do
	ct_create $c
	ct_sh $c 'chmod 700 /bin/nop2' || fail "chmod in $c"
	[ -f "$(ct_upper $c)/bin/nop2" ] || fail "nop2 was not copied up in $c"
done
dctl bind "$(ct_cg c1)" img --mode enforce --lib-mode enforce --name c1 \
	--root "$(ct_root c1)" >/dev/null
dctl bind "$(ct_cg c2)" img --mode audit --lib-mode audit --name c2 \
	--root "$(ct_root c2)" >/dev/null

# mov eax, 42; ret, over the file's first bytes (its ELF header)
INJECT="printf '\\270\\052\\000\\000\\000\\303' | dd of=/bin/nop2 conv=notrunc 2>&1"

# holder CT: map /bin/nop2 executable in CT, held until release_holder
holder() {
	local r
	r=$(ct_root "$1")
	rm -f "$r/tmp/go" "$r/tmp/hold.out"
	mkfifo "$r/tmp/go"
	ct_sh "$1" '/bin/map_exec hold /bin/nop2 </tmp/go >/tmp/hold.out 2>&1' &
	HOLDER=$!
	cleanup_add "kill $HOLDER 2>/dev/null"
	exec 7>"$r/tmp/go"
	HOLD_OUT=$r/tmp/hold.out
	wait_for 30 grep -q mapped "$HOLD_OUT" ||
		fail "$1: the holder did not map /bin/nop2: $(cat "$HOLD_OUT")"
}
release_holder() {
	echo go >&7
	exec 7>&-
	wait "$HOLDER"
}

# --- enforce: verified, mapped, write-denied
v0=$(stat_binding c1 maps_allowed)
holder c1
log "c1: $(cat "$HOLD_OUT")"
assert_ge "maps_allowed (the verified mapping)" $((v0 + 1)) "$(stat_binding c1 maps_allowed)"
assert_ge "hashes (content verified)" 1 "$(stat_global hashes)"
out=$(ct_sh c1 "$INJECT"); rc=$?
log "write while mapped: rc $rc: $out"
[ "$rc" != 0 ] || fail "the write into the mapped, verified file succeeded: $out"
assert_match "the write while mapped" "Text file busy" "$out"
out=$(printf X 2>&1 1<>"$(ct_upper c1)/bin/nop2") && fail "a host write into the guarded file succeeded"
log "host write while mapped: $out"
release_holder; rc=$?
assert_eq "the holder's mapping after the refused write" "mapped unchanged" \
	"$(tr '\n' ' ' <"$HOLD_OUT" | sed 's/ $//')"
assert_eq "holder rc" 0 "$rc"

# --- nothing maps it: the guard lapses, the write goes through, the
# changed file is denied
write_ok() { ct_sh c1 "$INJECT" >/dev/null; }
wait_for 30 write_ok || fail "the write still fails once nothing maps the file: $(ct_sh c1 "$INJECT")"
log "ok: the write succeeds once nothing maps the file"
expect_map_denied c1 /bin/nop2 modified

# --- audit: no guard; the write changes the live mapping's code
holder c2
out=$(ct_sh c2 "$INJECT"); rc=$?
assert_eq "audit: the write while mapped (rc)" 0 "$rc"
release_holder; rc=$?
log "c2 holder: $(tr '\n' ' ' <"$HOLD_OUT") rc $rc"
assert_eq "audit: the holder ran the written code" "mapped injected ok" \
	"$(tr '\n' ' ' <"$HOLD_OUT" | sed 's/ $//')"
pass
