#!/bin/sh
# patch.sh: --patch and --attention end to end. Every patched value, head,
# attention weight and head attribution of the JSON against a float64
# PyTorch GPT-2 written out in tests/patch-ref.py (one whole forward pass per
# patched cell), on both fixture models; the other formats against the JSON;
# the errors; the benchmark's two sides, untimed, against each other.

. "${top_srcdir:-.}/tests/cli-lib.sh"

py=${PYTHON_TORCH:-/usr/bin/python3}
[ -d "$fix/tiny-gpt2" ] || { echo "SKIP: no fixtures in $fix"; exit 77; }
"$py" -c 'import torch, numpy' 2>/dev/null ||
    { echo "SKIP: $py has no torch/numpy"; exit 77; }
ref=$top_srcdir/tests/patch-ref.py

clean="The cat sat on the"
corr="The dog sat on the"

# ids PROMPT: the prompt's ids, comma-separated.
ids() {
	"$bin" -m "$fix/tiny-gpt2" -t "$1" | tr ' ' ,
}
cids=$(ids "$clean")

# check NAME MODEL CLEAN_IDS ARGS...: the JSON against the reference.
check() {
	name=$1 model=$2 c=$3
	shift 3
	"$bin" -m "$model" --print --format json "$@" >"$tmp/$name.json" \
	    2>"$tmp/err"
	st=$?
	if [ $st -ne 0 ]; then
		bad "$name: exit $st ($(head -c 300 "$tmp/err"))"
	elif "$py" "$ref" "$model" "$tmp/$name.json" $c >"$tmp/ref" 2>&1; then
		ok
	else
		bad "$name: $(head -c 1500 "$tmp/ref")"
	fi
}

# The defaults: the runs' top-1 differ in this model.
check defaults "$fix/tiny-gpt2" "$cids defaults" --patch "$clean" "$corr"
for m in tiny-gpt2 tiny-gpt2-f16; do
	check "$m-denoise" "$fix/$m" "$cids" -s --head-positions --attention \
	    --target=' cat' --anti-target=' dog' --patch "$clean" "$corr"
	check "$m-noise" "$fix/$m" "$cids" --patch-direction=noise \
	    --target=' sat' --anti-target='#11' --patch "$clean" "$corr"
	check "$m-prob" "$fix/$m" "$cids" --patch-metric=prob --target=' the' \
	    --head-positions --patch "$clean" "$corr"
done
# A longer pair, the prompt of indirect-object identification.
check long "$fix/tiny-gpt2" \
    "$(ids "When Mary and John went to the store, John gave a drink to")" \
    -s --target=' Mary' --anti-target=' John' \
    --patch "When Mary and John went to the store, John gave a drink to" \
    "When Mary and John went to the store, Mary gave a drink to"
check attention "$fix/tiny-gpt2" "" --attention --target=' on' "$corr"

# The contract's shape: rows follow --sublayers, T values each.
if python3 - "$tmp/tiny-gpt2-noise.json" "$tmp/tiny-gpt2-denoise.json" \
    >"$tmp/py" 2>&1 <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
p = a["patching"]
assert p["metric"] == "logit_diff" and p["direction"] == "noise"
assert p["target"]["text"] == " sat" and p["anti_target"]["id"] == 11, p
assert [r["name"] for r in p["rows"]] == ["embed", "h.0", "h.1", "h.2"]
assert all(len(r["values"]) == 5 for r in p["rows"])
assert [h["layer"] for h in p["heads"]] == [0, 1, 2]
assert all(len(h["values"]) == 4 and "positions" not in h for h in p["heads"])
q = b["patching"]
assert len(q["rows"]) == 7 and q["rows"][1]["name"] == "h.0.attn"
assert all(len(h["positions"]) == 4 for h in q["heads"])
assert [x["layer"] for x in b["attention"]] == [0, 1, 2]
assert "attention" not in a and "rows" in a and "tokens" in a
PY
then ok; else bad "json shape: $(cat "$tmp/py")"; fi

# text, tsv, yaml, svg say what the JSON says.
args="-m $fix/tiny-gpt2 --print --patch"
"$bin" $args "$clean" --format tsv "$corr" >"$tmp/tsv" 2>"$tmp/err" &&
"$bin" $args "$clean" --format text "$corr" >"$tmp/text" 2>>"$tmp/err" &&
"$bin" $args "$clean" --format svg "$corr" >"$tmp/svg" 2>>"$tmp/err" &&
"$bin" $args "$clean" --format yaml "$corr" >"$tmp/yaml" 2>>"$tmp/err" &&
"$bin" $args "$clean" --format json "$corr" >"$tmp/json" 2>>"$tmp/err" ||
    bad "formats: $(head -c 300 "$tmp/err")"
if python3 - "$tmp" >"$tmp/py" 2>&1 <<'PY'
import json, sys, xml.etree.ElementTree as ET
d = sys.argv[1]
p = json.load(open(d + "/json"))["patching"]
lines = open(d + "/tsv").read().splitlines()
assert lines[0].split("\t") == ["kind", "row", "pos", "clean", "corrupted",
                                "head", "metric", "effect"], lines[0]
rows = [l.split("\t") for l in lines[1:] if l.startswith("row\t")]
heads = [l.split("\t") for l in lines[1:] if l.startswith("head\t")]
assert len(rows) == 4 * 5 and len(heads) == 3 * 4, (len(rows), len(heads))
for r in rows:
    want = p["rows"][["embed", "h.0", "h.1", "h.2"].index(r[1])]["values"]
    assert abs(float(r[6]) - want[int(r[2])]) < 1e-6, r
    e = (want[int(r[2])] - p["corrupted"]) / (p["clean"] - p["corrupted"])
    assert abs(float(r[7]) - e) < 1e-5, r
assert rows[1][3] == "·cat" and rows[1][4] == "·dog", rows[1]
for h in heads:
    assert abs(float(h[6]) - p["heads"][int(h[1][2:])]["values"][int(h[5])]) < 1e-6
text = open(d + "/text").read()
assert "clean %.6g, corrupted %.6g" % (p["clean"], p["corrupted"]) in text
assert "·dog/·cat" in text and "heads" in text
svg = ET.parse(d + "/svg").getroot()
rects = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect")]
assert len(rects) == 1 + 4 * 5 + 3 * 4, len(rects)
y = open(d + "/yaml").read()
assert "patching:" in y and "anti_target:" in y
PY
then ok; else bad "formats: $(cat "$tmp/py")"; fi

# Errors: token counts, target == anti-target, options without --patch.
expect 2 "clean prompt is 6 tokens \('The' '·big' '·cat'.*corrupted prompt 5 \('The' '·dog'" \
    "$bin" -m "$fix/tiny-gpt2" --print --patch "The big cat sat on the" "$corr"
expect 2 "target and the anti-target are both ' sat'|both '·sat'" \
    "$bin" -m "$fix/tiny-gpt2" --print --patch "$clean" --target=' sat' \
    --anti-target=' sat' "$corr"
expect 2 "top-1 of both runs" \
    "$bin" -m "$fix/tiny-gpt2" --print --patch "$corr" "$corr"
"$bin" -m "$fix/tiny-gpt2" --print --format json --patch "$corr" \
    --patch-metric=prob "$corr" >/dev/null 2>"$tmp/err" && ok ||
    bad "prob with equal top-1s: $(cat "$tmp/err")"
expect 1 "need --patch" "$bin" -m "$fix/tiny-gpt2" --print --anti-target=x \
    "$corr"
expect 1 "--target needs" "$bin" -m "$fix/tiny-gpt2" --print --target=x "$corr"
expect 1 "denoise or noise" "$bin" -m "$fix/tiny-gpt2" --print \
    --patch-direction=up --patch "$clean" "$corr"
expect 1 "logit_diff or prob" "$bin" -m "$fix/tiny-gpt2" --print \
    --patch-metric=kl --patch "$clean" "$corr"
expect 2 "--target: ' cat sat' is 2 tokens" "$bin" -m "$fix/tiny-gpt2" \
    --print --patch "$clean" --target=' cat sat' "$corr"

# The benchmark's two sides run, untimed, and agree: logitlens-patch-bench
# and the peer bench/torch_patch.py (when ../shared/bench is there).
pb=$top_builddir/logitlens-patch-bench
peerdir=$top_srcdir/../shared/bench
if ! "$pb" -n 1 -T 4,9 -j "$tmp/pb.json" "$fix/tiny-gpt2" >"$tmp/out" \
    2>"$tmp/err"; then
	bad "logitlens-patch-bench: $(cat "$tmp/err")"
elif [ -f "$peerdir/torch_lens.py" ]; then
	if PEER_DIR=$peerdir "$py" "$top_srcdir/bench/torch_patch.py" \
	    "$fix/tiny-gpt2" --T 4 9 --json "$tmp/peer.json" >"$tmp/out" \
	    2>&1 && python3 - "$tmp/pb.json" "$tmp/peer.json" >"$tmp/py" \
	    2>&1 <<'PY'
import json, math, sys
o = json.load(open(sys.argv[1]))["results"]
p = json.load(open(sys.argv[2]))["results"]
assert [r["T"] for r in o] == [4, 9] == [r["T"] for r in p]
for a, b in zip(o, p):
    assert a["median_s"] > 0 and len(a["rows"]) == 4 and len(a["heads"]) == 3
    assert b["cells_run"] == b["cells"] == a["cells"] == 4 * a["T"] + 12
    for kind, i, j, v in b["values"]:
        mine = a["rows"][i][j] if kind == "row" else a["heads"][i][j]
        assert abs(mine - v) <= 1e-4 * (1 + abs(v)), (kind, i, j, mine, v)
PY
	then ok; else bad "bench sides: $(cat "$tmp/out" "$tmp/py" | head -c 800)"; fi
else
	ok
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
