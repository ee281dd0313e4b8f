#!/bin/bash
# Netlink fuzzing, long: nl_fuzz's malformed-message cases, then
# STRESS_FUZZ_MESSAGES (default 100000) random and mutated well-formed
# commands (seed STRESS_FUZZ_SEED, default: the date), with the module
# loaded, a set and a binding present. Every malformed case must be
# refused; afterwards the family answers, the binding still enforces, and
# the module unloads (kmemleak and the kernel log are checked by the lane).
. "$(dirname "$0")/lib-stress.sh"
msgs=${STRESS_FUZZ_MESSAGES:-100000}
seed=${STRESS_FUZZ_SEED:-$(date +%Y%m%d)}
t_init
stress_image
stress_ct c1
load_img img 100 || fail "load img"
bind c1 img enforce
s=$(date +%s)
out=$("$TOOLS/nl_fuzz" --random "$msgs" --seed "$seed" 2>&1); rc=$?
d=$(( $(date +%s) - s ))
printf '%s\n' "$out" | grep -v '^ok ' | tail -n 20
assert_eq "nl_fuzz exit code (seed $seed)" 0 "$rc"
assert_match "random messages sent" "random: $msgs messages" "$out"
log "nl_fuzz: $msgs random messages in ${d}s ($(printf '%s\n' "$out" | grep -o 'random: .*'))"
expect_exec c1 EACCES /tmp/dropped
expect_exec c1 ok /bin/nop
drift_unload || fail "rmmod after fuzzing: $(rmmod drift 2>&1)"
pass
