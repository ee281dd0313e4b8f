#!/bin/bash
# Code injection through /proc/PID/mem ("DDexec": a shell and dd write a
# loader over the shell's own text, which the kernel allows into read-only
# mappings, and run a binary that is in no file). No exec, mmap or mprotect
# check sees it, so drift refuses the write itself: from a container whose
# binding has its exec or library mode in enforce, a write through
# /proc/PID/mem fails with EIO, counted in "refused" and logged; audit logs
# it and lets it through; off and the host are not affected; reads are
# never affected. The first version let the write through (this test then
# fails on "enforce: write").
. "$(dirname "$0")/lib.sh"
t_init
img_create
cp "$TOOLS/mem_write" "$IMG/bin/mem_write"
chmod 755 "$IMG/bin/mem_write"
for c in c1 c2 c3; do ct_create $c; done
set_load img "$IMG"
dctl bind "$(ct_cg c1)" img --mode enforce --lib-mode off --name c1 >/dev/null
dctl bind "$(ct_cg c2)" img --mode audit --lib-mode audit --name c2 >/dev/null
dctl bind "$(ct_cg c3)" img --mode off --name c3 >/dev/null

# the probe works: on the host, the injected code runs
assert_eq "host: write" ok "$("$TOOLS/mem_write" write 2>&1)"

r0=$(stat_global refused)
dmesg_mark
out=$(ct_run c1 /bin/mem_write write 2>/dev/null)
assert_eq "enforce: write" EIO "$out"
assert_eq "enforce: read" ok "$(ct_run c1 /bin/mem_write read 2>&1)"
assert_eq "refused counted" 1 $(( $(stat_global refused) - r0 ))
dmesg | tail -n +$((DMESG_MARK + 1)) |
	grep -q "refused a write into process memory (/proc/PID/mem) from a governed cgroup: pid [0-9]* (mem_write)" ||
	fail "no kernel log line for the refused write"

# the same with nothing but the image's shell and dd, as DDexec does it:
# one byte over the start of the shell's first executable mapping
out=$(ct_sh c1 'a=$(sed -n "s/^\([0-9a-f]*\)-[0-9a-f]* r-xp .*/\1/p" /proc/$$/maps | head -n 1)
[ -n "$a" ] || { echo "no executable mapping"; exit 0; }
printf "\303" | dd of=/proc/$$/mem bs=1 seek=$((0x$a)) conv=notrunc 2>&1; echo "rc=$?"' 2>&1)
log "dd into the shell's text: $out"
assert_match "enforce: dd into /proc/\$\$/mem" 'rc=1$' "$out"
assert_eq "refused counted" 2 $(( $(stat_global refused) - r0 ))
r0=$((r0 + 1))

# library mode alone in enforce is enough
dctl mode "$(ct_cg c3)" --lib enforce >/dev/null
assert_eq "library mode enforce: write" EIO "$(ct_run c3 /bin/mem_write write 2>/dev/null)"
assert_eq "refused counted" 2 $(( $(stat_global refused) - r0 ))

dmesg_mark
assert_eq "audit: write" ok "$(ct_run c2 /bin/mem_write write 2>&1)"
dmesg | tail -n +$((DMESG_MARK + 1)) |
	grep -q "audit: write into process memory (/proc/PID/mem) from a governed cgroup: pid [0-9]* (mem_write)" ||
	fail "no kernel log line for the audited write"
assert_eq "audit: not refused" 2 $(( $(stat_global refused) - r0 ))

# an unbound container (the default mode is off) and the host again
ct_create c4
assert_eq "unbound: write" ok "$(ct_run c4 /bin/mem_write write 2>&1)"
assert_eq "host: write" ok "$("$TOOLS/mem_write" write 2>&1)"
assert_eq "not refused" 2 $(( $(stat_global refused) - r0 ))
pass
