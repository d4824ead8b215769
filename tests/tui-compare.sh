#!/bin/sh
# tui-compare.sh: the explorer's comparison of two prompts, end to end in
# a private tmux server (see TUI.md): prompt B's line, the grid's labels,
# the panel's KL, JS, TV and both top-k lists with each token's change in
# probability, checked against `logitlens --print --format json
# --compare=B` (and --track for the other prompt's probability of a
# token); swapping the grid to B, a session that keeps B, the SVG export.
# Needs tmux, python3 and the fixture models; skips (77) without them.

. "${top_srcdir:-.}/tests/tui-lib.sh"

# (start uses a and b: the prompts are pa and pb.)

pa="The cat sat on the mat"
pb="The dog sat on a mat"
json "$pa" cmp --compare="$pb"
json "$pb" b

# The ids of a cell's top-k in a JSON, comma-separated as --track takes.
topids() {
	"$python" -c "import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d['rows'] if r['name'] == sys.argv[2]][0]
print(','.join('#%d' % t['id'] for t in r['cells'][int(sys.argv[3])]['top']))
" "$tmp/$1.json" "$2" "$3"
}
ncols=$("$python" -c "import json; d = json.load(open('$tmp/cmp.json'));
print(min(len(d['tokens']), len(d['compare_tokens'])))")

# 1. b opens prompt B's line; typed and run, the grid compares.
start 100 40 xterm-256color C.UTF-8 -- "$pa"
ready "first frame" || fail "no first frame"
keys b
wait_for '^B>' "prompt B's line" || fail "b: no prompt B line"
text "$pb"
keys Enter
if wait_for '^B: The dog sat on a mat' "B typed" &&
    wait_for '^JS\(A, B\): <=0.0001 .* ln 2' "compare-js legend" &&
    wait_for '^ A h.2 L3/3 P[0-9]+/[0-9]+ ready' "compared"; then
	if check cmpgrid "$tmp/screen" "$tmp/cmp.json" "$ncols"; then
		ok "the grid labels each cell with the token that changed most"
	else
		fail "grid labels differ from --compare's JSON"
	fi
else
	fail "no comparison after typing prompt B"
fi

# 2. The panel at h.1 @ 3 against the JSON of both prompts.
keys G 0 l l j
if wait_for '│ h.1 @ 3 ' "panel h.1 @ 3"; then
	json "$pa" atr --track="$(topids b h.1 2)"
	json "$pb" btr --track="$(topids cmp h.1 2)"
	if check cmppanel "$tmp/screen" "$tmp/cmp.json" h.1 2 \
	    "$tmp/b.json" "$tmp/atr.json" "$tmp/btr.json"; then
		ok "panel: KL, JS, TV, A's and B's top-k and their changes"
	else
		fail "comparison panel of h.1 @ 3"
	fi
else
	fail "navigation to h.1 @ 3"
fi

# 3. o: the grid shows prompt B's lens (here by probability).
keys o 1
if wait_for '^ B h.1 ' "grid B" && wait_for '^P\(top-1\)' "prob legend"; then
	if check grid "$tmp/screen" "$tmp/b.json" "$ncols"; then
		ok "o shows prompt B's tokens and top-1 in the grid"
	else
		fail "grid of B differs from B's --print --format json"
	fi
else
	fail "o: no grid of prompt B"
fi
keys J

# 4. A session keeps prompt B, the comparison's metric and that the grid
# shows B.
keys S C-u
text "$tmp/s.yaml"
keys Enter
if wait_file "$tmp/s.yaml" 20 && wait_for 'saved ' "session saved"; then
	grep -q '^compare: "The dog sat on a mat"$' "$tmp/s.yaml" &&
	    grep -q '^metric: "compare-js"$' "$tmp/s.yaml" &&
	    grep -q '^panel: "compare"$' "$tmp/s.yaml" &&
	    grep -q '^grid_b: true$' "$tmp/s.yaml" &&
		ok "the session has prompt B, the metric, the panel, grid B" ||
		fail "session: $(cat "$tmp/s.yaml")"
else
	fail "S: no session written"
fi

# 5. w: the SVG of the comparison.
keys w C-u
text "$tmp/c.svg"
keys Enter
if wait_file "$tmp/c.svg" 20 && wait_for 'wrote .*compare-js' "export"; then
	grep -q 'vs “The dog sat on a mat”' "$tmp/c.svg" &&
	    grep -q 'largest change from A to B' "$tmp/c.svg" &&
		ok "w writes the comparison as SVG" ||
		fail "SVG without the comparison"
else
	fail "w: no SVG"
fi
keys q
wait_rc || fail "q: the explorer did not exit"

# 6. The session opens with prompt B's line and its metric.
start 100 40 xterm-256color C.UTF-8 -- --session="$tmp/s.yaml"
if wait_for '^B: The dog sat on a mat' "session's B" &&
    wait_for '^JS\(A, B\)' "session's metric" &&
    wait_for '^ B h.1 L2/3 P3/' "session's cell, grid B"; then
	check cmpgrid "$tmp/screen" "$tmp/cmp.json" "$ncols" &&
		ok "--session reopens the comparison" ||
		fail "--session: grid labels"
else
	fail "--session: no comparison"
fi
keys b
wait_gone '^B: ' && wait_for '^P\(top-1\)' "closed" &&
	! grep -q '^B[:>] ' "$tmp/screen" &&
	ok "b closes prompt B's line" || fail "b did not close B's line"

# 7. --compare and --logit-diff start the explorer comparing; the change of
# the logit difference is a metric (D) on the diverging scale.
start 100 40 xterm-256color C.UTF-8 -- --compare="$pb" \
    --logit-diff=" mat, the" "$pa"
if wait_for '^B: The dog sat' "--compare" && ready "--compare"; then
	keys Z
	wait_for 'logit\(X\) . logit\(Y\), B . A: ' "Z legend" &&
		ok "--logit-diff: the change of the logit difference" ||
		fail "Z: no logit-diff-change legend"
else
	fail "--compare: no comparison at start"
fi

# 8. A narrow terminal: the panel under the grid, A's and B's top-k side
# by side, the same numbers.
start 70 40 xterm-256color C.UTF-8 -- --compare="$pb" "$pa"
if ready "70 columns" && keys 0 l l j && wait_for '^  h.1 @ 3 ' "below"; then
	json "$pa" atr --track="$(topids b h.1 2)"
	json "$pb" btr --track="$(topids cmp h.1 2)"
	if grep -q '^  A top-k .* | B top-k' "$tmp/screen" &&
	    check cmppanel "$tmp/screen" "$tmp/cmp.json" h.1 2 \
	    "$tmp/b.json" "$tmp/atr.json" "$tmp/btr.json"; then
		ok "70 columns: A's and B's top-k side by side"
	else
		fail "70 columns: the comparison panel"
	fi
else
	fail "70 columns: no panel of h.1 @ 3"
fi

[ "$fails" -eq 0 ] || { echo "$fails failed"; exit 1; }
echo "all passed"
