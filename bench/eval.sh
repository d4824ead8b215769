#!/bin/sh
#
# bench/eval.sh: `logitlens eval` against its PyTorch peer (bench/
# eval_torch.py: the same statistics, float32, the same windows) on a random
# model of GPT-2 small's shape, ctx 1024, in the same run, alternating;
# tokens scored per second, each side's best of the rounds, and their ratio.
# Results in $builddir/bench-results/eval.json.
#
# usage: eval.sh [-w windows] [-r rounds]   (make bench-eval; make bench)
#
# The model is written once into $srcdir/bench-models/gpt2-small (as
# bench/run.sh does; never commit it) with GPT-2's tokenizer files beside.
# OPENBLAS_CORETYPE is left as the environment has it.
set -eu

me=bench-eval
. "$(dirname "$0")/common.sh"
model=$models/gpt2-small
windows=2
rounds=2

while getopts w:r: ch; do
	case $ch in
	w) windows=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) echo "usage: eval.sh [-w windows] [-r rounds]" >&2; exit 1 ;;
	esac
done

[ -f "$shared/bench/make_gpt2.py" ] ||
    fail "$shared/bench/make_gpt2.py is not there"
[ -f "$shared/fixtures/gpt2-tokenizer/vocab.json" ] ||
    fail "$shared/fixtures/gpt2-tokenizer (GPT-2's tokenizer) is not there"
need_torch
[ -x "$builddir/logitlens" ] || fail "$builddir/logitlens not built"
mkdir -p "$out"
if [ ! -f "$model/model.safetensors" ]; then
	echo "bench-eval: writing $model" >&2
	"$py" "$shared/bench/make_gpt2.py" --layers 12 --heads 12 --embd 768 \
	    --vocab 50257 --ctx 1024 --out "$model" >&2
fi
for f in vocab.json merges.txt; do
	[ -f "$model/$f" ] || cp "$shared/fixtures/gpt2-tokenizer/$f" "$model/"
done

# A corpus of English-like text, more than enough for the windows.
corpus=$out/eval-corpus.txt
"$py" - "$corpus" "$windows" <<'PY'
import random, sys
random.seed(1)
words = ("the of and to in a is that for it as was with be by on not he "
         "this are or his from at which but have an they you were her she "
         "there been one all we their has would when if so no will more "
         "model layer token lens residual stream attention prediction").split()
n = int(sys.argv[2]) * 1024 * 2
with open(sys.argv[1], "w") as f:
    for i in range(n // 12 + 1):
        f.write(" ".join(random.choice(words) for _ in range(12)).capitalize()
                + ". ")
PY
tokens=$((windows * 1024))
"$builddir/logitlens" -m "$model" --tokenize --format json <"$corpus" |
    "$py" -c 'import json, sys; json.dump(json.load(sys.stdin)["ids"][:int(sys.argv[1])], open(sys.argv[2], "w"))' \
    "$tokens" "$out/eval-ids.json"

echo "bench-eval: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$windows windows of 1024 tokens, $rounds rounds" >&2
r=1
while [ $r -le "$rounds" ]; do
	echo "bench-eval: round $r: logitlens eval (load" \
	    "$(cut -d' ' -f1 /proc/loadavg))" >&2
	"$builddir/logitlens" eval -m "$model" --ctx 1024 \
	    --max-tokens "$tokens" -o "$out/eval-ours.$r.json" "$corpus" \
	    >/dev/null
	echo "bench-eval: round $r: eval_torch.py (load" \
	    "$(cut -d' ' -f1 /proc/loadavg))" >&2
	"$py" "$srcdir/bench/eval_torch.py" "$model" --bench --ctx 1024 \
	    --windows "$windows" --ids "$out/eval-ids.json" \
	    >"$out/eval-peer.$r.json"
	r=$((r + 1))
done

"$py" - "$out" "$rounds" <<'PY'
import json, os, sys
out, rounds = sys.argv[1], int(sys.argv[2])
ours = [json.load(open(os.path.join(out, "eval-ours.%d.json" % r)))
        for r in range(1, rounds + 1)]
peer = [json.load(open(os.path.join(out, "eval-peer.%d.json" % r)))
        for r in range(1, rounds + 1)]
o = max(d["tokens_scored"] / d["seconds"] for d in ours)
p = max(d["tokens_per_s"] for d in peer)
cpu = os.environ["BENCH_CPU"]
doc = {"cpu": cpu, "cores": os.cpu_count(),
       "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
       "load": open("/proc/loadavg").read().split()[:3],
       "model": "gpt2-small shape", "ctx": 1024,
       "tokens_scored": ours[0]["tokens_scored"],
       "ours_tokens_per_s": [d["tokens_scored"] / d["seconds"] for d in ours],
       "peer_tokens_per_s": [d["tokens_per_s"] for d in peer],
       "ratio_best": o / p}
json.dump(doc, open(os.path.join(out, "eval.json"), "w"), indent=1)
print("logitlens eval, GPT-2 small shape, ctx 1024, logit lens, %d tokens "
      "scored; %s, %d cores" % (doc["tokens_scored"], cpu, os.cpu_count()))
print("%-28s %10s" % ("", "tokens/s"))
print("%-28s %10.1f   (rounds: %s)" % ("logitlens eval", o, ", ".join(
    "%.1f" % x for x in doc["ours_tokens_per_s"])))
print("%-28s %10.1f   (rounds: %s)" % ("eval_torch.py (PyTorch)", p,
    ", ".join("%.1f" % x for x in doc["peer_tokens_per_s"])))
print("%-28s %10.2fx" % ("ratio", o / p))
PY
