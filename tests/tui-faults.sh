#!/bin/sh
# tui-faults.sh: the explorer under hostile terminals and faults, driven
# inside a private tmux server (see TUI.md and tui-lib.sh): unknown
# terminals, no tty, tiny sizes, resize storms and held keys while the lens
# is computing, terminating signals (the terminal is always restored), and
# nothing lost: a corrupt history is set aside, the history, sessions and
# SVG exports are replaced atomically and a failed write leaves the
# previous file intact.

. "${top_srcdir:-.}/tests/tui-lib.sh"

demo=$top_srcdir/data/demo-gpt2
[ -f "$demo/model.safetensors" ] || skip "demo model $demo absent"
state=$tmp/state/logitlens
mkdir -p "$state"

# The terminal after the program ended: tty modes saved before and after,
# and a reader of what tmux sends to the pane then (the paste probe).
tui_before="stty -g >$tmp/stty.before"
tui_after="stty -g >$tmp/stty.after; exec cat >$tmp/after"

# restored WHAT: the program ended and left the terminal as it found it:
# the normal screen, no mouse reporting, keypad and cursor modes off, the
# cursor visible, the tty modes back, and no bracketed paste (tmux wraps a
# pasted text in \e[200~ only while the pane asked for it).
restored() {
	wait_rc || { fail "$1: still running"; return 1; }
	modes=$(fmt '#{alternate_on} #{mouse_any_flag}#{mouse_button_flag}#{mouse_all_flag}#{mouse_standard_flag}#{mouse_sgr_flag} #{keypad_flag}#{keypad_cursor_flag} #{cursor_flag}')
	[ "$modes" = "0 00000 00 1" ] ||
		fail "$1: terminal modes (alt mouse keypad cursor) $modes"
	"$tmux" -S "$sock" set-buffer -b probe "PROBE"
	"$tmux" -S "$sock" paste-buffer -p -d -b probe -t t
	keys Enter
	end=$(($(date +%s) + 10))
	while [ "$(date +%s)" -le "$end" ]; do
		grep -q PROBE "$tmp/after" 2>/dev/null && break
		sleep 0.02
	done
	if ! grep -q PROBE "$tmp/after" 2>/dev/null; then
		fail "$1: the pane's shell never read the probe"
	elif grep -q "$(printf '\033')\[200~" "$tmp/after"; then
		fail "$1: bracketed paste still on"
	fi
	cmp -s "$tmp/stty.before" "$tmp/stty.after" ||
		fail "$1: tty modes not restored"
	rm -f "$tmp/after" "$tmp/stty.after"
	return 0
}

# wait_content FILE TEXT: polls until FILE holds TEXT (one line).
wait_content() {
	end=$(($(date +%s) + 10))
	while [ "$(date +%s)" -le "$end" ]; do
		[ "$(cat "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.02
	done
	return 1
}

# shows REGEX N: whether REGEX shows within N polls (20 ms apart), quietly.
shows() {
	k=0
	while [ $k -lt "$2" ]; do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.02
		k=$((k + 1))
	done
	return 1
}

# leftovers DIR: temporary files of an atomic write left in DIR.
leftovers() {
	ls -a "$1" | grep '\.tmp-' && return 0
	return 1
}

small="Happy birthday to You, happy"

# 1. Terminals curses cannot drive: one line pointing to --print.
for term in no-such-term dumb; do
	start 100 30 "$term" C.UTF-8 -- "$small"
	wait_rc
	screen >"$tmp/screen"
	restored "TERM=$term"
	rc=$(cat "$tmp/rc")
	[ "$rc" != 0 ] || fail "TERM=$term: status 0"
	n=$(grep -c . "$tmp/screen")
	grep -q -- '--print' "$tmp/screen" && [ "$n" = 1 ] &&
		ok "TERM=$term: refused in one line pointing to --print" ||
		fail "TERM=$term: $(cat "$tmp/screen")"
done

# 2. No tty. Standard input not a terminal, standard output the pane: the
# lens is printed (as --print), with a hint on standard error.
tui_redir="</dev/null"
start 100 30 xterm-256color C.UTF-8 -- "$small"
restored "stdin not a tty"
tui_redir=
if [ "$(cat "$tmp/rc")" = 0 ] && wait_for '^ *h\.2 ' "printed lens" &&
    grep -q -- '--print' "$tmp/screen"; then
	ok "stdin not a tty: the lens is printed, with a hint"
else
	fail "stdin not a tty: status $(cat "$tmp/rc"): $(cat "$tmp/screen")"
fi
# Standard output not a terminal: no escape sequence in what is printed.
TERM=xterm-256color "$bin" --model "$fix" "$small" </dev/null \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && grep -q '^ *h\.2 ' "$tmp/out" &&
    ! grep -q "$(printf '\033')" "$tmp/out" "$tmp/err"; then
	ok "stdout not a tty: the lens, no escape sequences"
else
	fail "stdout not a tty: status $rc: $(head -3 "$tmp/out" "$tmp/err")"
fi
# stdin the pane, stdout a file, no prompt: a usage error naming --print.
tui_redir=">$tmp/out"
start 100 30 xterm-256color C.UTF-8 --
wait_rc
screen >"$tmp/screen"
restored "stdout not a tty, no prompt"
tui_redir=
if [ "$(cat "$tmp/rc")" = 1 ] && grep -q -- '--print' "$tmp/screen" &&
    ! grep -q "$(printf '\033')" "$tmp/out"; then
	ok "stdout not a tty, no prompt: usage error pointing to --print"
else
	fail "stdout not a tty, no prompt: status $(cat "$tmp/rc")"
fi

# 3. Started too small: says so, then shows the grid once large enough.
for size in "10 3 ^terminal" "1 1 ^t$" "39 9 ^terminal too small"; do
	set -- $size
	start "$1" "$2" xterm-256color C.UTF-8 -- "$small"
	if wait_for "$3" "$1x$2" >/dev/null; then
		"$tmux" -S "$sock" resize-window -t t -x 100 -y 30
		# The grid may land a frame after the status line.
		ready "$1x$2 then 100x30" &&
		    wait_for '^h\.2 ' "$1x$2: the grid" >/dev/null &&
			ok "started at $1x$2: too small, then the grid" ||
			fail "started at $1x$2: no grid after growing"
	else
		fail "started at $1x$2: no 'too small' message"
	fi
	keys q
	restored "$1x$2" && [ "$(cat "$tmp/rc")" = 0 ] ||
		fail "$1x$2: exit status $(cat "$tmp/rc")"
done

# A long prompt on the demo model (246 tokens of 256), so that each run
# takes a while; prompt edits keep restarting it.
long=$("$python" -c "print(' '.join(['the cat sat on the mat'] * 41))")
model=$demo
json "$long" long
json "$long dog" longdog

# 4. A resize storm while computing: 60 resizes, edits in between.
start 100 30 xterm-256color C.UTF-8 -- "$long"
if ready "long prompt"; then
	seen=0
	keys e End
	i=0 g=0
	for size in 80x24 20x5 132x40 10x3 100x30 60x15 1x1 200x50 40x10 \
	    90x20 33x9 120x35; do
		# An edit restarts the run (after a short debounce).
		g=$((g + 1))
		if [ $((g % 2)) = 1 ]; then text " x"; else keys BSpace BSpace; fi
		shows computing 25 && seen=$((seen + 1))
		for j in 1 2 3 4 5; do
			i=$((i + 1))
			"$tmux" -S "$sock" resize-window -t t \
			    -x $((${size%x*} + j)) -y $((${size#*x} + j))
		done
	done
	keys End
	text " dog"
	keys Enter
	"$tmux" -S "$sock" resize-window -t t -x 100 -y 30
	[ $seen -gt 0 ] || fail "resize storm: never saw 'computing'"
	keys 0
	if wait_for 'P1/247 ready' "after the storm" &&
	    check grid "$tmp/screen" "$tmp/longdog.json" 6; then
		ok "resize storm ($i resizes, computing seen $seen times): right frame"
	else
		fail "resize storm: wrong frame"
	fi
	keys q
	restored "resize storm" && [ "$(cat "$tmp/rc")" = 0 ] &&
		ok "resize storm: q exits 0" ||
		fail "resize storm: exit status $(cat "$tmp/rc")"
else
	fail "resize storm: no first frame"
fi

# 5. Keys held down while computing: bursts of moves and edits.
start 100 30 xterm-256color C.UTF-8 -- "$long"
if ready "long prompt"; then
	n=0
	for b in 1 2 3 4 5 6 7 8 9 10; do
		keys j j j k k l l l l l h h h h j k l h l h G g '$' 0 \
		    Right Left Up Down PageUp PageDown
		keys e End
		text " dog"
		keys BSpace BSpace BSpace BSpace Enter l l l h h h j k j k
		n=$((n + 46))
	done
	keys e End
	text " dog"
	keys Enter
	t0=$(date +%s)
	keys 0
	if wait_for 'key 0 \|' "the last key"; then
		t1=$(date +%s)
		[ $((t1 - t0)) -le 5 ] ||
			fail "held keys: the last key showed after $((t1 - t0)) s"
	else
		fail "held keys: the last key never showed"
	fi
	if wait_for 'P1/247 ready' "after the keys" &&
	    check grid "$tmp/screen" "$tmp/longdog.json" 6; then
		ok "held keys ($n keys while computing): the last prompt's lens"
	else
		fail "held keys: wrong final state"
	fi
	keys q
	restored "held keys" && [ "$(cat "$tmp/rc")" = 0 ] ||
		fail "held keys: exit status $(cat "$tmp/rc")"
else
	fail "held keys: no first frame"
fi

# 6. Terminating signals, idle and while computing: the terminal restored.
for sig in HUP:1 INT:2 PIPE:13 TERM:15; do
	num=${sig#*:} sig=${sig%:*}
	for when in idle computing; do
		start 100 30 xterm-256color C.UTF-8 -- "$long"
		ready "SIG$sig $when" >/dev/null || { fail "SIG$sig: no frame"; continue; }
		if [ $when = computing ]; then
			# The run starts at Enter and takes a while.
			keys e End
			text " dog"
			keys Enter
		fi
		kill -s "$sig" "$(cat "$tmp/pid")"
		restored "SIG$sig $when" || continue
		rc=$(cat "$tmp/rc")
		# As shells report a death by signal (EXIT STATUS).
		[ "$rc" = $((128 + num)) ] &&
			ok "SIG$sig $when: terminal restored, status $rc" ||
			fail "SIG$sig $when: status $rc, expected $((128 + num))"
	done
done
model=

# 7. A corrupt history is set aside with a warning, never dropped.
hist=$state/history
printf 'ok\n\000\001\377garbage\n' >"$tmp/bad.binary"
printf 'ok\nbad \\q escape\n' >"$tmp/bad.escape"
printf 'ok\ncut short' >"$tmp/bad.cut"
for kind in binary escape cut huge; do
	rm -f "$state"/history*
	if [ $kind = huge ]; then
		dd if=/dev/null of="$hist" bs=1 seek=65M 2>/dev/null
	else
		cp "$tmp/bad.$kind" "$hist"
	fi
	size=$(wc -c <"$hist")
	start 250 30 xterm-256color C.UTF-8 -- "$small"
	if wait_for 'history set aside as ' "history $kind" &&
	    ready "history $kind" >/dev/null; then
		aside=$(ls "$state" | grep '^history\.bad-')
		if [ $kind = huge ]; then
			[ "$(wc -c <"$state/$aside")" = "$size" ]
		else
			cmp -s "$state/$aside" "$tmp/bad.$kind"
		fi || fail "history $kind: the old content is not in '$aside'"
		keys e C-u
		text "fresh prompt"
		keys Enter
		wait_content "$hist" "fresh prompt" &&
			ok "history $kind: set aside as $aside, a new one written" ||
			fail "history $kind: new history $(cat "$hist" 2>&1)"
	else
		fail "history $kind: no warning"
	fi
	keys q
	restored "history $kind"
done
rm -f "$state"/history*

# 8. Atomic writes: history, session, export. No leftovers after a save;
# the prompt is in the history as soon as it ran (even after SIGKILL).
start 100 30 xterm-256color C.UTF-8 -- "$small"
if ready "saves"; then
	keys e C-u
	text "first prompt"
	keys Enter
	wait_content "$hist" "first prompt"
	keys S C-u
	text "$tmp/s.yaml"
	keys Enter
	wait_for "saved " "session saved" >/dev/null
	keys w C-u
	text "$tmp/v.svg"
	keys Enter
	wait_for "wrote .*v\.svg" "export" >/dev/null
	grep -q '^prompt: "first prompt"$' "$tmp/s.yaml" &&
	    grep -q '</svg>' "$tmp/v.svg" &&
	    [ "$(cat "$hist" 2>/dev/null)" = "first prompt" ] &&
		ok "history, session and SVG written" ||
		fail "saves: $(cat "$hist" "$tmp/s.yaml" 2>&1)"
	kill -KILL "$(cat "$tmp/pid")"
	wait_rc
	leftovers "$tmp" || leftovers "$state" &&
		fail "temporary files left behind" ||
		ok "no temporary files left behind, history kept after SIGKILL"
fi
cp "$tmp/s.yaml" "$tmp/s.orig"
cp "$tmp/v.svg" "$tmp/v.orig"
cp "$hist" "$tmp/hist.orig"

# Writes that fail midway (no room: a file size limit of 0 blocks; works
# as root too): messages, the previous files intact, the program goes on.
printf 'trap "" XFSZ\nulimit -f 0\nexec "$@"\n' >"$tmp/limited"
tui_exec="sh $tmp/limited"
start 200 30 xterm-256color C.UTF-8 -- "$small"
tui_exec=
if ready "failing writes"; then
	keys e C-u
	text "second prompt"
	keys Enter
	wait_for 'history: .*(too large|File too large)' "history error" ||
		fail "a failed history write is not reported"
	keys S C-u
	text "$tmp/s.yaml"
	keys Enter
	wait_for "s\.yaml: .*too large" "session error" ||
		fail "a failed session save is not reported"
	keys w C-u
	text "$tmp/v.svg"
	keys Enter
	wait_for "export: .*v\.svg: .*too large" "export error" ||
		fail "a failed export is not reported"
	keys q
	restored "failing writes"
	[ "$(cat "$tmp/rc")" = 0 ] || fail "failing writes: status $(cat "$tmp/rc")"
	cmp -s "$tmp/s.yaml" "$tmp/s.orig" && cmp -s "$tmp/v.svg" "$tmp/v.orig" &&
	    cmp -s "$hist" "$tmp/hist.orig" &&
		ok "failed writes: reported, previous files intact" ||
		fail "failed writes changed the previous files"
	leftovers "$tmp" || leftovers "$state" &&
		fail "failed writes left temporary files"
else
	fail "failing writes: no first frame"
fi

# A read-only directory (not for root, who may write anyway).
if [ "$(id -u)" != 0 ]; then
	mkdir "$tmp/ro"
	cp "$tmp/s.orig" "$tmp/ro/s.yaml"
	chmod a-w "$tmp/ro"
	start 200 30 xterm-256color C.UTF-8 -- "$small"
	if ready "read-only"; then
		keys S C-u
		text "$tmp/ro/s.yaml"
		keys Enter
		wait_for "s\.yaml: Permission denied" "read-only dir" &&
		    cmp -s "$tmp/ro/s.yaml" "$tmp/s.orig" &&
		    ! leftovers "$tmp/ro" &&
			ok "read-only directory: reported, file intact" ||
			fail "read-only directory"
		keys q
		restored "read-only"
	fi
	chmod u+w "$tmp/ro"
fi

# A history path that cannot be written does not stop the program.
: >"$tmp/file"
start 200 30 xterm-256color C.UTF-8 XDG_STATE_HOME="$tmp/file" -- "$small"
if wait_for 'history not saved' "unwritable history" &&
    ready "unwritable history" >/dev/null; then
	keys e C-u
	text "third prompt"
	keys Enter
	wait_for '^input third' "unwritable history: runs" >/dev/null &&
	    ready "unwritable history: runs" >/dev/null
	keys q
	restored "unwritable history"
	[ "$(cat "$tmp/rc")" = 0 ] &&
		ok "unwritable history: said so, the explorer works" ||
		fail "unwritable history: status $(cat "$tmp/rc")"
else
	fail "unwritable history"
fi

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
exit 0
