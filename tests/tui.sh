#!/bin/sh
# tui.sh: end-to-end tests of the explorer, driven inside a private tmux
# server (see TUI.md): what the screen shows is checked against the lens
# that `logitlens --print --format json` computes for the same prompt.
# Needs tmux, python3 and the fixture models; skips (77) without them.

. "${top_srcdir:-.}/tests/tui-lib.sh"

prompt="Happy birthday to You, happy"
json "$prompt" happy

# 1. The first frame: tokens and the core's top-1 of every layer.
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "first frame"; then
	if check grid "$tmp/screen" "$tmp/happy.json" 6; then
		ok "first frame shows the prompt's tokens and every top-1"
	else
		fail "first frame differs from --print --format json"
	fi
	grep -q "^ h.2 L3/3 P6/6 ready" "$tmp/screen" ||
		fail "status line: $(tail -1 "$tmp/screen")"
	if check panel "$tmp/screen" "$tmp/happy.json" h.2 5; then
		ok "panel of the initial selection (h.2, last position)"
	else
		fail "panel of h.2 @ 6"
	fi
else
	fail "no first frame"
fi

# 2. Navigation: g (embed), 0 (first position), l, k; the panel follows.
keys g 0 l k
if wait_for '^ h.0 L1/3 P2/6' navigation &&
    wait_for '│ h.0 @ 2 ' panel; then
	if check panel "$tmp/screen" "$tmp/happy.json" h.0 1; then
		ok "navigation: the panel shows h.0 @ 2 as the core computes it"
	else
		fail "panel of h.0 @ 2"
	fi
else
	fail "navigation"
fi
keys G '$' h j
wait_for '^ h.1 L2/3 P5/6' "G \$ h j" &&
	check panel "$tmp/screen" "$tmp/happy.json" h.1 4 ||
	fail "G \$ h j: panel of h.1 @ 5"

# 3. Metrics change the colours, the legend and the panel's value.
screen -e >"$tmp/prob.ansi"
grep -q '48;5;' "$tmp/prob.ansi" || fail "256 colours: no 48;5 backgrounds"
keys 7
if wait_for 'KL\(final\|\|layer\): >=10 .* <=0.01' "kl legend"; then
	screen -e >"$tmp/kl.ansi"
	if cmp -s "$tmp/prob.ansi" "$tmp/kl.ansi"; then
		fail "metric kl: the screen did not change"
	else
		sed -n '4,6p' "$tmp/prob.ansi" >"$tmp/a"
		sed -n '4,6p' "$tmp/kl.ansi" >"$tmp/b"
		cmp -s "$tmp/a" "$tmp/b" && fail "metric kl: same cell colours"
		ok "metric kl recolours the grid and shows its legend"
	fi
	grep -q 'KL(final||layer) = ' "$tmp/screen" ||
		fail "panel does not show the KL value"
else
	fail "metric kl"
fi
keys 5
wait_for 'rank\(next token\): .*>100.*21-100.*6-20.*2-5.*1' "rank legend" ||
	fail "metric next-rank: rank buckets in the legend"
keys m
wait_for 'P\(next token\): 0 ' "m cycles" || fail "m: next metric"

# Search, sub-layer rows, orientation.
keys /
text "You"
keys Enter
wait_for '◆ /You' "search legend" && wait_for '│ h\.[0-9] @ 4 ·You' "match" &&
	ok "search selects a cell whose top-1 matches" || fail "search"
keys Escape
wait_gone '◆ /You' || fail "Esc clears the search"
keys a
wait_for '^h\.1\.attn ' "sub-layer rows" && ready "sub-layers" &&
	ok "a shows the attention sub-block rows" || fail "sublayers"
keys a
wait_gone '^h\.1\.attn ' || fail "a hides the sub-block rows"
keys f
if wait_for '^embed ' flip; then
	awk '/^(embed|h\.[0-9]) /{print $1}' "$tmp/screen" | tr '\n' ' ' |
	    grep -q '^embed h.0 h.1 h.2 $' && ok "f puts the final layer below" ||
		fail "flip: $(awk '/^(embed|h\.[0-9]) /{print $1}' "$tmp/screen")"
	keys f
fi

# 4. Help, generated from the key table; q closes it, not the program.
keys '?'
if wait_for 'logitlens keys' help; then
	grep -q 'metric-kl' "$tmp/screen" && grep -q 'quit' "$tmp/screen" ||
		fail "help lacks actions"
	keys q
	wait_for ' ready \|' "help closed" && ok "help opens and q closes it" ||
		fail "q did not close the help"
else
	fail "no help screen"
fi

# 5. Typing a new prompt recomputes.
prompt2="The quick brown fox"
json "$prompt2" fox
keys e C-u
text "$prompt2"
keys Enter
if wait_for '^input The +·quick' "new prompt" && ready "new prompt" &&
    wait_for 'P4/4 ready' "new prompt computed"; then
	if check grid "$tmp/screen" "$tmp/fox.json" 4; then
		ok "a typed prompt is recomputed and shown"
	else
		fail "new prompt differs from the core"
	fi
else
	fail "typing a new prompt"
fi

# Bracketed paste goes into the prompt literally, newlines included.
"$tmux" -S "$sock" set-buffer -b p "$(printf ' jumps\nover')"
keys e End
"$tmux" -S "$sock" paste-buffer -p -d -b p -t t
keys Enter
wait_for '^: The quick brown fox jumps↵over' "paste" &&
	wait_for 'P7/7 ready' "pasted prompt computed" &&
	ok "bracketed paste inserts text and newlines literally" ||
	fail "bracketed paste"
keys e C-u
text "$prompt2"
keys Enter
wait_for 'P4/4 ready' "prompt back" || fail "prompt back"

# 6. Mouse: a click selects a cell (SGR report, 1-based coordinates).
text "$(printf '\033[<0;17;5M\033[<0;17;5m')"
wait_for '│ h.1 @ 2 ' "click" && ok "a click selects a cell" ||
	fail "mouse click"

# A long prompt scrolls sideways, with overflow markers; the wheel scrolls.
keys e C-u
text "In the beginning God created the heaven and the earth. And the earth was without form, and void; and darkness was upon the face of the deep."
keys Enter '$'
if wait_for 'P31/31 ready' "long prompt"; then
	grep -q '^input<' "$tmp/screen" || fail "no '<' marker at the end"
	keys 0
	wait_for '^input In .*>' "'>' marker at the start" &&
		wait_for 'P1/31' "0" && ok "long prompts scroll with markers" ||
		fail "scrolling back"
	keys G
	wait_for '^ h.2 L3/3 P1/31' "G" || fail "G"
	text "$(printf '\033[<65;17;5M')"
	wait_for '^ h.1 L2/3 P1/31' "wheel" && ok "the wheel moves down" ||
		fail "wheel"
else
	fail "long prompt"
fi

# 7. Resize, including to sizes too small to draw.
"$tmux" -S "$sock" resize-window -t t -x 60 -y 15
wait_for '^h.2 ' "60x15" || fail "60x15: no grid"
"$tmux" -S "$sock" resize-window -t t -x 30 -y 8
wait_for 'terminal too small' "30x8" || fail "30x8: no 'too small'"
"$tmux" -S "$sock" resize-window -t t -x 12 -y 2
wait_for 'terminal' "12x2" || fail "12x2"
"$tmux" -S "$sock" resize-window -t t -x 100 -y 30
wait_for ' ready \|' "100x30 again" && ok "resize down to 12x2 and back" ||
	fail "resize back"

# 8. q quits with status 0 and the terminal restored.
keys q
if wait_rc; then
	[ "$(cat "$tmp/rc")" = 0 ] || fail "exit status $(cat "$tmp/rc")"
	alt=$("$tmux" -S "$sock" display-message -p -t t '#{alternate_on}')
	[ "$alt" = 0 ] && ok "q quits, status 0, alternate screen left" ||
		fail "alternate screen still on"
	hist=$tmp/state/logitlens/history
	grep -q "^$prompt2\$" "$hist" 2>/dev/null &&
		ok "history saved" || fail "history: $(cat "$hist" 2>&1)"
else
	fail "q did not quit"
fi

# 9. Colour tiers: 8 colours, monochrome, NO_COLOR; and the C locale.
start 100 30 xterm C.UTF-8 -- "$prompt"
if ready "TERM=xterm"; then
	screen -e >"$tmp/8.ansi"
	grep -q '48;5;' "$tmp/8.ansi" && fail "TERM=xterm: 256-colour codes"
	grep -Eq '\[([0-9;]*;)?4[0-7][;m]' "$tmp/8.ansi" &&
		ok "TERM=xterm: 8-colour buckets" ||
		fail "TERM=xterm: no 8-colour backgrounds"
fi
start 100 30 vt100 C.UTF-8 -- "$prompt"
if ready "TERM=vt100"; then
	screen -e >"$tmp/mono.ansi"
	grep -Eq '\[([0-9;]*;)?[34][0-7][;m]|[34]8;5;' "$tmp/mono.ansi" &&
		fail "TERM=vt100: colour codes" ||
		ok "TERM=vt100: monochrome"
	grep -q '▁\|▂\|▃\|▄\|▅\|▆\|▇\|█' "$tmp/screen" ||
		fail "TERM=vt100: no glyphs"
fi
start 100 30 xterm-256color C.UTF-8 NO_COLOR=1 -- "$prompt"
if ready "NO_COLOR"; then
	screen -e >"$tmp/nc.ansi"
	grep -Eq '\[([0-9;]*;)?[34][0-7][;m]|[34]8;5;' "$tmp/nc.ansi" &&
		fail "NO_COLOR: colour codes" || ok "NO_COLOR: no colour"
fi
start 100 30 xterm-256color C -- "$prompt"
if ready "LC_ALL=C"; then
	grep -q '^input Happy    _birthd~' "$tmp/screen" &&
		ok "C locale: ASCII fallback" ||
		fail "C locale: $(sed -n 2p "$tmp/screen")"
	LC_ALL=C grep -q "$(printf '[\200-\377]')" "$tmp/screen" &&
		fail "C locale: non-ASCII bytes on the screen"
fi

# 10. Signals restore the terminal.
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "SIGTERM"; then
	kill -TERM "$(cat "$tmp/pid")"
	if wait_rc; then
		alt=$("$tmux" -S "$sock" display-message -p -t t \
		    '#{alternate_on}')
		[ "$alt" = 0 ] && ok "SIGTERM restores the terminal" ||
			fail "SIGTERM: alternate screen still on"
	else
		fail "SIGTERM did not end the program"
	fi
fi

# 11. TERM=dumb: refused with a pointer to --print, the terminal intact.
start 100 30 dumb C.UTF-8 -- "$prompt"
if wait_rc; then
	[ "$(cat "$tmp/rc")" != 0 ] || fail "TERM=dumb: status 0"
	wait_for -- '--print' "TERM=dumb message" &&
		ok "TERM=dumb refused, pointing to --print" ||
		fail "TERM=dumb: no message"
else
	fail "TERM=dumb: still running"
fi

# 12. Config: metric and key bindings from config.yaml.
cat >"$tmp/config/logitlens/config.yaml" <<EOT
metric: entropy
keys:
  quit: x
EOT
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "config"; then
	grep -q '^entropy: ' "$tmp/screen" || fail "config: metric not applied"
	keys q
	sleep 0.2
	[ -f "$tmp/rc" ] && fail "config: q still quits"
	keys x
	wait_rc && ok "config: metric and key bindings applied" ||
		fail "config: x does not quit"
fi
printf 'keys:\n  explode: z\n' >"$tmp/config/logitlens/config.yaml"
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if wait_for "unknown action 'explode'" "unknown action"; then
	ok "config: unknown actions are reported"
else
	fail "config: unknown action not named"
fi
keys q
wait_rc || fail "q after a bad binding"
rm -f "$tmp/config/logitlens/config.yaml"

# 13. Beyond the plain lens: every view against the JSON of the core.
# jget EXPR: a value of the "Happy" prompt's JSON, by a python expression.
jget() {
	"$python" -c "import json; d = json.load(open('$tmp/happy.json')); \
print($1)"
}
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "views"; then
	# Delta view of P(top-1): each cell is the row minus the row below.
	keys d
	if wait_for '^delta P\(top-1\): -' "delta legend"; then
		check delta "$tmp/screen" "$tmp/happy.json" 6 &&
			ok "delta: the grid shows each row minus the row below" ||
			fail "delta values"
		grep -q '│ delta = [+-]' "$tmp/screen" ||
			fail "delta: the panel lacks the delta"
		screen -e | grep -q '48;5;\(25\|68\|153\|254\|217\|167\|124\)m' ||
			fail "delta: no diverging colours"
	else
		fail "delta view"
	fi
	keys d

	# Mask: the best top-k token that is not an input token so far.
	keys x
	if wait_for '  mask' "mask legend"; then
		check mask "$tmp/screen" "$tmp/happy.json" 6 &&
			ok "mask: copies of input tokens are hidden" ||
			fail "mask"
	else
		fail "mask legend"
	fi
	keys x

	# Candidates across layers at the selected position (the last).
	keys c
	if wait_for '# token +max prob row' "candidates"; then
		check cands "$tmp/screen" "$tmp/happy.json" 5 10 &&
			ok "candidates: max over rows of every top-k" ||
			fail "candidates"
	else
		fail "candidates view"
	fi

	# Attribution of the top-1's logit at h.1 @ 3, parts adding up.
	keys c j '$' h h h
	if wait_for 'logit of .* by part' "attribution" &&
	    wait_for '^ h.1 L2/3 P3/6' "h.1 @ 3" &&
	    wait_for '│ *logit +[+-][0-9]' "attribution computed"; then
		check attrib "$tmp/screen" "$tmp/happy.json" h.1 2 &&
			ok "attribution: parts and bias add up to the logit" ||
			fail "attribution"
	else
		fail "attribution view"
	fi
	keys c

	# Track the selected cell's top-1 (Enter): the grid shows its
	# probability in every cell, the panel its trajectory.
	tid=$(jget "d['rows'][2]['cells'][2]['top'][0]['id']")
	keys Enter
	if wait_for "tracking .*\($tid\)" "track" && ready "tracked"; then
		wait_for '^P\(tracked\): ' "track legend" >/dev/null
		check track "$tmp/screen" "$tmp/happy.json" "$tid" 6 &&
			ok "track: P(token) in every cell" || fail "track values"
		check spark "$tmp/screen" "$tmp/happy.json" "$tid" 2 &&
			ok "track: the panel's sparkline over the rows" ||
			fail "sparkline"
	else
		fail "Enter does not track"
	fi
	# Typed: "#id" or text; a second token, then untrack it.
	keys T
	text " to"
	keys Enter
	wait_for "tracking ·to" "typed token" &&
		ok "T tracks a typed token" || fail "T: typed token"
	# Both tokens' probability, logit and rank at h.1 @ 3, as --track
	# reports them.
	json "$prompt" tracked --track="#$tid, to"
	if ready "tracked again"; then
		check trackrank "$tmp/screen" "$tmp/tracked.json" h.1 2 &&
			ok "track: p, logit and rank in the panel" ||
			fail "track ranks"
	else
		fail "no ranks after T"
	fi
	# R: the grid shows the tracked token's rank in every cell.
	toid=$("$python" -c "import json; d = json.load(open('$tmp/tracked.json')); \
print(d['rows'][0]['cells'][0]['tracked'][1]['id'])")
	keys R
	if wait_for '^rank\(tracked\): ' "rank legend"; then
		check rankgrid "$tmp/screen" "$tmp/tracked.json" "$toid" 6 &&
			ok "R: the tracked token's rank in every cell" ||
			fail "rank grid"
	else
		fail "R: no rank legend"
	fi
	keys 9
	keys u
	wait_for "1 tracked" untrack || fail "u: untrack"

	# Session: saved, then restored in a fresh explorer.
	keys d j
	keys S C-u
	text "$tmp/s.yaml"
	keys Enter
	if wait_for "saved " "session saved"; then
		grep -q "^prompt: \"$prompt\"\$" "$tmp/s.yaml" &&
		    grep -q "^tracked: \[$tid\]\$" "$tmp/s.yaml" &&
		    grep -q '^delta: true$' "$tmp/s.yaml" &&
		    grep -q '^row: "h.0"$' "$tmp/s.yaml" &&
		    grep -q '^position: 2$' "$tmp/s.yaml" &&
		    grep -q '^metric: "track-prob"$' "$tmp/s.yaml" &&
		    grep -q '^panel: "tracked"$' "$tmp/s.yaml" &&
			ok "session file holds the view" ||
			fail "session file: $(cat "$tmp/s.yaml")"
	else
		fail "session save"
	fi

	# Export the view as SVG (on the worker).
	keys w C-u
	text "$tmp/v.svg"
	keys Enter
	wait_for "wrote .*v.svg" "export" && grep -q '<svg' "$tmp/v.svg" &&
		ok "w writes the view as SVG" || fail "export"
	# The view is in delta mode, of the tracked token: so is the picture.
	grep -q 'url(#div)' "$tmp/v.svg" &&
	    grep -q 'track-prob change' "$tmp/v.svg" &&
		ok "the SVG keeps the delta view of the tracked token" ||
		fail "SVG export: not the view"
	grep -q 'wrote .*v.svg (track-prob)' "$tmp/screen" ||
		fail "export: the status names another metric"
fi
start 100 30 xterm-256color C.UTF-8 -- "The quick brown fox"
if ready "session open"; then
	keys O C-u
	text "$tmp/s.yaml"
	keys Enter
	wait_for "opened " "session opened" &&
		wait_for '^ h.0 L1/3 P3/6 ready' "session's selection" &&
		wait_for '^: Happy birthday to You, happy' "session's prompt" &&
		wait_for '^delta P\(tracked\)' "session's view" &&
		ok "a saved session restores prompt, selection and view" ||
		fail "session open"
fi

# Step: appends the final layer's top-1 at the last position.
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "step"; then
	next=$(jget "d['rows'][-1]['cells'][-1]['top'][0]['text']")
	keys s
	wait_for "step: appended" step && ready "stepped" &&
		grep -qF ": $prompt$next" "$tmp/screen" &&
		ok "s appends the final top-1 ('$next')" ||
		fail "step: $(sed -n 1p "$tmp/screen")"
fi

# Tuned lens: --tuned FILE opens on its translators, as --print --tuned
# computes them; K colours by KL(tuned || logit); t switches lenses.
"$python" -c 'import json, random, struct, sys
L, C = 3, 32
random.seed(7)
hdr, data = {}, b""
for i in range(L):
    for name, n in (("weight", C * C), ("bias", C)):
        hdr["translators.%d.%s" % (i, name)] = {"dtype": "F32",
            "shape": [C, C] if n > C else [C],
            "data_offsets": [len(data), len(data) + 4 * n]}
        data += struct.pack("<%df" % n, *[random.gauss(0, 0.4) for _ in range(n)])
h = json.dumps(hdr).encode()
h += b" " * (-len(h) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + data)' \
    "$tmp/tuned.safetensors"
"$bin" --model "$fix" --print --format json --tuned "$tmp/tuned.safetensors" \
    "$prompt" >"$tmp/tuned.json" || fail "--print --tuned"
start 100 30 xterm-256color C.UTF-8 -- --tuned "$tmp/tuned.safetensors" \
    "$prompt"
if ready "tuned lens"; then
	wait_for '  tuned' "tuned flag" &&
		check grid "$tmp/screen" "$tmp/tuned.json" 6 &&
		ok "--tuned opens on the tuned lens: the grid is --print --tuned's" ||
		fail "tuned lens grid"
	keys K
	wait_for 'KL\(tuned\|\|logit\)' "tuned-kl metric" &&
		ok "K colours by the KL between the two lenses" ||
		fail "tuned-kl legend"
	# w keeps the metric: each cell's KL, as --print --tuned gives it.
	keys w C-u
	text "$tmp/t.svg"
	keys Enter
	if wait_for "wrote .*t.svg \(tuned-kl\)" "tuned export"; then
		"$python" - "$tmp/t.svg" "$tmp/tuned.json" >"$tmp/py" 2>&1 <<'EOF'
import json, re, sys
svg = open(sys.argv[1], encoding="utf-8").read()
d = json.load(open(sys.argv[2]))
kl = {(r["name"], p): c["kl_logit_lens"]
      for r in d["rows"] for p, c in enumerate(r["cells"])}
got = re.findall(r"<title>([^,<]+), position (\d+): [^<]*, tuned-kl "
                 r"([-+0-9.e]+)</title>", svg)
bad = [g for g in got if abs(float(g[2]) - kl[(g[0], int(g[1]))]) >
       1e-3 * kl[(g[0], int(g[1]))] + 1e-6]
if not got or bad or "KL(tuned||logit)" not in svg:
    print("%d cells, differing: %s" % (len(got), bad[:3]))
    sys.exit(1)
EOF
		[ $? -eq 0 ] && ok "w: the SVG of KL(tuned || logit)" ||
			fail "tuned SVG: $(cat "$tmp/py")"
	else
		fail "tuned export"
	fi
	keys t
	wait_for "logit lens" "t" && ready "logit computed" &&
		check grid "$tmp/screen" "$tmp/happy.json" 6 &&
		ok "t switches to the logit lens" || fail "t: logit lens grid"
	keys t
	wait_for "tuned lens" "t again" && ready "tuned again" &&
		check grid "$tmp/screen" "$tmp/tuned.json" 6 &&
		ok "t again: back to the tuned lens" || fail "back to tuned"
fi

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
exit 0
