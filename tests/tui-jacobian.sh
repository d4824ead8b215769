#!/bin/sh
# tui-jacobian.sh: the explorer's Jacobian lens, driven inside a private
# tmux server (see TUI.md). --jacobian FILE opens on its matrices (beside
# --tuned, the tuned lens first); t cycles logit -> tuned -> Jacobian ->
# logit, skipping a lens not loaded; the legend names the lens shown; each
# grid is the one --print computes with the same lens.

. "${top_srcdir:-.}/tests/tui-lib.sh"

prompt="Happy birthday to You, happy"
# Lens files for the fixture (3 layers, 32 wide): seeded random matrices.
"$python" -c 'import json, random, struct, sys
L, C = 3, 32
random.seed(11)
def write(path, tensors):
    hdr, data = {}, b""
    for name, shape, vals in tensors:
        hdr[name] = {"dtype": "F32", "shape": shape,
            "data_offsets": [len(data), len(data) + 4 * len(vals)]}
        data += struct.pack("<%df" % len(vals), *vals)
    h = json.dumps(hdr).encode()
    h += b" " * (-len(h) % 8)
    open(path, "wb").write(struct.pack("<Q", len(h)) + h + data)
g = lambda n, s: [random.gauss(0, s) for _ in range(n)]
write(sys.argv[1], [x for i in range(L) for x in (
    ("translators.%d.weight" % i, [C, C], g(C * C, 0.4)),
    ("translators.%d.bias" % i, [C], g(C, 0.4)))])
write(sys.argv[2], [("jacobians.%d" % i, [C, C],
    [v + (1.0 if k % (C + 1) == 0 else 0.0) for k, v in
     enumerate(g(C * C, 0.4))]) for i in range(L)])' \
    "$tmp/tuned.st" "$tmp/jac.st" || { echo "ERROR: lens files"; exit 99; }
json "$prompt" logit
json "$prompt" tuned --tuned "$tmp/tuned.st"
json "$prompt" jac --jacobian "$tmp/jac.st"
cmp -s "$tmp/logit.json" "$tmp/jac.json" &&
	{ echo "ERROR: the Jacobian lens gives the logit lens's JSON"; exit 99; }

# shows NAME FLAG JSON WHAT: the legend's flag (none for the logit lens)
# and the grid of --print with that lens.
shows() {
	if [ -n "$2" ]; then
		wait_for "  $2( |$)" "$4 flag" || { fail "$4: no '$2' flag"; return; }
	fi
	ready "$4" && check grid "$tmp/screen" "$3" 6 &&
		ok "$4" || fail "$4: grid differs from --print"
	if [ -z "$2" ] && grep -Eq '  (tuned|jacobian)( |$)' "$tmp/screen"; then
		fail "$4: a lens flag on the logit lens"
	fi
}

start 100 30 xterm-256color C.UTF-8 -- --tuned "$tmp/tuned.st" \
    --jacobian "$tmp/jac.st" "$prompt"
if ready "both lenses"; then
	shows tuned tuned "$tmp/tuned.json" "--tuned and --jacobian open on the tuned lens"
	keys t
	wait_for "Jacobian lens" "t: message" &&
		shows jac jacobian "$tmp/jac.json" "t: tuned -> Jacobian lens"
	keys t
	wait_for "logit lens" "t again: message" &&
		shows logit "" "$tmp/logit.json" "t: Jacobian -> logit lens"
	keys t
	wait_for "tuned lens" "t a third time: message" &&
		shows tuned tuned "$tmp/tuned.json" "t: logit -> tuned lens"
fi

start 100 30 xterm-256color C.UTF-8 -- --jacobian "$tmp/jac.st" "$prompt"
if ready "the Jacobian lens alone"; then
	shows jac jacobian "$tmp/jac.json" "--jacobian opens on the Jacobian lens"
	keys t
	wait_for "logit lens" "t: message" &&
		shows logit "" "$tmp/logit.json" "t: Jacobian -> logit (no tuned lens)"
	keys t
	wait_for "Jacobian lens" "t again: message" &&
		shows jac jacobian "$tmp/jac.json" "t: logit -> Jacobian lens"
fi

start 100 30 xterm-256color C.UTF-8 -- "$prompt"
if ready "no lens file"; then
	keys t
	wait_for "no tuned or Jacobian lens loaded" "t without lens files" &&
		ok "t without lens files says so" || fail "t without lens files"
fi

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
exit 0
