#!/bin/sh
# tui-patch.sh: the explorer's patching view (P) end to end in a private
# tmux server (see TUI.md): the corrupted prompt asked for in the status
# line, the grid's effects and the panel's raw metric, effect, tokens,
# heads and attention against `--print --format json --patch=CLEAN
# --attention CORRUPTED` (tui-patch.py recomputes the effects), a new cell,
# every screen while the grid is computed in parts (each row the core's or
# pending), the head grid (H) and its panel, the target and anti-target
# (X, Y) and the metric (E) against --target, --anti-target and
# --patch-metric, saved in a session, the direction (D), an edit of the
# clean prompt, unequal lengths, the SVG export (w) and a session round
# trip.

. "${top_srcdir:-.}/tests/tui-lib.sh"

clean="Happy birthday to you"
corr="Happy anniversary to you"
pcheck() { "$python" "$top_srcdir/tests/tui-patch.py" "$@"; }
json "$corr" den --patch="$clean" --attention
json "$corr" noi --patch="$clean" --patch-direction=noise
json "$clean" cleanattn --attention
json "$corr" edited --patch="Happy birthday to me"
json "$corr" tgt --patch="$clean" --target=" the" --anti-target=" a"
json "$corr" prob --patch="$clean" --target=" the" --patch-metric=prob

# grid_now JSON: polls until the grid is the JSON's.
grid_now() {
	end=$(($(date +%s) + 20))
	until screen >"$tmp/screen" &&
	    pcheck grid "$tmp/screen" "$1" >/dev/null 2>&1; do
		[ "$(date +%s)" -le "$end" ] || break
		sleep 0.05
	done
	pcheck grid "$tmp/screen" "$1"
}

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
	# The grid in parts: each screen until ready, rows done or pending.
	end=$(($(date +%s) + 20)) parts=0 bad=0
	while [ "$(date +%s)" -le "$end" ]; do
		screen >"$tmp/screen" 2>/dev/null
		if grep -q '^embed ' "$tmp/screen"; then
			if ! pcheck partial "$tmp/screen" "$tmp/den.json" \
			    >"$tmp/part" 2>&1; then
				bad=1
				cat "$tmp/part"
				break
			fi
			grep -q pending "$tmp/part" && parts=$((parts + 1))
		fi
		grep -q ' ready |' "$tmp/screen" && break
	done
	[ "$bad" -eq 0 ] && ok "each screen's rows are the core's or pending" \
	    "($parts partial screens seen)" || fail "a partial grid differs"
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

	# The head grid: layers by heads, the selected head in the panel.
	keys H
	if wait_for "patching heads \(denoise\)" "H"; then
		pcheck heads "$tmp/screen" "$tmp/den.json" 1 0 &&
			ok "H: the head grid, on the cell's layer (h1.0)" ||
			fail "head grid differs"
		keys j l l
		end=$(($(date +%s) + 20))
		until screen >"$tmp/screen" && pcheck heads "$tmp/screen" \
		    "$tmp/den.json" 0 2 >/dev/null 2>&1; do
			[ "$(date +%s)" -le "$end" ] || break
			sleep 0.05
		done
		pcheck heads "$tmp/screen" "$tmp/den.json" 0 2 &&
			ok "the head grid's selection moves (h0.2)" ||
			fail "head h0.2"
	else
		fail "H: no head grid"
	fi
	keys H
	wait_for "patching \(denoise\)" "H back" >/dev/null &&
	    grep -q '^embed ' "$tmp/screen" &&
		ok "H goes back to the residual grid" || fail "H: not back"

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
	{ wait_for "patching \(denoise\)" "D back" && ready "denoised"; } \
	    >/dev/null || fail "D: not back to denoising"

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

	# The metric's tokens (X, Y) and the probability (E), in a session.
	keys X C-u
	text " the"
	keys Enter Y C-u
	text " a"
	keys Enter
	grid_now "$tmp/tgt.json" && grep -q 'logit(.the) - logit(.a)' \
	    "$tmp/screen" && ok "X, Y: the target and anti-target" ||
		fail "X, Y: grid differs from --target --anti-target"
	keys E
	grid_now "$tmp/prob.json" && grep -q 'p(.the)' "$tmp/screen" &&
		ok "E: the target's probability" ||
		fail "E: grid differs from --patch-metric=prob"
	keys S C-u
	text "$tmp/s2.yaml"
	keys Enter
	if wait_for "saved " "session saved"; then
		grep -q '^patch_target: " the"$' "$tmp/s2.yaml" &&
		    grep -q '^patch_anti_target: " a"$' "$tmp/s2.yaml" &&
		    grep -q '^patch_metric: "prob"$' "$tmp/s2.yaml" &&
			ok "session file holds the metric and its tokens" ||
			fail "session file: $(cat "$tmp/s2.yaml")"
	else
		fail "session save"
	fi
	keys Y C-u Enter
	wait_for "patching anti-target: the corrupted run's top-1" "Y" \
	    >/dev/null && ok "an empty anti-target is the default again" ||
		fail "Y: no default"
	keys E X C-u Enter
	grid_now "$tmp/den.json" >/dev/null &&
		ok "the default metric again" || fail "E, X: not the default"

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

start 110 36 xterm-256color C.UTF-8 -- --session "$tmp/s2.yaml"
if wait_for "patching \(denoise\)" "session 2 opened"; then
	grid_now "$tmp/prob.json" && grep -q 'p(.the)' "$tmp/screen" &&
		ok "a saved session keeps the metric and its target" ||
		fail "session 2: grid differs from --patch-metric=prob"
else
	fail "session 2: no patching view"
fi

[ "$fails" -eq 0 ] || exit 1
