#!/bin/bash
# Status, sets and bindings listings; a set shared by two bindings; deleting
# a bound set keeps it working for its bindings until they go; unbind.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
ct_create c2
assert_eq "selftest" 1 "$(status_field selftest | tr -d '"' | sed 's/false/0/;s/true/1/')"
[ -n "$(status_field version)" ] || fail "no version in status"
set_load img "$IMG"
bind c1 img enforce
bind c2 img audit
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy' || fail "cp"
sets=$("$DRIFTCTL" --json sets)
echo "$sets"
nexec=$(find "$IMG" -type f -perm -u+x | wc -l)
read -r entries refs mem <<<"$("$PY" -c '
import json, sys
t = sys.stdin.read().strip()
try:
    d = json.loads(t); items = d if isinstance(d, list) else d.get("sets", [])
except ValueError:
    items = [json.loads(l) for l in t.splitlines() if l.strip()]
s = [x for x in items if x.get("name") == "img"][0]
print(s.get("entries", s.get("entry_count")), s.get("refs"), s.get("memory"))' <<<"$sets")"
assert_eq "set entries" "$nexec" "$entries"
assert_eq "set refs" 2 "$refs"
assert_ge "set memory" 1 "$mem"
assert_eq "status bindings" 2 "$(status_field bindings)"
dctl set del img >/dev/null
"$DRIFTCTL" --json sets | grep -q '"img"' && fail "set still listed after del"
expect_exec c1 ok /bin/nop
expect_exec c1 EACCES /tmp/copy
dctl unbind "$(ct_cg c1)" >/dev/null
expect_exec c1 ok /tmp/copy
dctl_rc 5 unbind "$(ct_cg c1)"
dctl unbind "$(ct_cg c2)" >/dev/null
assert_eq "status bindings" 0 "$(status_field bindings)"
dctl_rc 5 bind "$(ct_cg c1)" nosuchset
pass
