#!/bin/sh
# compare.sh: --compare and --logit-diff end to end. The JSON's numbers
# against a double-precision GPT-2 run by tests/compare-ref.py (itself first
# checked against Hugging Face's lens_ref.json); YAML, TSV, text and SVG
# against the JSON; and the input errors.

. "${top_srcdir:-.}/tests/cli-lib.sh"
m=$fix/tiny-gpt2
[ -d "$m" ] || { echo "SKIP: fixtures not found ($fix)"; exit 77; }
ref=$top_srcdir/tests/compare-ref.py
a='Happy birthday to You, happy'	# lens_ref.json's first prompt
b='Happy birthday to Mary, happy birthday'
pair=' happy,#11'	# ' happy' is 3772; 11 is ','

# refcheck MODEL JSON PAIR [LENS_REF]: the reference's verdict.
refcheck() {
	if python3 "$ref" "$@" >"$tmp/ref" 2>&1; then
		ok
	else
		bad "reference ($*): $(head -c 1500 "$tmp/ref")"
	fi
}

# B longer than A, with the sub-layers' rows and a logit difference.
expect 0 '' "$bin" -m "$m" -p -f json -s --compare="$b" --logit-diff="$pair" \
    "$a"
cp "$tmp/out" "$tmp/ab.json"
refcheck "$m" "$tmp/ab.json" 3772,11 "$m/lens_ref.json"

# B shorter than A, block rows only, no pair; the F16 model.
expect 0 '' "$bin" -m "$fix/tiny-gpt2-f16" -p -f json --compare="Happy new" "$a"
cp "$tmp/out" "$tmp/f16.json"
refcheck "$fix/tiny-gpt2-f16" "$tmp/f16.json" -

# One prompt: the logit difference and the surprisal alone.
expect 0 '' "$bin" -m "$m" -p -f json -s --logit-diff="$pair" "$a"
cp "$tmp/out" "$tmp/a.json"
refcheck "$m" "$tmp/a.json" 3772,11
grep -q '"compare' "$tmp/a.json" && bad "a comparison without --compare" || ok

# Equal prompts: every cell compares as 0.
expect 0 '' "$bin" -m "$m" -p -f json --compare="$a" "$a"
python3 - "$tmp/out" <<'PY' && ok || bad "equal prompts do not compare as 0"
import json, sys
d = json.load(open(sys.argv[1]))
cells = [c["compare"] for r in d["rows"] for c in r["cells"]]
sys.exit(0 if cells and all(c["kl"] == c["js"] == c["tv"] == 0 and
                            c["max_delta"]["delta"] == 0 for c in cells) else 1)
PY

# YAML is the JSON tree; TSV and text carry the same numbers.
expect 0 '' "$bin" -m "$m" -p -f yaml -s --compare="$b" --logit-diff="$pair" \
    "$a"
cp "$tmp/out" "$tmp/ab.yaml"
expect 0 '' "$bin" -m "$m" -p -f tsv -s --compare="$b" --logit-diff="$pair" \
    "$a"
cp "$tmp/out" "$tmp/ab.tsv"
expect 0 '' "$bin" -m "$m" -p -f text -s --compare="$b" --logit-diff="$pair" \
    "$a"
cp "$tmp/out" "$tmp/ab.txt"
if python3 - "$tmp/ab.json" "$tmp/ab.yaml" "$tmp/ab.tsv" "$tmp/ab.txt" \
    >"$tmp/py" 2>&1 <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
err = []
try:
    import yaml
except ImportError:
    yaml = None

def same(x, y):
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and \
            all(same(x[k], y[k]) for k in x)
    if isinstance(x, list):
        return isinstance(y, list) and len(x) == len(y) and \
            all(same(a, b) for a, b in zip(x, y))
    if isinstance(x, float):
        return isinstance(y, float) and abs(x - y) <= 1e-7 * max(1, abs(x))
    return x == y

if yaml is not None and not same(d, yaml.safe_load(open(sys.argv[2]))):
    err.append("YAML is not the JSON tree")
cells = {(r["name"], p): c for r in d["rows"] for p, c in enumerate(r["cells"])}
lines = open(sys.argv[3], encoding="utf-8").read().splitlines()
head = lines[0].split("\t")
col = {k: head.index(k) for k in ("surprisal", "logit_diff", "cmp_token_id",
                                  "cmp_kl", "cmp_js", "cmp_tv", "cmp_max_id",
                                  "cmp_max_delta", "cmp_logit_diff")}
n = 0
for l in lines[1:]:
    f = l.split("\t")
    c = cells[(f[0], int(f[1]))]
    want = {"surprisal": c.get("surprisal"), "logit_diff": c["logit_diff"]}
    if "compare" in c:
        x = c["compare"]
        want.update(cmp_kl=x["kl"], cmp_js=x["js"], cmp_tv=x["tv"],
                    cmp_max_delta=x["max_delta"]["delta"],
                    cmp_logit_diff=x["logit_diff"])
        if int(f[col["cmp_max_id"]]) != x["max_delta"]["id"] or \
           int(f[col["cmp_token_id"]]) != d["compare_tokens"][int(f[1])]["id"]:
            err.append("tsv %s: ids" % f[:2])
        n += 1
    elif f[col["cmp_kl"]] != "":
        err.append("tsv %s: compared, JSON not" % f[:2])
    for k, v in want.items():
        if v is None and f[col[k]] == "":
            continue
        if v is None or abs(float(f[col[k]]) - v) > 1e-6 * max(abs(v), 1e-30):
            err.append("tsv %s: %s %s, JSON %r" % (f[:2], k, f[col[k]], v))
if n != 6 * len(d["rows"]):
    err.append("tsv: %d compared cells" % n)
# Text: per compared cell, +/- and the token that changed most, then JS.
text = open(sys.argv[4], encoding="utf-8").read().split("\n# compared with")[1]
names = {r["name"] for r in d["rows"]}
rows = [l for l in text.splitlines()[1:] if l[:10].strip() in names]
for l in rows[:len(d["rows"])]:
    name = l[:10].strip()
    got = [l[11 + 11 * p:21 + 11 * p].strip() for p in range(6)]
    for p, g in enumerate(got):
        x = cells[(name, p)]["compare"]["max_delta"]
        w = "=" if x["delta"] == 0 else \
            ("-" if x["delta"] < 0 else "+") + x["text"].replace(" ", "\u00b7")
        if g != w[:10]:
            err.append("text %s %d: %r, JSON %r" % (name, p, g, w))
if len(rows) < len(d["rows"]):
    err.append("text: %d rows in the comparison" % len(rows))
print("\n".join(err[:10]))
sys.exit(1 if err else 0)
PY
then ok; else bad "yaml/tsv/text: $(cat "$tmp/py")"; fi
grep -q '^ *\^ *\^ *$' "$tmp/ab.txt" && ok || bad "text: positions 3 and 6 unmarked"

# SVG: coloured by a comparison metric, each compared cell labelled with
# the token that changed most, signed; every comparison metric draws.
expect 0 '' "$bin" -m "$m" -p -f svg -s --compare="$b" --logit-diff="$pair" \
    "$a"
python3 - "$tmp/ab.json" "$tmp/out" <<'PY' && ok || bad "svg labels"
import json, re, sys
d = json.load(open(sys.argv[1]))
svg = open(sys.argv[2], encoding="utf-8").read()
want = sorted(("-" if c["compare"]["max_delta"]["delta"] < 0 else "+") +
              c["compare"]["max_delta"]["text"].replace(" ", "\u00b7")
              for r in d["rows"] for c in r["cells"]
              if c["compare"]["max_delta"]["delta"] != 0)
got = sorted(s + t for s, t in re.findall(
    r'<tspan class="sign">([+-])</tspan>([^<]*)</text>', svg))
if got != want or "JS(A, B)" not in svg or "input B" not in svg:
    print(got, want)
    sys.exit(1)
PY
for metric in compare-kl compare-js compare-tv logit-diff logit-diff-change \
    surprisal; do
	expect 0 '' "$bin" -m "$m" -p -f svg --compare="$b" --logit-diff="$pair" \
	    --metric=$metric "$a"
	grep -q '</svg>' "$tmp/out" || bad "svg --metric=$metric"
	if command -v rsvg-convert >/dev/null; then
		rsvg-convert "$tmp/out" >"$tmp/x.png" 2>"$tmp/rsvg" && ok ||
		    bad "rsvg-convert --metric=$metric: $(cat "$tmp/rsvg")"
	fi
done

# A hostile prompt B (invalid UTF-8, markup, escapes, controls) in every
# format: output that parses, no raw escape byte.
hostile=$(printf '\377\376 <b>&amp; \033[31m "x"\t\001\n')
for f in text json tsv yaml svg; do
	expect 0 '' "$bin" -m "$m" -p -f $f --compare="$hostile" \
	    --logit-diff='#0,#50256' "$a"
	cp "$tmp/out" "$tmp/h.$f"
done
python3 - "$tmp" <<'PY' && ok || bad "hostile prompt B: unsound output"
import json, sys, xml.dom.minidom
d = sys.argv[1]
json.load(open(d + "/h.json"))
xml.dom.minidom.parse(d + "/h.svg")
try:
    import yaml
    yaml.safe_load(open(d + "/h.yaml"))
except ImportError:
    pass
for f in ("text", "tsv", "svg", "json", "yaml"):
    if b"\x1b" in open(d + "/h." + f, "rb").read():
        sys.exit(1)
PY

# Bad input: a clear message and the documented status.
expect 2 'prompt B is empty' "$bin" -m "$m" -p --compare= "$a"
long=$(python3 -c 'print(" word" * 80)')
expect 2 'prompt B is 80 tokens, longer than' "$bin" -m "$m" -p \
    --compare="$long" "$a"
expect 0 '' "$bin" -m "$m" -p -f json --truncate --compare="$long" "$a"
expect 2 "'Happy birthday' is 2 tokens, not one" "$bin" -m "$m" -p \
    --logit-diff='Happy birthday, happy' "$a"
expect 1 'same token' "$bin" -m "$m" -p --logit-diff=' happy,#3772' "$a"
expect 1 'takes two tokens' "$bin" -m "$m" -p --logit-diff=' happy' "$a"
expect 1 'takes two tokens' "$bin" -m "$m" -p --logit-diff=' happy,a,b' "$a"
expect 1 'empty token' "$bin" -m "$m" -p --logit-diff=' happy,' "$a"
expect 1 'needs --compare' "$bin" -m "$m" -p -f svg --metric=compare-js "$a"
expect 1 'needs --logit-diff' "$bin" -m "$m" -p -f svg --metric=logit-diff "$a"
expect 1 'needs --logit-diff' "$bin" -m "$m" -p -f svg --compare="$b" \
    --metric=logit-diff-change "$a"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
