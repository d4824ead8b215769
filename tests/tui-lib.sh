# tui-lib.sh: what the explorer's end-to-end tests share (sourced by
# tui.sh and tui-faults.sh; see TUI.md): a private tmux server of fixed
# size, the real binary under tui-wrapper, and polling helpers.
#
# Sets bin, wrapper, fix, tmux, python, tmp, sock; skips (77) without tmux,
# python3, the fixtures or the binary. The exit trap kills the tmux server
# and removes $tmp.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
bin=$top_builddir/logitlens
wrapper=$top_srcdir/tests/tui-wrapper
fix=${LOGITLENS_FIXTURES:-$top_srcdir/../shared/fixtures}/tiny-gpt2
tmux=${TMUX_PROG:-$(command -v tmux)}
python=${PYTHON:-$(command -v python3)}

skip() { echo "SKIP: $*"; exit 77; }
[ -n "$tmux" ] && [ -x "$tmux" ] || skip "tmux not found"
[ -n "$python" ] || skip "python3 not found"
[ -f "$fix/model.safetensors" ] || skip "fixture $fix absent"
[ -x "$bin" ] || skip "$bin not built"
grep -q ui_run "$top_srcdir/src/main.c" ||
	skip "main.c does not open the explorer yet"

tmp=$(mktemp -d /tmp/tui.XXXXXX) || exit 99
sock=$tmp/s
fails=0
trap '"$tmux" -S "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/config/logitlens" "$tmp/state"

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# q ARG: ARG quoted for sh.
q() { printf "'%s' " "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }

# start WIDTH HEIGHT TERM LC_ALL [VAR=VALUE]... -- [ARG]...: runs the
# explorer on $model (default: the fixture) in a fresh tmux server. Shell
# text in $tui_exec goes before the binary (under the wrapper), in
# $tui_redir after its arguments (redirections), in $tui_before before the
# wrapper; $tui_after runs once the program ended (default: sleep, so that
# tmux keeps what it wrote).
start() {
	w=$1 h=$2 term=$3 lc=$4
	shift 4
	envs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs="$envs$(q "$1")"
		shift
	done
	[ "$1" = -- ] && shift
	args=
	for a; do args="$args$(q "$a")"; done
	"$tmux" -S "$sock" kill-server 2>/dev/null
	# A new socket each time: a server still exiting (the machine busy)
	# must not answer the next new-session ("server exited unexpectedly").
	nsock=$((${nsock:-0} + 1))
	sock=$tmp/s$nsock
	rm -f "$tmp/rc" "$tmp/pid"
	cat >"$tmp/run.sh" <<EOT
${tui_before:-}
env -u LINES -u COLUMNS -u NO_COLOR -u TMUX -u TMUX_PANE \
    TERM=$(q "$term") LC_ALL=$(q "$lc") HOME=$(q "$tmp/home") \
    XDG_CONFIG_HOME=$(q "$tmp/config") XDG_STATE_HOME=$(q "$tmp/state") \
    XDG_CACHE_HOME=$(q "$tmp/cache") ESCDELAY=25 OPENBLAS_NUM_THREADS=1 \
    $envs sh $(q "$wrapper") $(q "$tmp") ${tui_exec:-} $(q "$bin") \
    --model $(q "${model:-$fix}") $args ${tui_redir:-}
${tui_after:-exec sleep 600}
EOT
	env -u TMUX -u TMUX_PANE -u NO_COLOR "$tmux" -S "$sock" -f /dev/null \
	    new-session -d -x "$w" -y "$h" -s t "sh $tmp/run.sh" \; \
	    set-option -t t remain-on-exit on \; \
	    set-option -t t status off \; \
	    set-option -g window-size manual
}

keys() { "$tmux" -S "$sock" send-keys -t t "$@"; }
text() { "$tmux" -S "$sock" send-keys -t t -l "$@"; }
screen() { "$tmux" -S "$sock" capture-pane -t t -p "$@"; }
# fmt FORMAT: a tmux format of the pane (#{alternate_on}...).
fmt() { "$tmux" -S "$sock" display-message -p -t t "$1"; }

# wait_for REGEX [WHAT]: polls the screen until REGEX shows, 20 s at most.
wait_for() {
	[ "$1" = -- ] && shift
	end=$(($(date +%s) + 20))
	while [ "$(date +%s)" -le "$end" ]; do
		screen >"$tmp/screen" 2>/dev/null
		grep -Eq -- "$1" "$tmp/screen" && return 0
		sleep 0.02
	done
	echo "timed out waiting for /$1/ (${2:-}); the screen:"
	cat "$tmp/screen"
	return 1
}

# wait_gone REGEX: polls until REGEX no longer shows.
wait_gone() {
	end=$(($(date +%s) + 20))
	while [ "$(date +%s)" -le "$end" ]; do
		screen >"$tmp/screen" 2>/dev/null
		grep -Eq -- "$1" "$tmp/screen" || return 0
		sleep 0.02
	done
	return 1
}

# wait_file FILE [SECONDS]: polls until FILE exists (default 20 s).
wait_file() {
	end=$(($(date +%s) + ${2:-20}))
	while [ "$(date +%s)" -le "$end" ]; do
		[ -f "$1" ] && return 0
		sleep 0.02
	done
	return 1
}

wait_rc() { wait_file "$tmp/rc"; }

ready() { wait_for ' ready \|' "$1"; }

# json PROMPT NAME [OPTION...]: the core's lens into $tmp/NAME.json.
json() {
	_p=$1 _n=$2
	shift 2
	"$bin" --model "${model:-$fix}" --print --format json "$@" "$_p" \
	    >"$tmp/$_n.json" ||
		{ echo "ERROR: --print --format json failed"; exit 99; }
}

# check MODE SCREEN JSON [ARGS]: the screen against the lens (tui-check.py).
check() { "$python" "$top_srcdir/tests/tui-check.py" "$@"; }
