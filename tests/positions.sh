#!/bin/sh
# positions.sh: --positions A:B, a window of a long prompt for --print text,
# tsv and svg. The window must be exactly that slice of the whole lens (whose
# numbers cli.sh checks against PyTorch), and the SVG as wide as its cells.

. "${top_srcdir:-.}/tests/cli-lib.sh"

fixm=$fix/tiny-gpt2
[ -f "$fixm/model.safetensors" ] || { echo "SKIP: fixture $fixm absent"; exit 77; }

prompt=$(python3 -c "print(' '.join(['In the beginning God created the' \
    ' heaven and the earth.'] * 4))")
run() { "$bin" --model "$fixm" --print "$@"; }

for f in text tsv; do
	run -f $f "$prompt" >"$tmp/all.$f" || bad "-f $f"
	run -f $f --positions 20:29 "$prompt" >"$tmp/win.$f" ||
		bad "-f $f --positions 20:29"
done
run -f json "$prompt" >"$tmp/all.json" || bad "-f json"
run -f svg --positions 20:29 "$prompt" >"$tmp/win.svg" || bad "svg window"
run -f svg --positions 40: "$prompt" >"$tmp/end.svg" || bad "svg 40:"
run -f tsv --positions 7 "$prompt" >"$tmp/one.tsv" || bad "tsv 7"

python3 - "$tmp" <<'EOF' && ok || bad "windows differ from the whole lens"
import json, re, sys
d = sys.argv[1]
read = lambda n: open("%s/%s" % (d, n), encoding="utf-8").read()
T = len(json.loads(read("all.json"))["tokens"])
errs = []
# text: each line is an 11-column label, then 11 columns per position.
a, w = read("all.text").split("\n"), read("win.text").split("\n")
if len(a) != len(w):
    errs.append("text: %d lines, expected %d" % (len(w), len(a)))
for x, y in zip(a, w):
    if x.startswith("#"):
        continue
    want = (x[:11] + x[11 + 11 * 19:11 + 11 * 29]).rstrip()
    if y.rstrip() != want:
        errs.append("text: %r, expected %r" % (y, want))
# tsv: the lines of positions 19..28 (0-based), in the same order.
def tsv(name, keep):
    lines = read(name).rstrip("\n").split("\n")
    return [lines[0]] + [l for l in lines[1:] if keep(int(l.split("\t")[1]))]
if read("win.tsv").rstrip("\n").split("\n") != tsv("all.tsv",
                                                    lambda p: 19 <= p < 29):
    errs.append("tsv 20:29 is not the slice of the whole")
if read("one.tsv").rstrip("\n").split("\n") != tsv("all.tsv",
                                                   lambda p: p == 6):
    errs.append("tsv 7 is not position 7")
# svg: every cell in the window, 4 rows each; width from the cells.
for name, lo, hi in (("win.svg", 19, 29), ("end.svg", 39, T)):
    svg = read(name)
    pos = [int(p) for p in re.findall(r"<title>[^,<]+, position (\d+):", svg)]
    if sorted(set(pos)) != list(range(lo, hi)) or len(pos) != 4 * (hi - lo):
        errs.append("%s: cells at %s" % (name, sorted(set(pos))))
    width = int(re.search(r'<svg [^>]*width="(\d+)"', svg).group(1))
    if width != max(640, 84 + 64 * (hi - lo) + 152):
        errs.append("%s: width %d" % (name, width))
    if "(positions %d\u2013%d of %d)" % (lo + 1, hi, T) not in svg:
        errs.append("%s: the title does not say the window" % name)
if errs:
    print("\n".join(errs[:10]))
    sys.exit(1)
EOF

# Ranges outside the prompt, and formats that give every position.
for spec in 0:3 3:2 2:999 abc 1:x ""; do
	expect 1 "positions: '$spec' is not a range" \
	    "$bin" --model "$fixm" --print --positions="$spec" "$prompt"
done
for f in json yaml; do
	expect 1 "positions: only with --format text, tsv or svg" \
	    "$bin" --model "$fixm" --print -f $f --positions 1:2 "$prompt"
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
