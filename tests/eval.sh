#!/bin/sh
# eval.sh: `logitlens eval` end to end.
#
# On the fixture model, with random tuned and Jacobian lens files made
# here: every row's sums and means, the baseline, the counts and the bytes
# against a float64 PyTorch reference (bench/eval_torch.py, written from the
# definitions); shards run by the GNU parallel recipe of the README and
# merged against the whole run (1e-9 relative); a run interrupted by SIGINT
# and resumed from its checkpoint against the whole run; the SVG by xmllint
# and rsvg-convert; bad input: exit status 2, one line, no output file.

. "${top_srcdir:-.}/tests/cli-lib.sh"

model=$fix/tiny-gpt2
[ -f "$model/model.safetensors" ] ||
    { echo "SKIP: $model not found (the shared fixtures)"; exit 77; }
py=${PYTHON_TORCH:-}
[ -n "$py" ] && "$py" -c 'import torch, numpy' 2>/dev/null ||
    { echo "SKIP: no python with torch (PYTHON_TORCH)"; exit 77; }
ref=$top_srcdir/bench/eval_torch.py

# A corpus: text files (one with non-ASCII text and a literal separator) and
# JSON Lines with other fields beside "text".
cat >"$tmp/a.txt" <<'EOF'
The logit lens decodes every layer's residual through the final norm and
the unembedding. Averaged over a corpus, its cross-entropy falls by layer.
EOF
printf 'Caf\303\251 cr\303\250me, na\303\257ve r\303\251sum\303\251 \342\200\224 '\
'\344\275\240\345\245\275 \360\237\230\200 done<|endoftext|>after.\n' \
    >"$tmp/b.txt"
cat >"$tmp/c.jsonl" <<'EOF'
{"id": 1, "text": "The quick brown fox jumps over the lazy dog.", "meta": {"x": [1, 2]}}

{"text": "Another document,\nshorter.", "source": "test"}
{"text": ""}
{"text": "A third one: numbers 12345 and symbols #@!"}
EOF

# The stream's ids, from the tokenizer (tested on its own in test-tok and
# cli.sh): each document alone, joined by <|endoftext|> (50256).
for f in a.txt b.txt; do
	"$bin" -m "$model" --tokenize --format json <"$tmp/$f" >"$tmp/$f.ids" ||
	    bad "tokenize $f"
done
"$py" - "$tmp" <<'PY' || bad "the documents of c.jsonl"
import json, subprocess, sys, os
tmp = sys.argv[1]
for i, line in enumerate(open(os.path.join(tmp, "c.jsonl"))):
    if line.strip():
        open(os.path.join(tmp, "c%d.txt" % i), "w").write(json.loads(line)["text"])
PY
: >"$tmp/docs"
for f in a.txt b.txt $(cd "$tmp" && ls c[0-9]*.txt); do
	[ -f "$tmp/$f.ids" ] ||
	    "$bin" -m "$model" --tokenize --format json <"$tmp/$f" >"$tmp/$f.ids"
	echo "$tmp/$f.ids" >>"$tmp/docs"
done
"$py" - "$tmp" <<'PY' || bad "the stream"
import json, sys, os
tmp = sys.argv[1]
stream = []
for i, p in enumerate(open(os.path.join(tmp, "docs")).read().split()):
    if i:
        stream.append(50256)
    stream += json.load(open(p))["ids"]
json.dump(stream, open(os.path.join(tmp, "ids.json"), "w"))
PY
corpus="$tmp/a.txt $tmp/b.txt $tmp/c.jsonl"

# Lens files for this model: translators and matrices near the identity.
"$py" - "$tmp" "$top_srcdir/tests" <<'PY' || bad "lens files"
import sys, os
sys.dont_write_bytecode = True  # nothing written into the sources
sys.path.insert(0, sys.argv[2])
from st_write import write
import numpy as np
tmp = sys.argv[1]
g = np.random.default_rng(7)
C, L = 32, 3
write(os.path.join(tmp, "tuned.st"), [x for i in range(L) for x in (
    ("translators.%d.weight" % i, g.normal(0, 0.2, (C, C))),
    ("translators.%d.bias" % i, g.normal(0, 0.1, C)))])
write(os.path.join(tmp, "jac.st"), [("jacobians.%d" % i, np.eye(C) +
    g.normal(0, 0.2, (C, C))) for i in range(L)])
write(os.path.join(tmp, "jac-other.st"), [("jacobians.%d" % i, np.eye(16))
    for i in range(L)])
PY

# The converter of PyTorch pickles: three layouts give jac.st's matrices.
conv=$top_srcdir/tools/convert-jacobian-lens.py
"$py" - "$tmp" <<'PY' || bad "pickles for the converter"
import json, struct, sys, os
import numpy as np, torch
tmp = sys.argv[1]
with open(os.path.join(tmp, "jac.st"), "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    head = json.loads(f.read(n))
    data = f.read()
m = [np.frombuffer(data[head["jacobians.%d" % i]["data_offsets"][0]:
     head["jacobians.%d" % i]["data_offsets"][1]], "<f4").reshape(32, 32)
     for i in range(3)]
t = [torch.tensor(x.copy()) for x in m]
torch.save(torch.stack(t), os.path.join(tmp, "stacked.pt"))
torch.save({"jacobian_lens.layers.%d" % i: x for i, x in enumerate(t)},
           os.path.join(tmp, "dict.pt"))
torch.save([x.T.contiguous() for x in t], os.path.join(tmp, "list-t.pt"))
torch.save({"layers.0": t[0], "layers.2": t[2]}, os.path.join(tmp, "hole.pt"))
PY
for p in stacked dict list-t; do
	flag=
	[ $p = list-t ] && flag=--transpose
	"$py" "$conv" $flag "$tmp/$p.pt" "$tmp/$p.st" 2>"$tmp/err" ||
	    bad "convert-jacobian-lens.py $p: $(cat "$tmp/err")"
	"$py" - "$tmp/$p.st" "$tmp/jac.st" <<'PY' && ok || bad "converted $p differs"
import json, struct, sys
import numpy as np
def read(p):
    with open(p, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        h = json.loads(f.read(n)); d = f.read()
    return {k: np.frombuffer(d[v["data_offsets"][0]:v["data_offsets"][1]], "<f4")
            for k, v in h.items() if k != "__metadata__"}
a, b = read(sys.argv[1]), read(sys.argv[2])
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
for k in a:
    assert (a[k] == b[k]).all(), k
PY
done
expect 1 'no matrix for layer 1' "$py" "$conv" "$tmp/hole.pt" "$tmp/hole.st"

# compare OURS.json REF.json: sums, means and counts, float32 against float64.
compare() {
	"$py" - "$1" "$2" "$model/vocab.json" "$tmp/ids.json" "$3" <<'PY'
import json, sys
ours, ref = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
vocab = json.load(open(sys.argv[3]))
ctx = int(sys.argv[5])
bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
cs = bs[:]
n = 0
for b in range(256):
    if b not in bs:
        bs.append(b); cs.append(256 + n); n += 1
dec = {chr(c): b for b, c in zip(bs, cs)}
nbytes = {i: len(bytes(dec[ch] for ch in t)) for t, i in vocab.items()}
nbytes[50256] = 0
stream = json.load(open(sys.argv[4]))
wins = [stream[i:i + ctx] for i in range(0, len(stream), ctx)]
wins = [w for w in wins if len(w) >= 2]
err = []
want_bytes = sum(nbytes[t] for w in wins for t in w[1:])
if ours["bytes_scored"] != want_bytes:
    err.append("bytes_scored %d, expected %d" % (ours["bytes_scored"], want_bytes))
if ours["windows"] != ref["windows"] or ours["tokens_scored"] != ref["tokens"]:
    err.append("windows/tokens %d/%d, expected %d/%d" % (ours["windows"],
        ours["tokens_scored"], ref["windows"], ref["tokens"]))
T = ref["tokens"]
def close(a, b, tol):
    return abs(a - b) <= tol * (1 + abs(b))
if not close(ours["baseline"]["ce"], ref["base"] / T, 1e-4):
    err.append("baseline %r, expected %r" % (ours["baseline"]["ce"], ref["base"] / T))
if set(ours["lenses"]) != set(ref["sums"]):
    err.append("lenses %s, expected %s" % (sorted(ours["lenses"]), sorted(ref["sums"])))
worst = 0.0
for lens, rows in ref["sums"].items():
    got = ours["lenses"].get(lens, {"rows": []})["rows"]
    if len(got) != len(rows):
        err.append("%s: %d rows, expected %d" % (lens, len(got), len(rows)))
        continue
    for r, (g, w) in enumerate(zip(got, rows)):
        for k, (name, sname) in enumerate([("ce", "ce"), ("kl", "kl"),
                                           ("entropy", "entropy"), ("top1_acc", "top1")]):
            tol = 1.0 if k == 3 else 2e-4 * T
            if not abs(g["sums"][sname] - w[k]) <= tol:
                err.append("%s row %s %s: sum %r, expected %r" % (lens,
                    g["name"], sname, g["sums"][sname], w[k]))
            if abs(g[name] - g["sums"][sname] / ours["tokens_scored"]) > 1e-12 * (1 + abs(g[name])):
                err.append("%s row %s: mean %s is not sum / tokens" % (lens, g["name"], name))
            worst = max(worst, abs(g["sums"][sname] - w[k]) / T)
        bpb = g["sums"]["ce"] / 0.6931471805599453 / want_bytes
        if abs(g["bits_per_byte"] - bpb) > 1e-9 * bpb:
            err.append("%s row %s: bits_per_byte %r, expected %r" % (lens, g["name"], g["bits_per_byte"], bpb))
for e in err[:20]:
    print(e)
print("worst mean difference %.3g" % worst, file=sys.stderr)
sys.exit(1 if err else 0)
PY
}

# The whole run, three lenses, sub-layers, against the reference.
for sub in "" --sublayers; do
	"$bin" eval -m "$model" --ctx 20 --tuned "$tmp/tuned.st" \
	    --jacobian "$tmp/jac.st" $sub -o "$tmp/ours$sub.json" $corpus \
	    >"$tmp/table$sub" 2>"$tmp/err" || bad "eval $sub: $(cat "$tmp/err")"
	"$py" "$ref" "$model" --ids "$tmp/ids.json" --ctx 20 --tuned \
	    "$tmp/tuned.st" --jacobian "$tmp/jac.st" $sub \
	    --json "$tmp/ref$sub.json" || bad "the reference $sub"
	if compare "$tmp/ours$sub.json" "$tmp/ref$sub.json" 20; then ok; else
	    bad "eval $sub differs from the float64 reference"; fi
done
grep -q '^h\.2 ' "$tmp/table" && grep -q 'jacobian' "$tmp/table" &&
    grep -q '^kl ' "$tmp/table" && ok || bad "the text table: $(head -5 "$tmp/table")"
grep -q '^h\.1\.attn ' "$tmp/table--sublayers" && ok ||
    bad "--sublayers: no h.1.attn row"
# The whole stream in one window of the model's n_ctx (64), the default.
"$bin" eval -m "$model" -o "$tmp/d.json" $corpus >/dev/null 2>"$tmp/err" ||
    bad "eval at the default ctx: $(cat "$tmp/err")"
"$py" "$ref" "$model" --ids "$tmp/ids.json" --ctx 64 --json "$tmp/d-ref.json" &&
    compare "$tmp/d.json" "$tmp/d-ref.json" 64 && ok ||
    bad "eval at the default ctx differs from the reference"

# The F16 fixture (its weights converted at load), and --max-tokens: the
# stream cut after 50 tokens (windows of 20, 20 and 10).
f16=$fix/tiny-gpt2-f16
if [ -f "$f16/model.safetensors" ]; then
	"$bin" eval -m "$f16" --ctx 20 -o "$tmp/f16.json" $corpus >/dev/null \
	    2>"$tmp/err" || bad "eval on the F16 model: $(cat "$tmp/err")"
	"$py" "$ref" "$f16" --ids "$tmp/ids.json" --ctx 20 \
	    --json "$tmp/f16-ref.json" && compare "$tmp/f16.json" \
	    "$tmp/f16-ref.json" 20 && ok || bad "eval on the F16 model differs"
fi
"$bin" eval -m "$model" --ctx 20 --max-tokens 50 -o "$tmp/mt.json" $corpus \
    >/dev/null 2>"$tmp/err" || bad "--max-tokens: $(cat "$tmp/err")"
"$py" - "$tmp/mt.json" "$tmp/ours.json" <<'PY' && ok ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["windows"] == 3 and a["tokens_scored"] == 19 + 19 + 9, (a["windows"], a["tokens_scored"])
assert a["corpus"]["max_tokens"] == 50
# The first two windows are the whole run's first two: its sums are larger.
for ra, rb in zip(a["lenses"]["logit"]["rows"], b["lenses"]["logit"]["rows"]):
    assert 0 < ra["sums"]["ce"] < rb["sums"]["ce"], ra["name"]
PY
    bad "--max-tokens 50: not the first 50 tokens"

# --format json is -o's document; --format svg is valid and renders.
"$bin" eval -m "$model" --ctx 20 --format json $corpus >"$tmp/j.json" \
    2>/dev/null && "$py" - "$tmp/j.json" "$tmp/d.json" <<'PY' && ok ||
import json, sys
a = json.load(open(sys.argv[1]))
for k in ("model", "ctx", "windows", "tokens_scored", "bytes_scored", "lenses", "baseline"):
    assert k in a, k
assert a["ctx"] == 20 and list(a["lenses"]) == ["logit"], a["lenses"].keys()
for r in a["lenses"]["logit"]["rows"]:
    assert set(("name", "ce", "kl", "entropy", "top1_acc", "sums")) <= set(r)
assert "ce" in a["baseline"]
PY
    bad "--format json: not the contract's document"
"$bin" eval -m "$model" --ctx 20 --tuned "$tmp/tuned.st" --format svg \
    $corpus >"$tmp/e.svg" 2>/dev/null || bad "--format svg"
if xmllint --noout "$tmp/e.svg" 2>"$tmp/err"; then ok; else
    bad "the SVG is not well-formed XML: $(head -3 "$tmp/err")"; fi
if command -v rsvg-convert >/dev/null; then
	rsvg-convert "$tmp/e.svg" -o "$tmp/e.png" 2>"$tmp/err" &&
	    [ -s "$tmp/e.png" ] && ok || bad "rsvg-convert: $(cat "$tmp/err")"
fi
for w in 'cross-entropy' 'KL' 'entropy' 'top-1 accuracy' 'layer' \
    'logit lens' 'tuned lens' '<polyline'; do
	grep -q "$w" "$tmp/e.svg" && ok || bad "the SVG has no '$w'"
done

# Progress: a line on standard error when it is a terminal (script(1)
# makes one), nothing otherwise.
"$bin" eval -m "$model" --ctx 20 $corpus >/dev/null 2>"$tmp/err"
[ ! -s "$tmp/err" ] && ok || bad "progress without a terminal: $(cat "$tmp/err")"
if command -v script >/dev/null; then
	script -qec "'$bin' eval -m '$model' --ctx 20 $corpus >/dev/null" \
	    "$tmp/tty" >/dev/null 2>&1 </dev/null
	grep -q '[0-9] windows, [0-9]* tokens, [0-9]* tokens/s' "$tmp/tty" &&
	    ok || bad "no progress line on a terminal: $(tail -c 300 "$tmp/tty")"
fi

# Scale out: the GNU parallel recipe of the README, then --merge.
if command -v parallel >/dev/null; then
	parallel --will-cite -j 2 "$bin" eval -m "$model" --ctx 8 \
	    --tuned "$tmp/tuned.st" --shard {}/3 -o "$tmp/shard-{}.json" \
	    $corpus ::: 0 1 2 >/dev/null 2>"$tmp/err" ||
	    bad "the parallel recipe: $(cat "$tmp/err")"
	"$bin" eval -m "$model" --ctx 8 --tuned "$tmp/tuned.st" \
	    -o "$tmp/whole.json" $corpus >/dev/null 2>&1 || bad "whole run"
	"$bin" eval --merge -o "$tmp/merged.json" "$tmp"/shard-*.json \
	    >/dev/null 2>"$tmp/err" || bad "--merge: $(cat "$tmp/err")"
	"$py" - "$tmp/merged.json" "$tmp/whole.json" <<'PY' && ok ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for k in ("windows", "tokens_scored", "bytes_scored"):
    assert a[k] == b[k], (k, a[k], b[k])
assert abs(a["baseline"]["ce"] - b["baseline"]["ce"]) <= 1e-9 * abs(b["baseline"]["ce"])
for lens in b["lenses"]:
    for ra, rb in zip(a["lenses"][lens]["rows"], b["lenses"][lens]["rows"]):
        for k in ("ce", "kl", "entropy", "top1_acc"):
            assert abs(ra[k] - rb[k]) <= 1e-9 * abs(rb[k]), (lens, ra["name"], k, ra[k], rb[k])
assert a["shard"] == {"k": 0, "n": 1}
PY
	    bad "the merged shards are not the whole run"
	# The Slurm array script, run as its tasks would be.
	for k in 0 1 2; do
		SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_COUNT=3 LOGITLENS=$bin \
		    bash "$top_srcdir/tools/eval-slurm.sbatch" "$tmp/slurm" \
		    -m "$model" --ctx 8 --tuned "$tmp/tuned.st" $corpus \
		    2>"$tmp/err" || bad "eval-slurm.sbatch $k: $(cat "$tmp/err")"
	done
	"$bin" eval --merge -f json "$tmp"/slurm/shard-*.json >"$tmp/sl.json" \
	    2>"$tmp/err" && "$py" - "$tmp/sl.json" "$tmp/merged.json" <<'PY' &&
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["lenses"] == b["lenses"] and a["baseline"] == b["baseline"]
PY
	    ok || bad "the Slurm shards merged are not the parallel ones"
	# The --sshlogin form, with the local machine as the login (:).
	mkdir "$tmp/ssh"
	abin=$(cd "$(dirname "$bin")" && pwd)/logitlens
	amodel=$(cd "$model" && pwd)
	(cd "$tmp/ssh" && parallel --will-cite -S 2/: --return shard-{}.json \
	    --workdir . "$abin" eval -m "$amodel" --ctx 8 \
	    --tuned "$tmp/tuned.st" --shard {}/3 -o shard-{}.json $corpus \
	    ::: 0 1 2 >/dev/null 2>"$tmp/err") ||
	    bad "the --sshlogin recipe: $(cat "$tmp/err")"
	"$bin" eval --merge -f json "$tmp"/ssh/shard-*.json >"$tmp/ssh.json" \
	    2>"$tmp/err" && "$py" - "$tmp/ssh.json" "$tmp/merged.json" <<'PY' &&
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["lenses"] == b["lenses"] and a["baseline"] == b["baseline"]
PY
	    ok || bad "the --sshlogin shards merged are not the -j ones"
	# Shards that do not belong together.
	"$bin" eval -m "$model" --ctx 9 --tuned "$tmp/tuned.st" --shard 1/3 \
	    -o "$tmp/shard-9.json" $corpus >/dev/null 2>&1
	cp "$tmp/merged.json" "$tmp/keep.json"
	expect 2 'another ctx' "$bin" eval --merge -o "$tmp/merged.json" \
	    "$tmp/shard-0.json" "$tmp/shard-9.json" "$tmp/shard-2.json"
	cmp -s "$tmp/merged.json" "$tmp/keep.json" && ok ||
	    bad "a refused merge touched its output file"
	expect 2 'shard 2/3 is missing' "$bin" eval --merge \
	    "$tmp/shard-0.json" "$tmp/shard-1.json"
	expect 2 'given twice' "$bin" eval --merge "$tmp/shard-0.json" \
	    "$tmp/shard-1.json" "$tmp/shard-1.json" "$tmp/shard-2.json"
	"$bin" eval -m "$model" --ctx 8 --shard 1/3 -o "$tmp/shard-nt.json" \
	    $corpus >/dev/null 2>&1
	expect 2 'other lenses' "$bin" eval --merge "$tmp/shard-0.json" \
	    "$tmp/shard-nt.json" "$tmp/shard-2.json"
	expect 2 'not a result of logitlens eval' "$bin" eval --merge \
	    "$tmp/ids.json"
else
	echo "SKIP (part): GNU parallel is not installed (./setup installs it)"
fi

# SIGINT: a checkpoint, exit 130, and a rerun that resumes to the whole
# run's result. The corpus is long enough that the run is still going when
# the first checkpoint appears (written every 4 windows).
"$py" -c 'import sys
sys.stdout.write(" ".join("word%d and more text" % i for i in range(800)))' \
    >"$tmp/long.txt"
"$bin" eval -m "$model" --ctx 64 --threads 1 -o "$tmp/long-whole.json" \
    "$tmp/long.txt" >/dev/null 2>&1 || bad "the long run"
"$bin" eval -m "$model" --ctx 64 --threads 1 --checkpoint "$tmp/ck.json" \
    -o "$tmp/long.json" "$tmp/long.txt" >/dev/null 2>"$tmp/int-err" &
pid=$!
i=0
while [ ! -f "$tmp/ck.json" ] && kill -0 $pid 2>/dev/null && [ $i -lt 3000 ]; do
	sleep 0.01
	i=$((i + 1))
done
kill -INT $pid 2>/dev/null
wait $pid
rc=$?
if [ $rc -eq 130 ]; then
	ok
	grep -q '"complete": false' "$tmp/long.json" && ok ||
	    bad "an interrupted run's result is not marked incomplete"
	[ -f "$tmp/ck.json" ] && ok || bad "no checkpoint after SIGINT"
	"$bin" eval -m "$model" --ctx 64 --threads 1 --checkpoint \
	    "$tmp/ck.json" -o "$tmp/long.json" "$tmp/long.txt" >/dev/null \
	    2>"$tmp/err" || bad "the resumed run: $(cat "$tmp/err")"
	[ ! -f "$tmp/ck.json" ] && ok || bad "the checkpoint outlived its run"
	"$py" - "$tmp/long.json" "$tmp/long-whole.json" <<'PY' && ok ||
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert a["complete"] and a["windows"] == b["windows"], (a["windows"], b["windows"])
assert a["tokens_scored"] == b["tokens_scored"] and a["bytes_scored"] == b["bytes_scored"]
for ra, rb in zip(a["lenses"]["logit"]["rows"], b["lenses"]["logit"]["rows"]):
    for k in ("ce", "kl", "entropy", "top1_acc"):
        assert abs(ra[k] - rb[k]) <= 1e-9 * abs(rb[k]), (ra["name"], k, ra[k], rb[k])
PY
	    bad "the resumed run is not the whole run"
	# A checkpoint of another run is refused.
	"$bin" eval -m "$model" --ctx 64 --threads 1 --checkpoint "$tmp/ck2.json" \
	    -o "$tmp/x.json" "$tmp/long.txt" >/dev/null 2>&1 &
	pid=$!
	i=0
	while [ ! -f "$tmp/ck2.json" ] && kill -0 $pid 2>/dev/null && [ $i -lt 3000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	kill -INT $pid 2>/dev/null
	wait $pid
	if [ -f "$tmp/ck2.json" ]; then
		expect 2 'checkpoint of another run' "$bin" eval -m "$model" \
		    --ctx 32 --checkpoint "$tmp/ck2.json" "$tmp/long.txt"
	fi
else
	bad "SIGINT: exit $rc, expected 130 ($(cat "$tmp/int-err"))"
fi

# Bad input: one line, exit 2, no output file (or the old one untouched).
echo '{"good": 1}' >"$tmp/keep.json"
cp "$tmp/keep.json" "$tmp/o.json"
printf 'good text\nbad \377 byte\n' >"$tmp/bad.txt"
expect 2 'bad.txt:2:5: invalid UTF-8' "$bin" eval -m "$model" -o "$tmp/o.json" \
    "$tmp/bad.txt"
printf '{"text": "fine"}\n{"title": "no text"}\n' >"$tmp/bad.jsonl"
expect 2 'bad.jsonl:2: no "text"' "$bin" eval -m "$model" -o "$tmp/o.json" \
    "$tmp/bad.jsonl"
printf '{"text": "fine"}\n{"text": \n' >"$tmp/bad2.jsonl"
expect 2 'bad2.jsonl:2' "$bin" eval -m "$model" -o "$tmp/o.json" \
    "$tmp/bad2.jsonl"
expect 2 'missing.txt' "$bin" eval -m "$model" -o "$tmp/o.json" \
    "$tmp/missing.txt"
expect 2 'ctx=65.*2 to 64' "$bin" eval -m "$model" --ctx 65 -o "$tmp/o.json" \
    "$tmp/a.txt"
expect 2 'ctx=1' "$bin" eval -m "$model" --ctx 1 -o "$tmp/o.json" "$tmp/a.txt"
expect 2 'jac-other.st.*shape \[16, 16\], expected \[32, 32\]' "$bin" eval \
    -m "$model" --jacobian "$tmp/jac-other.st" -o "$tmp/o.json" "$tmp/a.txt"
expect 2 'tuned' "$bin" eval -m "$fix/tiny-gpt2-f16" --tuned "$tmp/tuned.st" \
    -o "$tmp/o.json" "$tmp/a.txt"
expect 2 'nodir/o.json: cannot write there' "$bin" eval -m "$model" \
    -o "$tmp/nodir/o.json" "$tmp/a.txt"
cmp -s "$tmp/o.json" "$tmp/keep.json" && ok ||
    bad "a refused run touched its output file"
rm -f "$tmp/o.json"
expect 2 'invalid UTF-8' "$bin" eval -m "$model" -o "$tmp/o.json" "$tmp/bad.txt"
[ ! -e "$tmp/o.json" ] && ok || bad "a refused run left an output file"
expect 1 'shard' "$bin" eval -m "$model" --shard 3/3 "$tmp/a.txt"
expect 1 'no FILE' "$bin" eval -m "$model"
expect 0 '' "$bin" eval --help
grep -q -- '--jacobian' "$tmp/out" && ok || bad "eval --help: no --jacobian"
# Standard input is a document.
"$bin" eval -m "$model" --ctx 20 -f json - <"$tmp/a.txt" >"$tmp/s.json" \
    2>/dev/null && grep -q '"tokens_scored": ' "$tmp/s.json" && ok ||
    bad "eval - (standard input)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
