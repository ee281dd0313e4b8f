#!/bin/bash
# Set staging areas belong to the netlink socket that began them and go
# when it closes: a "driftctl set load" killed half-way (SIGKILL delivered
# by strace on its 4th sendto, after SET_BEGIN and SET_ADD, before
# SET_COMMIT) leaves nothing behind. 70 killed loads (more than the 64
# staging areas the kernel allows at once) and a load still succeeds;
# status counts the sets being loaded. Another socket can neither take
# over nor commit someone else's load.
. "$(dirname "$0")/lib.sh"
t_init
command -v strace >/dev/null || skip "needs strace"
img_create
NLRAW=$TOOLS/nlraw.py

# a load held open: status shows it, another socket cannot touch it
"$PY" "$NLRAW" --hold 60 SET_BEGIN str:SET_NAME=held >"$W/held.out" &
held=$!
wait_for 5 grep -q OK "$W/held.out" || fail "SET_BEGIN: $(cat "$W/held.out")"
assert_eq "sets being loaded while one is held" 1 "$(status_field staging)"
assert_match "SET_BEGIN of the same name elsewhere" "^EBUSY" \
	"$("$PY" "$NLRAW" SET_BEGIN str:SET_NAME=held)"
assert_match "SET_COMMIT from another socket" "^ENOENT: no load of this set in progress on this socket" \
	"$("$PY" "$NLRAW" SET_COMMIT str:SET_NAME=held)"
kill "$held"
wait "$held" 2>/dev/null
assert_eq "sets being loaded after the socket closed" 0 "$(status_field staging)"

killed=0
for i in $(seq 1 70); do
	rc=0
	strace -f -o /dev/null -e trace=sendto \
		-e inject=sendto:signal=SIGKILL:when=4 \
		"$DRIFTCTL" set load "k$i" --no-hash "$IMG/bin/nop" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 137 ] || fail "load $i was not killed half-way (exit $rc)"
	killed=$((killed + 1))
done 2>/dev/null
log "ok: $killed loads killed between SET_ADD and SET_COMMIT"
assert_eq "sets being loaded after $killed killed loads" 0 "$(status_field staging)"
assert_eq "sets committed" 0 "$(status_field sets)"
dctl set load after --from-dir "$IMG" >/dev/null
assert_eq "a load after $killed killed loads" 1 "$(status_field sets)"
pass
