# bash completion for driftctl(8)                       -*- shell-script -*-

_driftctl_sets()
{
	driftctl sets 2>/dev/null | awk 'NR > 1 && $1 != "" { print $1 }'
}

_driftctl_cgroups()
{
	local cur=$1
	case $cur in
	id:*) return ;;
	/*) compgen -d -- "$cur" ;;
	*) (cd /sys/fs/cgroup 2>/dev/null && compgen -d -- "$cur") ;;
	esac
}

_driftctl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}

	# Find the command (first word that is not a global option).
	local i cmd= sub= ci=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--json) ;;
		*) if [[ -z $cmd ]]; then cmd=${words[i]}; ci=$i
		   elif [[ -z $sub ]]; then sub=${words[i]}; fi ;;
		esac
	done

	case $prev in
	--mode|--lib-mode|--lib) COMPREPLY=($(compgen -W "off audit enforce" -- "$cur")); return ;;
	--set|--include) COMPREPLY=($(compgen -W "$(_driftctl_sets)" -- "$cur")); return ;;
	--from-list|--file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--from-dir|--path) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--name|--count|--timeout|--event-rate|--event-burst) return ;;
	esac

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "--json status sets bindings containers set bind unbind mode default exception lock unlock selftest monitor report" -- "$cur"))
		return
	fi
	local nargs=$((cword - ci - 1))	# words after the command
	case $cmd in
	set)
		if ((nargs == 0)); then
			COMPREPLY=($(compgen -W "load del" -- "$cur"))
		elif [[ $sub == del && $nargs == 1 ]]; then
			COMPREPLY=($(compgen -W "$(_driftctl_sets)" -- "$cur"))
		elif [[ $sub == load && $nargs -ge 2 ]]; then
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "--no-hash --xdev --one-file-system --from-list --from-dir --include" -- "$cur"))
			else
				COMPREPLY=($(compgen -f -- "$cur"))
			fi
		fi ;;
	bind)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--mode --lib-mode --fileless-map --name --replace" -- "$cur"))
		elif ((nargs == 0)); then
			COMPREPLY=($(_driftctl_cgroups "$cur"))
		elif ((nargs == 1)); then
			COMPREPLY=($(compgen -W "$(_driftctl_sets)" -- "$cur"))
		fi ;;
	unbind)
		((nargs == 0)) && COMPREPLY=($(_driftctl_cgroups "$cur")) ;;
	mode)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--lib --fileless-map --no-fileless-map" -- "$cur"))
		elif ((nargs == 0)); then
			COMPREPLY=($(_driftctl_cgroups "$cur"))
		elif ((nargs == 1)); then
			COMPREPLY=($(compgen -W "off audit enforce" -- "$cur"))
		fi ;;
	default)
		COMPREPLY=($(compgen -W "--mode --set --no-set --event-rate --event-burst" -- "$cur")) ;;
	exception)
		if ((nargs == 0)); then
			COMPREPLY=($(compgen -W "add del" -- "$cur"))
		elif ((nargs == 1)); then
			COMPREPLY=($(_driftctl_cgroups "$cur"))
		else
			COMPREPLY=($(compgen -W "--file --path" -- "$cur"))
		fi ;;
	monitor)
		COMPREPLY=($(compgen -W "--count --timeout" -- "$cur")) ;;
	report)
		if [[ $prev == --events ]]; then
			COMPREPLY=($(compgen -f -- "$cur"))
		else
			COMPREPLY=($(compgen -W "--since --events" -- "$cur"))
		fi ;;
	esac
}
complete -F _driftctl driftctl

# ex: filetype=sh
