#!/bin/sh
# kern.sh: LOGITLENS_KERNEL end to end. The lens of the tiny fixture (4 rows
# x 20 positions, 80 cells: a product of more than 28 rows, so the batch
# kernels run) with each kernel this CPU has agrees with the portable's up to
# float rounding: probabilities, logits, entropy and KL to 1e-4 relative,
# the top-k ids wherever the logits are not within rounding of a tie, ranks
# within the tokens that rounding can reorder. A name the CPU cannot run is
# a warning (exit 0).
#
# LOGITLENS_FORWARD=packed: the forward pass over packed weights (a cache
# file under XDG_CACHE_HOME) gives every fixture's reference lens
# (lens_ref.json, Hugging Face's), twice (written, then mapped); where the
# CPU has no packed kernel it warns and runs sgemm. A bad name warns.

. "${top_srcdir:-.}/tests/cli-lib.sh"
[ -d "$fix/tiny-gpt2" ] || { echo "SKIP: fixture not found ($fix)"; exit 77; }

prompt="The quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat by the door"
lens() {
	LOGITLENS_KERNEL=$1 "$bin" -m "$fix/tiny-gpt2" --print --format json \
	    "$prompt" >"$tmp/$1.json" 2>"$tmp/$1.err"
}

expect 0 'LOGITLENS_KERNEL=avx1024: not a kernel' env \
    LOGITLENS_KERNEL=avx1024 "$bin" -m "$fix/tiny-gpt2" --print "$prompt"

lens portable || bad "portable: exit $?: $(cat "$tmp/portable.err")"
for k in avx2 avx512 blas cpu; do
	lens $k || { bad "$k: exit $?: $(cat "$tmp/$k.err")"; continue; }
	if python3 - "$tmp/portable.json" "$tmp/$k.json" <<'PY'
import json, sys

a, b = (json.load(open(p)) for p in sys.argv[1:3])
bad = []


def close(x, y, what):
    if abs(x - y) > 1e-4 * max(abs(x), abs(y)) + 1e-6:
        bad.append("%s: %r against %r" % (what, x, y))


assert len(a["rows"]) == len(b["rows"]) > 0
for r, (ra, rb) in enumerate(zip(a["rows"], b["rows"])):
    for t, (ca, cb) in enumerate(zip(ra["cells"], rb["cells"])):
        w = "row %d pos %d" % (r, t)
        if set(ca) != set(cb):
            bad.append("%s: fields %s against %s" % (w, sorted(ca),
                                                     sorted(cb)))
        for key in ("entropy", "kl", "final_top1_prob", "next_prob"):
            if key in ca and key in cb:
                close(ca[key], cb[key], w + " " + key)
        ta, tb = ca["top"], cb["top"]
        for i, (x, y) in enumerate(zip(ta, tb)):
            close(x["logit"], y["logit"], "%s top %d logit" % (w, i))
            close(x["prob"], y["prob"], "%s top %d prob" % (w, i))
            # Ids may swap only between logits within rounding.
            near = [z["id"] for z in tb if abs(z["logit"] - x["logit"]) <
                    1e-4 * abs(x["logit"]) + 1e-6]
            if x["id"] != y["id"] and x["id"] not in near:
                bad.append("%s top %d: id %d against %d" % (w, i, x["id"],
                                                            y["id"]))
        for key in ("final_top1_rank", "next_rank"):
            if key in ca and key in cb and \
                    abs(ca[key] - cb[key]) > 2 + ca[key] // 100:
                bad.append("%s %s: %d against %d" % (w, key, ca[key],
                                                     cb[key]))
for m in bad[:10]:
    print("FAIL: " + m)
sys.exit(1 if bad else 0)
PY
	then ok; else bad "$k: its lens differs from the portable kernel's"; fi
done
expect 0 'LOGITLENS_FORWARD=fast: not a kernel' env \
    LOGITLENS_FORWARD=fast "$bin" -m "$fix/tiny-gpt2" --print "$prompt"
for m in tiny-gpt2 tiny-gpt2-f16; do
	dir=$fix/$m
	for run in write map; do
		python3 -c 'import json,sys
p = json.load(open(sys.argv[1]))["prompts"][-1]
open(sys.argv[2], "wb").write(p["text"].encode())' \
		    "$dir/lens_ref.json" "$tmp/prompt"
		if ! XDG_CACHE_HOME=$tmp/cache LOGITLENS_FORWARD=packed \
		    "$bin" -m "$dir" --print -f json --sublayers \
		    <"$tmp/prompt" >"$tmp/lens.json" 2>"$tmp/err"; then
			bad "$m packed ($run): $(cat "$tmp/err")"
		elif python3 "$top_srcdir/tests/compare-lens.py" \
		    "$dir/lens_ref.json" -1 "$tmp/lens.json"; then
			ok
		else
			bad "$m packed ($run): JSON differs from the reference"
		fi
	done
done
if ls "$tmp"/cache/logitlens/packed/*.pack >/dev/null 2>&1; then
	ok
elif grep -q 'no packed kernel' "$tmp/err"; then
	ok
else
	bad "packed: no cache file written: $(cat "$tmp/err")"
fi
echo "kern.sh: $pass passed, $fail failed"
[ $fail -eq 0 ]
