#!/bin/bash
# run-all: timeout 900
# Images that share layers share their entries (issue 10, goal 1): driftd
# loads each layer as a kernel set of its own (drift-layer-*), once, and
# each image set (drift-img-*, what containers are bound to) includes its
# layers' sets. Two crun images, A = TOPA over BASE and B = TOPB over BASE
# (BASE: the test image plus L79_FILES small executables), a container of
# each:
#  * one drift-layer set of BASE, included by both image sets, holding
#    BASE's entries; the image sets have none of their own; the sets' own
#    entries add up to the node's unique files (BASE counted once); the
#    module's memory grows by less than BASE's share when B starts;
#  * each container runs its image's files (BASE's and its own top's), and
#    is denied a binary it drops (EACCES, an event);
#  * includes do not leak: B's top file, passed to A as an open file
#    descriptor and exec'd there (/proc/self/fd/3), is denied in A, while
#    the same exec runs in B (and A's top file the other way round);
#  * removing A deletes A's image set and TOPA's layer set, not BASE's (B
#    still includes it); removing B then deletes the rest (driftd's GC).
# "hash no": no digest upload changes the memory figures while they are read.
. "$(dirname "$0")/lib-runtime.sh"
rt_init
echo "hash no" >>"$CONF"
rt_start_driftd
NFILES=${L79_FILES:-3000}

BASE=$RT/l79base
TOPA=$RT/l79a
TOPB=$RT/l79b
rm -rf "$BASE" "$TOPA" "$TOPB"
cp -a "$IMG" "$BASE"
"$TOOLS/fill-tree" "$BASE/many" "$NFILES" || fail "fill-tree"
mkdir -p "$TOPA/bin" "$TOPB/bin" "$TOPB/opt"
printf '#!/bin/sh\necho ONLY-A\n' >"$TOPA/bin/only-a"
printf '#!/bin/sh\necho ONLY-B\n' >"$TOPB/bin/only-b"
chmod 755 "$TOPA/bin/only-a" "$TOPB/bin/only-b"
"$TOOLS/fill-tree" "$TOPB/opt" 20 || fail "fill-tree"
count() { find "$1" -type f -perm /111 | wc -l; }
nbase=$(count "$BASE"); na=$(count "$TOPA"); nb=$(count "$TOPB")
log "files: base $nbase, top A $na, top B $nb"

mem() { "$DRIFTCTL" --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["memory"])'; }
# sets_json: driftd's sets in the kernel, as driftctl --json sets shows them
sets_json() { "$DRIFTCTL" --json sets || fail "driftctl --json sets"; }
# q PYTHON-EXPRESSION: evaluated over S (the sets, by name), IMG, LAYER
# (names of the drift-img- and drift-layer- sets), BIND (binding -> set)
q() {
	local s b
	s=$(sets_json)
	b=$(rt_kstate)
	python3 - "$1" "$s" "$b" <<-'PY'
	import json, sys
	expr, s, b = sys.argv[1:4]
	S = {x["name"]: x for x in json.loads(s)["sets"]}
	IMG = sorted(n for n in S if n.startswith("drift-img-"))
	LAYER = sorted(n for n in S if n.startswith("drift-layer-"))
	BIND = {x["name"]: x["set"] for x in json.loads(b)["bindings"]}
	print(eval(expr))
	PY
}
start() { # NAME LOWER
	rt_bundle "$1" --lower "$2" drift.io/mode=enforce --args 'exec sleep 600'
	crun run -d -b "$RT/b/$1" "$1" >"$RT/$1.out" 2>&1 || fail "start $1: $(cat "$RT/$1.out")"
	[ "$(rt_binding_mode "$1")" = enforce ] || fail "$1 not bound in enforce mode"
}
run_in() { crun exec "$@" 2>&1 || true; }
# fd_exec CT FILE: CT execs FILE (a host file it cannot see) through an
# open file descriptor: the kernel checks FILE's identity against CT's set
fd_exec() { crun exec --preserve-fds 1 "$1" /bin/sh -c '/proc/self/fd/3' 3<"$2" 2>&1 || true; }

log "container A (top A over base)"
start c79a "$TOPA:$BASE"
[ "$(q 'len(IMG), len(LAYER)')" = "(1, 2)" ] || fail "after A: want 1 image set and 2 layer sets: $(sets_json)"
mem_a=$(mem)

log "container B (top B over the same base)"
start c79b "$TOPB:$BASE"
mem_b=$(mem)
sets_json
[ "$(q 'len(IMG), len(LAYER)')" = "(2, 3)" ] || fail "want 2 image sets and 3 layer sets (base once): $(sets_json)"
seta=$(q 'BIND["c79a"]'); setb=$(q 'BIND["c79b"]')
[ "$seta" != "$setb" ] || fail "A and B bound to one set $seta"
# the base layer's set: the one both image sets include
base=$(q "' '.join(sorted(set(S['$seta']['includes']) & set(S['$setb']['includes'])))")
case $base in drift-layer-*) ;; *) fail "no layer set included by both image sets: $(sets_json)" ;; esac
[ "$(q "len(S['$seta']['includes']), len(S['$setb']['includes'])")" = "(2, 2)" ] ||
	fail "each image set should include its two layers' sets: $(sets_json)"
[ "$(q "S['$base']['own_entries']")" = "$nbase" ] || fail "base layer set: $(q "S['$base']['own_entries']") own entries, want $nbase"
[ "$(q "S['$base']['includes']")" = "[]" ] || fail "a layer set includes sets"
[ "$(q "S['$seta']['own_entries'], S['$setb']['own_entries']")" = "(0, 0)" ] ||
	fail "image sets have entries of their own: $(sets_json)"
[ "$(q "S['$seta']['entries']")" = "$((nbase + na))" ] || fail "A's set allows $(q "S['$seta']['entries']"), want $((nbase + na))"
[ "$(q "S['$setb']['entries']")" = "$((nbase + nb))" ] || fail "B's set allows $(q "S['$setb']['entries']"), want $((nbase + nb))"
own=$(q 'sum(S[n]["own_entries"] for n in IMG + LAYER)')
[ "$own" = "$((nbase + na + nb))" ] || fail "own entries of all sets: $own, want $((nbase + na + nb)) (base stored once)"
[ "$(q "S['$base']['refs']")" = 2 ] || fail "base layer set refs $(q "S['$base']['refs']"), want 2 (its includers)"
base_mem=$(q "S['$base']['memory']")
log "memory: $mem_a bytes with A, $mem_b with A and B (+$((mem_b - mem_a))); base layer set: $base_mem bytes"
[ $((mem_b - mem_a)) -lt "$base_mem" ] ||
	fail "the module's memory grew by $((mem_b - mem_a)) bytes for B, not less than the base layer's $base_mem: base stored again?"
[ "$(rt_metric drift_layer_set_uploads_total)" = 3 ] || fail "layer set uploads: $(rt_metric drift_layer_set_uploads_total), want 3"
[ "$(rt_metric drift_layer_set_reuses_total)" -ge 1 ] || fail "the base layer set was not reused"
[ "$(rt_metric drift_layer_sets)" = 3 ] || fail "drift_layer_sets $(rt_metric drift_layer_sets), want 3"

log "each container runs its image's files"
n=$(run_in c79a /bin/sh -c '/bin/true && /many/000/f000001 && /bin/only-a')
[ "$n" = ONLY-A ] || fail "A: image files: $n"
n=$(run_in c79b /bin/sh -c '/bin/true && /many/002/f002999 && /opt/000/f000019 && /bin/only-b')
[ "$n" = ONLY-B ] || fail "B: image files: $n"

log "each container is denied a binary it drops"
for c in c79a c79b; do
	n=$(run_in "$c" /bin/sh -c 'cp /bin/busybox /tmp/t; echo >>/tmp/t; chmod 755 /tmp/t; /tmp/t true && echo RAN')
	case $n in *RAN*) fail "$c: a dropped binary ran" ;; *"ermission denied"*) ;; *) fail "$c: dropped binary: $n (want Permission denied)" ;; esac
	rt_wait_events 1 container_id=$c path=/tmp/t action=deny reason=not_in_image
done

log "includes do not leak across images"
n=$(fd_exec c79b "$TOPB/bin/only-b")
[ "$n" = ONLY-B ] || fail "B: its own top file through a descriptor: $n (want ONLY-B: the check itself is broken)"
n=$(fd_exec c79a "$TOPB/bin/only-b")
case $n in *ONLY-B*) fail "A ran a file of B's top layer: $n" ;; *"ermission denied"*) ;; *) fail "A: B's file: $n (want Permission denied)" ;; esac
# (the dropped binary was A's first denial: this is the second)
rt_wait_events 2 container_id=c79a action=deny reason=not_in_image set="$seta"
n=$(fd_exec c79a "$TOPA/bin/only-a")
[ "$n" = ONLY-A ] || fail "A: its own top file through a descriptor: $n"
n=$(fd_exec c79b "$TOPA/bin/only-a")
case $n in *ONLY-A*) fail "B ran a file of A's top layer: $n" ;; *"ermission denied"*) ;; *) fail "B: A's file: $n (want Permission denied)" ;; esac

log "removing A deletes its image set and top layer set, not the base's"
crun kill c79a KILL; sleep 0.3; crun delete -f c79a >/dev/null 2>&1 || true
rt_wait_bindings 1
for i in $(seq 1 50); do [ "$(q 'len(IMG), len(LAYER)')" = "(1, 2)" ] && break; sleep 0.1; done
[ "$(q 'len(IMG), len(LAYER)')" = "(1, 2)" ] || fail "after A's removal: want 1 image set and 2 layer sets: $(sets_json)"
[ "$(q "'$seta' in S, '$setb' in S, '$base' in S")" = "(False, True, True)" ] || fail "wrong sets left after A: $(sets_json)"
n=$(run_in c79b /bin/sh -c '/many/000/f000001 && /bin/only-b')
[ "$n" = ONLY-B ] || fail "B after A's removal: $n"

log "removing B deletes the rest"
crun kill c79b KILL; sleep 0.3; crun delete -f c79b >/dev/null 2>&1 || true
rt_wait_bindings 0
for i in $(seq 1 50); do [ "$(rt_sets)" = 0 ] && break; sleep 0.1; done
[ "$(rt_sets)" = 0 ] || fail "sets left in the kernel: $(rt_kstate)"
[ "$(rt_metric drift_layer_sets)" = 0 ] || fail "driftd still holds layer sets: $(rt_metric drift_layer_sets)"
grep -q "set $base deleted (no image set includes it)" "$DLOG" || fail "no log line for the base layer set's deletion"
rt_unbundle c79a; rt_unbundle c79b
rm -rf "$BASE" "$TOPA" "$TOPB"
rt_stop_driftd
log "PASS"
