# bash completion for logitlens(1)

_logitlens()
{
	local cur prev words cword split
	_init_completion -s || return

	local models="gpt2 gpt2-medium gpt2-large gpt2-xl distilgpt2"
	case $prev in
	-m | --model)
		_filedir -d
		COMPREPLY+=($(compgen -W "$models" -- "$cur"))
		return
		;;
	--download)
		COMPREPLY=($(compgen -W "$models" -- "$cur"))
		return
		;;
	-f | --format)
		COMPREPLY=($(compgen -W "text json tsv yaml svg" -- "$cur"))
		return
		;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
		return
		;;
	-c | --config | --session)
		_filedir '@(yaml|yml)'
		return
		;;
	--tuned)
		_filedir safetensors
		return
		;;
	--metric)
		COMPREPLY=($(compgen -W "prob final-prob final-logit final-rank
		    next-rank next-prob kl entropy track-prob track-rank
		    tuned-kl surprisal logit-diff logit-diff-change compare-kl
		    compare-js compare-tv" -- "$cur"))
		return
		;;
	-k | --top-k | --threads | --track | --compare | --logit-diff | \
	    --positions)
		return
		;;
	--list-keys)
		# An optional value: only as --list-keys=mdoc.
		$split && COMPREPLY=($(compgen -W "mdoc" -- "$cur")) && return
		;;
	-h | --help | -V | --version)
		return
		;;
	esac
	$split && return

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-m --model= -p --print -f --format=
		    -k --top-k= -s --sublayers -t --tokenize --track=
		    --candidates --attribution --mask-input --delta
		    --metric= --compare= --logit-diff= --positions= --tuned=
		    --truncate --threads= -c --config=
		    --print-config --download= --color= --no-mouse
		    --list-keys --session= --ascii -h --help -V --version" \
		    -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
	fi
} &&
	complete -F _logitlens logitlens
