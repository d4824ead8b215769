# bash completion for logitlens(1)

# logitlens eval: the corpus evaluation's options, then files.
_logitlens_eval()
{
	case $prev in
	-m | --model)
		_filedir -d
		COMPREPLY+=($(compgen -W "$models" -- "$cur"))
		return
		;;
	-f | --format)
		COMPREPLY=($(compgen -W "text json svg" -- "$cur"))
		return
		;;
	--tuned | --jacobian)
		_filedir safetensors
		return
		;;
	-o | --output | --checkpoint)
		_filedir json
		return
		;;
	--ctx | --max-tokens | --shard | --threads)
		return
		;;
	esac
	$split && return
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-m --model= --tuned= --jacobian= --ctx=
		    --max-tokens= --shard= -s --sublayers -o --output= -f
		    --format= --checkpoint= --merge --threads= --ascii -h
		    --help" -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
	else
		_filedir '@(txt|jsonl|json)'
	fi
}

_logitlens()
{
	local cur prev words cword split
	_init_completion -s || return

	local models="gpt2 gpt2-medium gpt2-large gpt2-xl distilgpt2"
	if [[ ${words[1]-} == eval ]] && ((cword > 1)); then
		_logitlens_eval
		return
	fi
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
	--tuned | --jacobian)
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
	--patch-direction)
		COMPREPLY=($(compgen -W "denoise noise" -- "$cur"))
		return
		;;
	--patch-metric)
		COMPREPLY=($(compgen -W "logit_diff prob" -- "$cur"))
		return
		;;
	-k | --top-k | --threads | --track | --compare | --logit-diff | \
	    --patch | --target | --anti-target | --positions)
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
		    --metric= --compare= --logit-diff= --positions= --tuned= --jacobian= --truncate --threads= -c --config=
		    --print-config --download= --color= --no-mouse
		    --list-keys --session= --ascii --patch= --target=
		    --anti-target= --patch-direction= --patch-metric=
		    --head-positions --attention -h --help -V --version" \
		    -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
	elif ((cword == 1)); then
		COMPREPLY=($(compgen -W "eval" -- "$cur"))
	fi
} &&
	complete -F _logitlens logitlens
