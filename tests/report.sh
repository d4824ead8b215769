#!/bin/sh
# report.sh: the output formats and --print-config, end to end.
#
# On the tiny-gpt2 fixture: --format yaml reads back (PyYAML) equal to
# --format json; --format svg is valid XML (xmllint), renders (rsvg-convert)
# to a PNG of the SVG's size that is not blank, holds the JSON's top-1
# texts and one mark per cell whose top-1 is the next token; --print-config
# reads back as the defaults plus what --config sets. Parts whose tool is
# missing are skipped and said so.

: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/logitlens
fix=${LOGITLENS_FIXTURES:-$top_srcdir/../shared/fixtures}/tiny-gpt2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
skipped=

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
[ -d "$fix" ] || { echo "SKIP: fixture not found ($fix)"; exit 77; }
python3 -c 'import yaml' 2>/dev/null && have_yaml=1 || have_yaml=

# No configuration but the one given.
HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config
export HOME XDG_CONFIG_HOME
mkdir -p "$XDG_CONFIG_HOME"
run() { "$bin" -m "$fix" -p "$@" 2>"$tmp/err"; }

# YAML equals JSON, hazards included.
prompt=$(printf 'yes: no 0x1F 1e5 ~ "<&>"\t\\ caf\303\251 \377 end')
run -s -k 3 -f json "$prompt" >"$tmp/a.json" || bad "json: $(cat "$tmp/err")"
run -s -k 3 -f yaml "$prompt" >"$tmp/a.yaml" || bad "yaml: $(cat "$tmp/err")"
if [ -n "$have_yaml" ]; then
	python3 - "$tmp/a.json" "$tmp/a.yaml" <<'EOF' && ok || bad "yaml != json"
import json, sys, yaml
j = json.load(open(sys.argv[1], encoding="utf-8"))
y = yaml.safe_load(open(sys.argv[2], encoding="utf-8"))
if j != y:
    for k in j:
        if j[k] != y.get(k):
            print("differs at", k, file=sys.stderr)
    sys.exit(1)
EOF
else
	skipped="$skipped yaml(python3-yaml)"
fi

# SVG: the grid of a prompt whose repeats the lens gets right.
prompt="a a a b b b the the the"
run -s -f json "$prompt" >"$tmp/b.json" || bad "json: $(cat "$tmp/err")"
run -s -f svg "$prompt" >"$tmp/b.svg" || bad "svg: $(cat "$tmp/err")"
if command -v xmllint >/dev/null; then
	xmllint --noout "$tmp/b.svg" && ok || bad "xmllint rejects the SVG"
else
	skipped="$skipped xmllint(libxml2-utils)"
fi
python3 - "$tmp/b.json" "$tmp/b.svg" <<'EOF' && ok || bad "svg content"
import json, re, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
svg = open(sys.argv[2], encoding="utf-8").read()
rows, bad = j["rows"], 0
hits = sum(1 for r in rows for c in r["cells"]
           if "next_id" in c and c["top"][0]["id"] == c["next_id"])
marks = svg.count('class="hit"')
if hits == 0 or marks != hits:
    print(f"{marks} marks, {hits} cells whose top-1 is the next token",
          file=sys.stderr)
    bad += 1
cells = re.findall(r'<text x="\d+" y="\d+" text-anchor="middle" '
                   r'fill="#[0-9a-f]{6}">([^<]*)', svg)
if len(cells) != len(rows) * len(j["tokens"]):
    print(f"{len(cells)} cell texts", file=sys.stderr)
    bad += 1
# Final row first, as in plot_logit_lens; spaces shown as '·'.
i = 0
for r in reversed(rows):
    for c in r["cells"]:
        t = c["top"][0]["text"]
        want = t.replace(" ", "\u00b7")
        if (i < len(cells) and re.fullmatch(r"[ -~]{1,7}", t) and "\\" not in t
                and cells[i] != want.replace("&", "&amp;").replace(
                    "<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")):
            print(f"cell {i}: {cells[i]!r}, expected {want!r}",
                  file=sys.stderr)
            bad += 1
        i += 1
sys.exit(1 if bad else 0)
EOF
if command -v rsvg-convert >/dev/null; then
	rsvg-convert "$tmp/b.svg" -o "$tmp/b.png" 2>"$tmp/err" && ok ||
	    bad "rsvg-convert: $(cat "$tmp/err")"
	python3 - "$tmp/b.svg" "$tmp/b.png" <<'EOF' && ok || bad "the PNG"
import re, struct, sys, zlib
svg = open(sys.argv[1], encoding="utf-8").read()
png = open(sys.argv[2], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(png):
    n, kind = struct.unpack(">I4s", png[pos:pos + 8])
    data = png[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", data[:10])
    elif kind == b"IDAT":
        idat += data
    pos += 12 + n
sw, sh = (int(x) for x in re.search(r'<svg [^>]*width="(\d+)" '
                                    r'height="(\d+)"', svg).groups())
if (w, h) != (sw, sh):
    sys.exit(f"PNG {w}x{h}, SVG {sw}x{sh}")
assert depth == 8 and ctype in (2, 6), f"PNG type {ctype}/{depth}"
bpp = 3 if ctype == 2 else 4
raw, stride, prev, img = zlib.decompress(idat), w * bpp, None, []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:
                                                   (y + 1) * (stride + 1)])
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x] if prev else 0
        c = prev[x - bpp] if prev and x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else
                                  b if pb <= pc else c)) & 255
    img.append(line)
    prev = line
def px(x, y):
    return tuple(img[y][x * bpp:x * bpp + 3])
colours = {px(x, y) for y in range(0, h, 3) for x in range(0, w, 3)}
if len(colours) < 20:
    sys.exit(f"only {len(colours)} colours: blank?")
# Each cell's fill, near its top-left corner, where no text is.
bad = 0
for x, y, fill in re.findall(r'<rect x="(\d+)" y="(\d+)" width="64" '
                             r'height="22" fill="#([0-9a-f]{6})"', svg):
    want = tuple(bytes.fromhex(fill))
    got = px(int(x) + 3, int(y) + 3)
    if max(abs(a - b) for a, b in zip(got, want)) > 2:
        print(f"cell at {x},{y}: {got}, fill {want}", file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
EOF
else
	skipped="$skipped rsvg-convert(librsvg2-bin)"
fi

# Every metric draws; a bad one is refused, and so is nothing at all.
for m in prob final-prob final-logit final-rank next-rank next-prob kl \
    entropy; do
	printf 'metric: %s\n' "$m" >"$tmp/m.yaml"
	run -c "$tmp/m.yaml" -f svg "$prompt" >"$tmp/m.svg" &&
	    grep -q '</svg>' "$tmp/m.svg" && ok || bad "metric $m"
done

# --print-config: the defaults, and the defaults plus a file.
"$bin" --print-config >"$tmp/def.yaml" || bad "--print-config"
printf 'metric: kl\ntop-k: 7\nkeys:\n  quit: [q, C-c]\n' >"$tmp/c.yaml"
"$bin" --print-config -c "$tmp/c.yaml" >"$tmp/c.out" ||
    bad "--print-config -c"
"$bin" --print-config -c "$tmp/c.yaml" -k 3 -s >"$tmp/c2.out" ||
    bad "--print-config -c -k -s"
if [ -n "$have_yaml" ]; then
	python3 - "$tmp" "$top_srcdir/data/config.yaml" <<'EOF' && ok ||
import sys, yaml
d = sys.argv[1]
load = lambda p: yaml.safe_load(open(p, encoding="utf-8"))
default, shipped = load(d + "/def.yaml"), load(sys.argv[2])
if default != shipped:
    sys.exit(f"defaults {default} != data/config.yaml {shipped}")
want = dict(default, metric="kl", **{"top-k": 7})
want["keys"] = {"quit": ["q", "C-c"]}
got = load(d + "/c.out")
if got != want:
    sys.exit(f"with the file: {got}, expected {want}")
want2 = dict(got, sublayers=True, **{"top-k": 3})
if load(d + "/c2.out") != want2:
    sys.exit(f"with options: {load(d + '/c2.out')}, expected {want2}")
EOF
	    bad "--print-config"
fi

echo "report.sh: $pass passed, $fail failed${skipped:+; skipped:$skipped}"
[ $fail -eq 0 ]
