#!/bin/sh
# tui.sh: end-to-end tests of the explorer, driven inside a private tmux
# server (see TUI.md): what the screen shows is checked against the lens
# that `logitlens --print --format json` computes for the same prompt.
# Needs tmux, python3 and the fixture models; skips (77) without them.

. "${top_srcdir:-.}/tests/tui-lib.sh"

check() { "$python" "$tmp/check.py" "$@"; }

cat >"$tmp/check.py" <<'EOT'
# check.py MODE SCREEN JSON [ARGS]: compares the screen with the lens.
import json, re, sys

mode, screen_path, json_path = sys.argv[1:4]
screen = open(screen_path, encoding="utf-8").read().split("\n")
lens = json.load(open(json_path, encoding="utf-8"))
CW = 8
errors = []

def shown(text):
    """tok_display for printable ASCII tokens; None when not comparable."""
    if any(ord(c) < 0x20 or ord(c) > 0x7e for c in text):
        return None
    return text.replace(" ", "\u00b7")

def fit(s, w):
    return s.ljust(w) if len(s) <= w else s[:w - 1] + "\u2026"

def grid_x():
    n = lens["model"]["n_layer"]
    return max(5, len("h.%d" % (n - 1))) + 1

def cells_line(name):
    for line in screen:
        if line.startswith(name + " ") and len(line) > len(name):
            return line
    errors.append("no grid line for %s" % name)
    return None

def check_grid(ncols):
    toks = lens["tokens"]
    gx = grid_x()
    head = [l for l in screen if l.startswith("input")]
    if not head:
        errors.append("no token header")
        return
    for t in range(ncols):
        want = shown(toks[t]["text"])
        x = gx + t * (CW + 1)
        got = head[0][x:x + CW]
        if want is not None and got != fit(want, CW):
            errors.append("header %d: got %r, expected %r" %
                          (t, got, fit(want, CW)))
    for row in lens["rows"]:
        line = cells_line(row["name"])
        if line is None:
            continue
        for t in range(ncols):
            cell = row["cells"][t]
            top = cell["top"][0]
            want = shown(top["text"])
            x = gx + t * (CW + 1)
            got = line[x + 1:x + CW - 1]
            if want is not None and got != fit(want, CW - 2):
                errors.append("%s pos %d: got %r, expected %r" %
                              (row["name"], t, got, fit(want, CW - 2)))
            mark = line[x + CW - 1:x + CW]
            nxt = cell.get("next_id")
            if nxt is not None and nxt >= 0 and top["id"] == nxt and \
               mark not in ("\u2713", "="):
                errors.append("%s pos %d: top-1 is the next token but "
                              "not marked (%r)" % (row["name"], t, mark))

def panel():
    out = []
    for line in screen:
        i = line.find("\u2502")
        if i > 0:
            out.append(line[i + 1:].strip())
    return out

def num(s):
    return float(s)

def close(a, b, rel=2e-3, abs_=2e-3):
    return abs(a - b) <= max(abs_, rel * abs(b))

def check_panel(name, pos):
    row = [r for r in lens["rows"] if r["name"] == name][0]
    cell = row["cells"][pos]
    p = panel()
    title = [l for l in p if l.startswith("%s @ %d " % (name, pos + 1))]
    if not title:
        errors.append("panel title for %s @ %d missing: %r" %
                      (name, pos + 1, p[:1]))
    entries = {}
    for l in p:
        m = re.match(r"^\s*(\d+) (.{12}) +(\S+) +(\S+)", l)
        if m:
            entries[int(m.group(1))] = m.groups()
    for k, top in enumerate(cell["top"], 1):
        if k not in entries:
            errors.append("top-%d missing from the panel" % k)
            continue
        _, tok, prob, logit = entries[k]
        want = shown(top["text"])
        if want is not None and tok != fit(want, 12):
            errors.append("top-%d token %r, expected %r" % (k, tok, want))
        if not close(num(prob), top["prob"], 0.06, 6e-5):
            errors.append("top-%d prob %s, expected %g" %
                          (k, prob, top["prob"]))
        if not close(num(logit), top["logit"]):
            errors.append("top-%d logit %s, expected %g" %
                          (k, logit, top["logit"]))
    stats = "\n".join(p)
    m = re.search(r"KL\(final\|\|here\) (\S+)", stats)
    if not m or not close(num(m.group(1)), cell["kl"], 1e-3, 2e-4):
        errors.append("KL %s, expected %g" % (m and m.group(1), cell["kl"]))
    m = re.search(r"entropy +(\S+)", stats)
    if not m or not close(num(m.group(1)), cell["entropy"], 1e-3, 2e-4):
        errors.append("entropy %s, expected %g" %
                      (m and m.group(1), cell["entropy"]))
    ranks = re.findall(r"rank (\d+)", stats)
    if not ranks or int(ranks[0]) != cell["final_top1_rank"]:
        errors.append("final top-1 rank %s, expected %d" %
                      (ranks[:1], cell["final_top1_rank"]))
    if cell.get("next_id", -1) >= 0 and \
       (len(ranks) < 2 or int(ranks[1]) != cell["next_rank"]):
        errors.append("next token rank %s, expected %d" %
                      (ranks[1:2], cell["next_rank"]))

def cell_text(name, t):
    line = cells_line(name)
    if line is None:
        return None
    x = grid_x() + t * (CW + 1)
    return line[x + 1:x + CW - 1]

def printed_close(text, want):
    """Whether text, as printed, rounds want (half its last digit)."""
    s = text.strip()
    try:
        v = float(s)
    except ValueError:
        return False
    m = re.match(r"^[+-]?\d+(?:\.(\d*))?(?:e([+-]\d+))?$", s)
    if not m:
        return False
    d = len(m.group(1) or "")
    e = int(m.group(2) or 0)
    tol = 0.5 * 10 ** (e - d) * 1.01 + 2e-6
    return abs(v - want) <= tol

def ids_upto(t):
    return [tok["id"] for tok in lens["tokens"][:t + 1]]

def check_track(tid, ncols):
    """The grid shows tracked token tid's probability in every cell."""
    n = 0
    for row in lens["rows"]:
        for t in range(ncols):
            cell = row["cells"][t]
            got = cell_text(row["name"], t)
            if got is None:
                return
            tops = [e for e in cell["top"] if e["id"] == tid]
            if tops:
                n += 1
                if not printed_close(got, tops[0]["prob"]):
                    errors.append("%s pos %d: P(tracked) %r, expected %g" %
                                  (row["name"], t, got, tops[0]["prob"]))
            else:
                # Not in the top-k: at most the k-th probability.
                try:
                    v = float(got)
                except ValueError:
                    errors.append("%s pos %d: %r is no number" %
                                  (row["name"], t, got))
                    continue
                if v > cell["top"][-1]["prob"] + 1e-3:
                    errors.append("%s pos %d: P(tracked) %g above the "
                                  "top-k" % (row["name"], t, v))
    if n == 0:
        errors.append("token %d is in no cell's top-k" % tid)

def check_delta(ncols):
    """Delta of P(top-1): the row minus the row below, from the JSON."""
    rows = lens["rows"]
    for i, row in enumerate(rows):
        for t in range(ncols):
            got = cell_text(row["name"], t)
            if got is None:
                return
            if i == 0:
                if got.strip():
                    errors.append("embed pos %d: %r, expected nothing" %
                                  (t, got))
                continue
            want = row["cells"][t]["top"][0]["prob"] - \
                rows[i - 1]["cells"][t]["top"][0]["prob"]
            if not printed_close(got, want) or got.strip()[0] not in "+-":
                errors.append("%s pos %d: delta %r, expected %+g" %
                              (row["name"], t, got, want))

def check_mask(ncols):
    """Each cell shows its best top-k token that is no input token yet."""
    masked = 0
    for row in lens["rows"]:
        for t in range(ncols):
            cell = row["cells"][t]
            got = cell_text(row["name"], t)
            if got is None:
                return
            ok = [e for e in cell["top"] if e["id"] not in ids_upto(t)]
            if cell["top"][0]["id"] in ids_upto(t):
                masked += 1
            want = shown(ok[0]["text"]) if ok else "-"
            if want is not None and got != fit(want, CW - 2):
                errors.append("%s pos %d: masked %r, expected %r" %
                              (row["name"], t, got, fit(want, CW - 2)))
    if masked == 0:
        errors.append("no cell's top-1 copies the input: a weak test")

def check_cands(pos, k):
    """Candidates: union of every row's top-k, by max probability."""
    best = {}
    for i, row in enumerate(lens["rows"]):
        for e in row["cells"][pos]["top"]:
            if e["id"] not in best or e["prob"] > best[e["id"]][0]:
                best[e["id"]] = (e["prob"], i, row["name"], e["text"])
    want = sorted(best.items(), key=lambda x: (-x[1][0], x[1][1], x[0]))
    got = []
    for l in panel():
        m = re.match(r"^\s*(\d+) (.{12}) +(\S+) +(\S+)$", l)
        if m:
            got.append(m.groups())
    if len(got) < k:
        errors.append("%d candidates shown, expected %d" % (len(got), k))
    for (n, tok, prob, name), (tid, (p, _, wname, text)) in zip(got, want):
        w = shown(text)
        if w is not None and tok != fit(w, 12):
            errors.append("candidate %s: %r, expected %r" % (n, tok, w))
        if not close(float(prob), p, 0.06, 6e-5) or name != wname:
            errors.append("candidate %s: %s at %s, expected %g at %s" %
                          (n, prob, name, p, wname))

def check_attrib(name, pos):
    """The parts and ln_f's bias add up to the logit of the top-1."""
    row = [r for r in lens["rows"] if r["name"] == name][0]
    parts, vals = [], {}
    for l in panel():
        m = re.match(r"^(embed|h\.\d+\.(?:attn|mlp)|ln_f bias|sum|logit)"
                     r" +([+-]\d+\.\d+)", l)
        if m:
            if m.group(1) in ("embed",) or m.group(1).startswith("h."):
                parts.append(m.group(1))
            vals[m.group(1)] = float(m.group(2))
    nl = int(name.split(".")[1]) + 1 if name != "embed" else 0
    want = ["embed"] + ["h.%d.%s" % (i, s) for i in range(nl)
                        for s in ("attn", "mlp")]
    if parts != want:
        errors.append("parts %r, expected %r" % (parts, want))
    if "logit" not in vals or "sum" not in vals:
        errors.append("no sum or logit: %r" % panel())
        return
    total = sum(vals[p] for p in parts) + vals.get("ln_f bias", 0)
    if abs(total - vals["logit"]) > 1e-4 * (len(parts) + 2):
        errors.append("parts add up to %g, the logit is %g" %
                      (total, vals["logit"]))
    if abs(vals["sum"] - vals["logit"]) > 1e-4:
        errors.append("sum %g != logit %g" % (vals["sum"], vals["logit"]))
    top = row["cells"][pos]["top"][0]
    if not close(vals["logit"], top["logit"]):
        errors.append("logit %g, the lens says %g" %
                      (vals["logit"], top["logit"]))

def check_spark(tid, pos):
    """The tracked view: the sparkline of tid over the rows at pos."""
    bars = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
    p = panel()
    lines = [i for i, l in enumerate(p) if l.startswith("tracked:")]
    if not lines or lines[0] + 2 >= len(p):
        errors.append("no tracked view: %r" % p)
        return
    spark = p[lines[0] + 2].strip()
    rows = lens["rows"]
    if len(spark) != len(rows):
        errors.append("sparkline %r has %d glyphs for %d rows" %
                      (spark, len(spark), len(rows)))
        return
    n = 0
    for i, row in enumerate(rows):
        tops = [e for e in row["cells"][pos]["top"] if e["id"] == tid]
        if tops:
            n += 1
            want = bars[int(tops[0]["prob"] * 7 + 0.5)]
            if spark[i] != want and \
               abs(tops[0]["prob"] * 7 - int(tops[0]["prob"] * 7) - .5) > .01:
                errors.append("sparkline at %s: %r, expected %r (p %g)" %
                              (row["name"], spark[i], want, tops[0]["prob"]))
    if n == 0:
        errors.append("token %d in no top-k at pos %d" % (tid, pos))

if mode == "grid":
    check_grid(int(sys.argv[4]))
elif mode == "panel":
    check_panel(sys.argv[4], int(sys.argv[5]))
elif mode == "track":
    check_track(int(sys.argv[4]), int(sys.argv[5]))
elif mode == "delta":
    check_delta(int(sys.argv[4]))
elif mode == "mask":
    check_mask(int(sys.argv[4]))
elif mode == "cands":
    check_cands(int(sys.argv[4]), int(sys.argv[5]))
elif mode == "attrib":
    check_attrib(sys.argv[4], int(sys.argv[5]))
elif mode == "spark":
    check_spark(int(sys.argv[4]), int(sys.argv[5]))
for e in errors:
    print("  " + e)
sys.exit(1 if errors else 0)
EOT

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

[ $fails -eq 0 ] || { echo "$fails failed"; exit 1; }
exit 0
