#!/bin/bash
# Malformed netlink messages (wrong types, oversized strings and binaries,
# missing attributes, unknown commands/attributes, truncated headers,
# random bytes) are rejected with an error; the module keeps working and
# the kernel log stays clean.
. "$(dirname "$0")/lib.sh"
t_init
img_create
ct_create c1
set_load img "$IMG"
bind c1 img enforce
dmesg_mark
out=$("$TOOLS/nl_fuzz" --random 400 --seed 20261123 2>&1); rc=$?
echo "$out" | sed 's/^/    /'
assert_eq "nl_fuzz exit code" 0 "$rc"
assert_eq "locked after fuzzing" 0 "$(status_field locked | tr -d '"' | sed 's/false/0/;s/true/1/')"
expect_exec c1 ok /bin/nop
ct_sh c1 'cp /bin/nop /tmp/copy && echo >>/tmp/copy'
expect_exec c1 EACCES /tmp/copy
dmesg_clean_since
pass
