#!/bin/sh
# tui-patch.sh: the explorer's patching view (P) end to end in a private
# tmux server (see TUI.md): the corrupted prompt asked for in the status
# line, the grid's effects and the panel's raw metric, effect, tokens,
# heads and attention against `--print --format json --patch=CLEAN
# --attention CORRUPTED` (tui-patch.py recomputes the effects), a new cell,
# the direction (D), an edit of the clean prompt, unequal lengths, the SVG export (w) and a session
# round trip.

. "${top_srcdir:-.}/tests/tui-lib.sh"

clean="Happy birthday to you"
corr="Happy anniversary to you"
pcheck() { "$python" "$top_srcdir/tests/tui-patch.py" "$@"; }
json "$corr" den --patch="$clean" --attention
json "$corr" noi --patch="$clean" --patch-direction=noise
json "$clean" cleanattn --attention
json "$corr" edited --patch="Happy birthday to me"

# panel_now ROW POS JSON [ATTN]: polls until the panel is the JSON's.
panel_now() {
	end=$(($(date +%s) + 20))
	while [ "$(date +%s)" -le "$end" ]; do
		screen >"$tmp/screen" 2>/dev/null
		pcheck panel "$tmp/screen" "$3" "$1" "$2" ${4:+"$4"} \
		    >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	pcheck panel "$tmp/screen" "$3" "$1" "$2" ${4:+"$4"}
}

start 110 36 xterm-256color C.UTF-8 -- "$clean"
if ready "lens"; then
	keys P
	wait_for "corrupted prompt:" "P asks for the corrupted prompt" &&
		ok "P asks for the corrupted prompt" || fail "P: no question"
	text "$corr"
	keys Enter
	if wait_for "patching \(denoise\)" "the patching view" &&
	    ready "patched" >/dev/null; then
		pcheck grid "$tmp/screen" "$tmp/den.json" &&
			ok "the grid's effects are the core's" ||
			fail "grid differs from --patch"
		panel_now h.2 3 "$tmp/den.json" &&
			ok "panel: raw metric, effect, tokens, heads, attention" ||
			fail "panel of h.2 P3"
		keys j h
		panel_now h.1 2 "$tmp/den.json" &&
			ok "panel follows the selection" ||
			fail "panel of h.1 P2"
		grep -q 'effect (m-corrupted)/(clean-corrupted): -1 .* +1' \
		    "$tmp/screen" && ok "legend of the diverging scale" ||
			fail "no legend"
	else
		fail "the patching view never showed"
	fi

	# Noising: the clean run patched, its attention shown.
	keys D
	if wait_for "patching \(noise\)" "D" && ready "noised" >/dev/null; then
		pcheck grid "$tmp/screen" "$tmp/noi.json" &&
		panel_now h.1 2 "$tmp/noi.json" "$tmp/cleanattn.json" &&
			ok "D: noising, as --patch-direction=noise" ||
			fail "noising differs"
	else
		fail "D: no noising"
	fi
	keys D

	# Export the patching figure.
	keys w C-u
	text "$tmp/p.svg"
	keys Enter
	wait_for "wrote .*p.svg \(patching\)" "export" &&
	    grep -q 'activation patching (denoise)' "$tmp/p.svg" &&
		ok "w writes the patching SVG" || fail "patching export"

	# Session: saved in the patching view, restored in a fresh explorer.
	keys S C-u
	text "$tmp/s.yaml"
	keys Enter
	if wait_for "saved " "session saved"; then
		grep -q '^view: "patch"$' "$tmp/s.yaml" &&
		    grep -q "^patch_corrupted: \"$corr\"\$" "$tmp/s.yaml" &&
		    grep -q '^patch_direction: "denoise"$' "$tmp/s.yaml" &&
			ok "session file holds the patching view" ||
			fail "session file: $(cat "$tmp/s.yaml")"
	else
		fail "session save"
	fi

	# An edit of the prompt line (the clean prompt): the grids again.
	keys e C-e BSpace BSpace BSpace
	text "me"
	keys Enter
	end=$(($(date +%s) + 20))
	until screen >"$tmp/screen" &&
	    pcheck grid "$tmp/screen" "$tmp/edited.json" >/dev/null 2>&1; do
		[ "$(date +%s)" -le "$end" ] || break
		sleep 0.05
	done
	pcheck grid "$tmp/screen" "$tmp/edited.json" &&
		ok "an edit of the clean prompt patches again" ||
		fail "after an edit: grid differs"
	keys e C-e BSpace BSpace
	text "you"
	keys Enter Escape

	# Unequal lengths: both counts and tokenizations, no grid.
	keys B C-u
	text "Happy happy birthday to you"
	keys Enter
	wait_for "clean prompt has 4 tokens .*corrupted one 5" "lengths" &&
		ok "unequal lengths: both counts" || fail "unequal lengths"
	keys P
	ready "lens again" >/dev/null && grep -q '^embed ' "$tmp/screen" &&
	    ! grep -q 'patching' "$tmp/screen" &&
		ok "P goes back to the lens" || fail "P: not back to the lens"
fi

start 110 36 xterm-256color C.UTF-8 -- --session "$tmp/s.yaml"
if wait_for "patching \(denoise\)" "session opened" &&
    ready "session patched" >/dev/null; then
	pcheck grid "$tmp/screen" "$tmp/den.json" &&
		ok "a saved session reopens the patching view" ||
		fail "session: grid differs"
else
	fail "session: no patching view"
fi

[ "$fails" -eq 0 ] || exit 1
