#!/bin/sh
# tui-edges.sh: the explorer's rough edges a new user hit, end to end in a
# private tmux server (see TUI.md): the first screen without a prompt, a
# resize round trip, a prompt longer than the context, search of the input
# and top-k tokens, the step selection, the legends; and --positions.
# What the screen shows is checked against --print --format json.

. "${top_srcdir:-.}/tests/tui-lib.sh"

prompt="Happy birthday to You, happy"
json "$prompt" happy

# grid_now JSON N: polls until the grid's first N columns are the JSON's
# (a frame may reach tmux in pieces), 20 s at most; then shows why not.
grid_now() {
	end=$(($(date +%s) + 20))
	while [ "$(date +%s)" -le "$end" ]; do
		screen >"$tmp/screen" 2>/dev/null
		check grid "$tmp/screen" "$1" "$2" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	check grid "$tmp/screen" "$1" "$2"
}

# status: the status line of the last screen.
status() { grep '^ .* L[0-9]*/[0-9]* P[0-9]*/' "$tmp/screen"; }

# 1. The first screen without a prompt: the configuration's example,
# computed, the grid focused (? and q do what the footer says), and a hint
# on how to type a new prompt.
example=$(sed -n 's/^#define CFG_PROMPT[	 ]*"\(.*\)"$/\1/p' \
    "$top_srcdir/include/cfg.h")
[ -n "$example" ] || { echo "ERROR: no CFG_PROMPT in cfg.h"; exit 99; }
json "$example" example
start 100 30 xterm-256color C.UTF-8 --
if ready "first screen"; then
	grep -q "^: $example" "$tmp/screen" ||
		fail "first screen: prompt line $(sed -n 1p "$tmp/screen")"
	keys 0
	wait_for '^ h\.[0-9] L[0-9]/[0-9] P1/' "0" >/dev/null
	check grid "$tmp/screen" "$tmp/example.json" 6 &&
		ok "first screen: the example prompt's lens, computed" ||
		fail "first screen: grid differs from the core"
	grep -q 'e or Tab types your own prompt' "$tmp/screen" &&
		ok "first screen: says how to type a new prompt" ||
		fail "first screen: no hint"
	keys '?'
	wait_for 'logitlens keys' "? on the first screen" &&
		ok "first screen: ? opens the help" || fail "? typed away"
	keys q
	ready "help closed" >/dev/null || fail "q did not close the help"
	keys q
	wait_rc && [ "$(cat "$tmp/rc")" = 0 ] &&
		ok "first screen: q quits" || fail "first screen: q"
else
	fail "first screen: never ready"
fi
# An empty example: the empty prompt, still with the grid focused.
printf 'prompt: null\n' >"$tmp/config/logitlens/config.yaml"
start 100 30 xterm-256color C.UTF-8 --
if wait_for 'press e to type a prompt' "empty example"; then
	keys q
	wait_rc && ok "prompt: null: empty, q quits" || fail "empty: q"
else
	fail "empty example"
fi
rm -f "$tmp/config/logitlens/config.yaml"

# 2. A resize round trip: at a small size the selected row stays on
# screen; grown back, every row shows again with no key pressed.
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "resize"; then
	keys g
	wait_for '^ embed L0/3' "g" >/dev/null
	"$tmux" -S "$sock" resize-window -t t -x 40 -y 10
	wait_for '^ embed L0/3' "40x10" >/dev/null &&
	    wait_for '^embed ' "40x10: the selected row" &&
		ok "40x10: the selected row is on screen" ||
		fail "40x10: selected row off screen"
	"$tmux" -S "$sock" resize-window -t t -x 100 -y 30
	# Without a key: the old code kept the scroll of the small size.
	if grid_now "$tmp/happy.json" 6; then
		rows=$(awk '/^(embed|h\.[0-9]) /{print $1}' "$tmp/screen" |
		    tr '\n' ' ')
		[ "$rows" = "h.2 h.1 h.0 embed " ] &&
			ok "resize round trip: every row and column back" ||
			fail "resize round trip: rows '$rows'"
	else
		fail "resize round trip: grid differs"
	fi
else
	fail "resize: no first frame"
fi

# 3. Search: the input row, the cells' top-1 and their top-k, in reading
# order from the selection (input row, then the grid's lines from the
# top); the status line says what matched.
# expect PATTERN START_ROW START_POS N: the first N hits, one a line:
# "kind row pos" (kind input, top-1 or k#), from the JSON.
expect() {
	"$python" - "$tmp/happy.json" "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
pat, row0, pos0, n = sys.argv[2].lower(), sys.argv[3], int(sys.argv[4]), \
    int(sys.argv[5])
rows = d["rows"][::-1]          # display order: final on top
T = len(d["tokens"])
def hit(j):
    p = j % T
    if j < T:
        return ("input", "-", p) if pat in d["tokens"][p]["text"].lower() \
            else None
    r = rows[j // T - 1]
    for k, t in enumerate(r["cells"][p]["top"]):
        if pat in t["text"].lower():
            return ("top-1" if k == 0 else "k%d" % (k + 1), r["name"], p)
    return None
line = [r["name"] for r in rows].index(row0)
idx, last_input = (line + 1) * T + pos0, False
for _ in range(n):
    for i in range(1, (len(rows) + 1) * T + 1):
        j = (idx + i) % ((len(rows) + 1) * T)
        h = hit(j)
        if h:
            print("%s %s %d" % (h[0], h[1], h[2] + 1))
            idx = j
            break
EOF
}
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "search"; then
	# Both an input token and a top-k-only token: " happy" and the
	# fourth entry of h.1 @ 1 (from the JSON).
	k4=$("$python" -c "import json; d = json.load(open('$tmp/happy.json')); \
print(d['rows'][2]['cells'][0]['top'][3]['text'].strip())")
	# "happy": hits in the top-k, the top-1 and the input row.
	for ask in happy:6 "$k4:3"; do
		pat=${ask%:*}
		expect "$pat" h.2 5 "${ask##*:}" >"$tmp/hits"
		keys /
		text "$pat"
		keys Enter
		n=0
		while read -r kind row pos; do
			n=$((n + 1))
			[ $n -gt 1 ] && keys n
			case $kind in
			input) re="/$pat: the input token at P$pos" ;;
			top-1) re="/$pat: the top-1 of $row @ P$pos" ;;
			*) re="/$pat: #${kind#k} of the top-k of $row @ P$pos" ;;
			esac
			if wait_for "$re" "search $pat hit $n" >/dev/null; then
				status | grep -q " P$pos/6 " ||
					fail "search $pat: $(status)"
			else
				fail "search $pat hit $n: not /$re/"
			fi
		done <"$tmp/hits"
		[ $n -gt 0 ] && ok "/$pat: $n hits in order ($(tr '\n' ',' \
		    <"$tmp/hits"))" || fail "/$pat: the JSON has no hit"
		keys Escape
		[ "$pat" = happy ] && { grep -q '^input ' "$tmp/hits" &&
		    grep -q '^k' "$tmp/hits" ||
			fail "/happy: no input or top-k hit among $n"; }
	done
else
	fail "search: no first frame"
fi

# 4. s (greedy step): the selection follows to the new column, on its row.
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "step"; then
	next=$("$python" -c "import json; d = json.load(open('$tmp/happy.json')); \
print(d['rows'][-1]['cells'][-1]['top'][0]['text'])")
	json "$prompt$next" stepped
	T2=$("$python" -c "import json; \
print(len(json.load(open('$tmp/stepped.json'))['tokens']))")
	keys 0 j
	wait_for '^ h\.1 L2/3 P1/6' "0 j" >/dev/null
	keys s
	if wait_for "^ h\.1 L2/3 P$T2/$T2 ready" "step selection"; then
		ok "s: the selection follows to the new column ($T2)"
		keys 0
		wait_for '^ h\.1 L2/3 P1/' "0 after s" >/dev/null &&
			check grid "$tmp/screen" "$tmp/stepped.json" 6 ||
			fail "s: grid differs"
	else
		fail "s: the selection stayed behind"
	fi
else
	fail "step: no first frame"
fi

# 5. A prompt longer than the context (the fixture's n_ctx is 64): the last
# n_ctx tokens, as --truncate, and the status line says so.
long=$("$python" -c "print(' '.join(['one two three'] * 30))")
json "$long" long --truncate
n_ctx=$("$python" -c "import json; \
print(json.load(open('$tmp/long.json'))['model']['n_ctx'])")
start 100 30 xterm-256color C.UTF-8 -- "$long"
if wait_for "P$n_ctx/$n_ctx ready" "long prompt"; then
	grep -q "truncated: the last $n_ctx tokens" "$tmp/screen" &&
		ok "a long prompt is truncated, and the status says so" ||
		fail "truncation not said: $(status)"
	keys 0
	wait_for "P1/$n_ctx" "0" >/dev/null &&
		check grid "$tmp/screen" "$tmp/long.json" 6 &&
		ok "truncated grid is --print --truncate's" ||
		fail "truncated grid differs"
else
	fail "long prompt: not computed"
fi

# 6. Legends: as many glyphs as the cells can carry; in ASCII the mark of
# a correct prediction is no glyph of the scale.
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "legend"; then
	n=$(sed -n 's/^P(top-1): 0 \([^ ]*\) 1 .*/\1/p' "$tmp/screen" |
	    "$python" -c "import sys; print(len(sys.stdin.read().strip()))")
	[ "$n" = 8 ] && ok "legend: the 8 glyphs of the cells" ||
		fail "legend: $n glyphs: $(grep '^P(top-1)' "$tmp/screen")"
fi
start 100 30 xterm-256color C -- "$prompt"
if ready "ascii legend"; then
	leg=$(grep '^P(top-1): ' "$tmp/screen")
	glyphs=$(printf %s "$leg" | sed -n 's/^P(top-1): 0 \([^ ]*\) 1 .*/\1/p')
	mark=$(printf %s "$leg" | sed -n 's/.*  \(.\) next.*/\1/p')
	[ "$glyphs" = '.:-=+*#%@' ] || fail "ascii legend glyphs: '$glyphs'"
	case $glyphs in
	*"$mark"*) fail "ascii: the next mark '$mark' is a glyph" ;;
	*) [ -n "$mark" ] && ok "ascii: the next mark '$mark' is no glyph" ||
		fail "ascii: no next mark: $leg" ;;
	esac
fi

# 7. One spelling of each KL direction: legend and panel.
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "kl"; then
	keys 7
	wait_for '^KL\(final\|\|layer\): ' "kl legend" >/dev/null
	grep -q '│ KL(final||layer) [0-9]' "$tmp/screen" &&
	    ! grep -q 'here)' "$tmp/screen" &&
		ok "KL(final||layer) in the legend and the panel" ||
		fail "KL spellings: $(grep -o 'KL([^)]*)' "$tmp/screen" |
		    sort -u | tr '\n' ' ')"
fi

# 8. One rule for a tracked token, shared with --track: a text of several
# tokens is refused with the same words, and nothing is tracked.
"$bin" --model "$fix" --print --track=" birthday to" "$prompt" \
    >/dev/null 2>"$tmp/cli.err"
why=$(sed -n "s/^logitlens: --track: //p" "$tmp/cli.err")
start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if [ -n "$why" ] && ready "track rule"; then
	keys T
	text " birthday to"
	keys Enter
	if wait_for "track: ' birthday to' is 2 tokens" "several tokens"; then
		# The status line holds its start (the rest is cut at 100).
		grep -qF "track: ${why%%(*}" "$tmp/screen" &&
		    ! grep -q 'tracking' "$tmp/screen" &&
			ok "T refuses a text of several tokens, as --track" ||
			fail "T: not --track's words: $(status)"
	else
		fail "T took a text of several tokens"
	fi
	keys T
	text " birthday"
	keys Enter
	wait_for "tracking ·birthday" "one token" >/dev/null &&
		ok "T tracks a text of one token" || fail "T: one token"
else
	fail "track rule: --track said '$why'"
fi

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
exit 0
