#!/usr/bin/env bash
# completion-test.sh COMPLETION_FILE: asks the driftctl bash completion a
# few questions the way bash would, and checks the answers.
set -u
. "${1:?completion file}"
unset -f _init_completion 2>/dev/null
rc=0
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
# A fake driftctl on PATH answers "sets" like the real one (header + rows).
cat >"$t/driftctl" <<'EOS'
#!/bin/sh
[ "$1" = sets ] && printf 'NAME ENTRIES REFS\nimg-a 10 1\nimg-b 3 0\n'
EOS
chmod +x "$t/driftctl"
PATH=$t:$PATH

ask() { # expected words... -- command line (last word is being completed)
	local want=() w
	while [ "$1" != -- ]; do want+=("$1"); shift; done; shift
	COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
	_driftctl
	local got=" ${COMPREPLY[*]} "
	for w in "${want[@]}"; do
		case $got in *" $w "*) ;; *) echo "FAILED: '$*' -> [${COMPREPLY[*]}], missing '$w'"; rc=1 ;; esac
	done
	[ ${#want[@]} -gt 0 ] || [ ${#COMPREPLY[@]} -eq 0 ] || { echo "FAILED: '$*' -> [${COMPREPLY[*]}], expected nothing"; rc=1; }
}
ask status sets bindings set bind unbind mode default exception lock unlock monitor -- driftctl ""
ask status -- driftctl --json st
ask load del -- driftctl set ""
ask img-a img-b -- driftctl set del ""
ask --from-dir --from-list --no-hash --include -- driftctl set load web --
ask img-a img-b -- driftctl set load web --include ""
ask off audit enforce -- driftctl mode id:5 ""
ask enforce -- driftctl bind /sys/fs/cgroup x --mode en
ask img-a img-b -- driftctl bind /sys/fs/cgroup/x ""
ask --mode --name --replace -- driftctl bind /x y --
ask --lib-mode --fileless-map -- driftctl bind /x y --
ask audit -- driftctl bind /x y --lib-mode au
ask --lib --fileless-map --no-fileless-map -- driftctl mode id:5 --
ask enforce -- driftctl mode id:5 --lib enf
ask selftest -- driftctl self
ask add del -- driftctl exception ""
ask --file --path -- driftctl exception add id:1 --
ask --count --timeout -- driftctl --json monitor --
ask img-a -- driftctl default --set img-
[ $rc = 0 ] && echo "completion ok"
exit $rc
