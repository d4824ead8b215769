#!/bin/sh
# cli-extras.sh: --track, --candidates, --attribution, --mask-input, --delta,
# each checked against the JSON's own cells, recomputed in python3
# (standard library only), and --track's input errors.

. "${top_srcdir:-.}/tests/cli-lib.sh"
m=$fix/tiny-gpt2
[ -d "$m" ] || { echo "SKIP: fixtures not found ($fix)"; exit 77; }
prompt='The cat sat on the mat. The cat'

# The prompt's own tokens are tracked by text and by id.
expect 0 '' "$bin" -m "$m" -p -f json -s "$prompt"
ids=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(",".join("#%d" % t["id"] for t in d["tokens"][:3]))' "$tmp/out")

expect 0 '' "$bin" -m "$m" -p -f json -s -k 5 --track=" cat,$ids" \
    --candidates --attribution "$prompt"
cp "$tmp/out" "$tmp/x.json"
if python3 - "$tmp/x.json" >"$tmp/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
toks = [t["id"] for t in d["tokens"]]
rows = d["rows"]
T = len(toks)
err = []
want = [toks[1]] + toks[:3]
hits = 0
for i, row in enumerate(rows):
    for p, c in enumerate(row["cells"]):
        tr = c["tracked"]
        if [t["id"] for t in tr] != want:
            err.append("tracked ids %s at %d,%d" % ([t["id"] for t in tr], i, p))
        top = {t["id"]: t for t in c["top"]}
        for t in tr:
            # The cell's own ranks count the same logits.
            for k, kid in (("next", "next_id"), ("final_top1", "final_top1")):
                if c.get(kid) == t["id"] and t["rank"] != c[k + "_rank"]:
                    err.append("tracked %d at %d,%d: rank %d, %s_rank %d" %
                               (t["id"], i, p, t["rank"], k, c[k + "_rank"]))
            # In the top-k: its place there, but for ties above it.
            lt = [x["logit"] for x in c["top"]]
            if t["id"] in top and not lt.count(top[t["id"]]["logit"]) > 1 \
               and t["rank"] != 1 + lt.index(top[t["id"]]["logit"]):
                err.append("tracked %d at %d,%d: rank %d in the top-k %s" %
                           (t["id"], i, p, t["rank"], lt))
            if t["id"] not in top and t["rank"] <= len(lt):
                err.append("tracked %d at %d,%d: rank %d outside the top-k" %
                           (t["id"], i, p, t["rank"]))
            if t["id"] in top:
                hits += 1
                # lens_token_prob recomputes the softmax: float noise.
                if abs(t["prob"] - top[t["id"]]["prob"]) > 1e-5 or \
                   abs(t["logit"] - top[t["id"]]["logit"]) > 1e-4:
                    err.append("tracked %d at %d,%d: %s vs top-k %s" %
                               (t["id"], i, p, t, top[t["id"]]))
            elif t["prob"] > c["top"][-1]["prob"] + 1e-5:
                err.append("tracked %d beats the top-k at %d,%d" % (t["id"], i, p))
        a = c["attribution"]
        if a["token"] != c["top"][0]["id"]:
            err.append("attribution token at %d,%d" % (i, p))
        s = sum(x["logit"] for x in a["parts"]) + a["bias"]
        if abs(s - c["top"][0]["logit"]) > 1e-4:
            err.append("attribution %d,%d sums to %r, top-1 logit %r" %
                       (i, p, s, c["top"][0]["logit"]))
        names = [x["name"] for x in a["parts"]]
        if names[0] != "embed":
            err.append("parts %s" % names)
        if row["name"] != "embed" and names[-1] not in (row["name"] + ".mlp", row["name"]):
            err.append("last part %s on row %s" % (names[-1], row["name"]))
if hits == 0:
    err.append("no tracked token in any top-k: nothing compared")
for p in range(T):
    best = {}
    for i, row in enumerate(rows):
        for t in row["cells"][p]["top"]:
            if t["id"] not in best or t["prob"] > best[t["id"]][0]:
                best[t["id"]] = (t["prob"], i)
    ref = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))
    got = d["candidates"][p]
    if [(c["id"], c["row"]) for c in got] != [(k, v[1]) for k, v in ref]:
        err.append("candidates at %d: %s vs %s" % (p,
                   [(c["id"], c["row"]) for c in got][:5], [(k, v[1]) for k, v in ref][:5]))
    for c in got:
        if abs(c["max_prob"] - best[c["id"]][0]) > 1e-7:
            err.append("candidate %d max_prob at %d" % (c["id"], p))
        if rows[c["row"]]["name"] != c["row_name"]:
            err.append("candidate row_name at %d" % p)
print("\n".join(err[:20]))
sys.exit(1 if err else 0)
PY
then ok; else bad "--track/--candidates/--attribution: $(cat "$tmp/py")"; fi

# TSV: the tracked column against the JSON.
expect 0 '' "$bin" -m "$m" -p -f tsv -s -k 5 --track=" cat,$ids" "$prompt"
if python3 - "$tmp/x.json" "$tmp/out" >"$tmp/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
head = lines[0].split("\t")
col = head.index("tracked")
cells = {(r["name"], p): c for r in d["rows"] for p, c in enumerate(r["cells"])}
err = []
for l in lines[1:]:
    f = l.split("\t")
    c = cells[(f[0], int(f[1]))]
    got = [tuple(x.split(":")) for x in f[col].split(",")]
    if len(got) != len(c["tracked"]):
        err.append("%s: %d tracked, JSON %d" % (f[:2], len(got), len(c["tracked"])))
    for (i, pr, rk), t in zip(got, c["tracked"]):
        if int(i) != t["id"] or abs(float(pr) - t["prob"]) > 1e-5 * max(t["prob"], 1e-30) \
           or int(rk) != t["rank"]:
            err.append("%s: %s vs %s" % (f[:2], (i, pr, rk), t))
print("\n".join(err[:10]))
sys.exit(1 if err else 0)
PY
then ok; else bad "tsv tracked: $(cat "$tmp/py")"; fi

# --metric=track-rank: the SVG's cells give the first tracked token's rank,
# as the JSON's tracked entries do; its title names the token.
expect 0 '' "$bin" -m "$m" -p -f svg -s -k 5 --track=" cat" \
    --metric=track-rank "$prompt"
if python3 - "$tmp/x.json" "$tmp/out" >"$tmp/py" 2>&1 <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
svg = open(sys.argv[2], encoding="utf-8").read()
want = {(r["name"], p): c["tracked"][0]["rank"]
        for r in d["rows"] for p, c in enumerate(r["cells"])}
got = {(n, int(p)): int(v) for n, p, v in re.findall(
    r"<title>([^,<]+), position (\d+): [^<]*, track-rank (\d+)</title>", svg)}
err = []
if got != want:
    err.append("%d cells, %d differ" % (len(got),
               sum(got.get(k) != v for k, v in want.items())))
if "colour: rank(\u00b7cat)" not in svg:
    err.append("the title does not name \u00b7cat")
print("\n".join(err))
sys.exit(1 if err else 0)
PY
then ok; else bad "--metric=track-rank: $(cat "$tmp/py")"; fi
expect 0 '' "$bin" -m "$m" -p -f svg --metric=final-rank "$prompt"
grep -q 'colour: rank(final top-1)' "$tmp/out" && ok ||
	bad "--metric=final-rank: not the SVG's metric"
expect 1 "--metric: unknown metric 'colour'" "$bin" -m "$m" -p -f svg \
    --metric=colour "$prompt"
expect 1 '--metric=track-prob needs --track' "$bin" -m "$m" -p -f svg \
    --metric=track-prob "$prompt"
expect 1 '--metric=tuned-kl needs --tuned' "$bin" -m "$m" -p -f svg \
    --metric=tuned-kl "$prompt"

# YAML carries the same keys.
expect 0 '' "$bin" -m "$m" -p -f yaml --track=" cat" --candidates \
    --attribution "$prompt"
for k in tracked: attribution: candidates: max_prob: bias:; do
	grep -q "$k" "$tmp/out" || bad "yaml has no $k"
done

# --mask-input: each text cell is the first top-k token not in the prompt
# so far (the row's second line its probability).
expect 0 '' "$bin" -m "$m" -p -f json -k 5 "$prompt"
cp "$tmp/out" "$tmp/m.json"
expect 0 '' "$bin" -m "$m" -p -f text -k 5 --mask-input "$prompt"
if python3 - "$tmp/m.json" "$tmp/out" >"$tmp/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lines = [l for l in open(sys.argv[2], encoding="utf-8").read().splitlines()
         if not l.startswith("#")]
toks = [t["id"] for t in d["tokens"]]
err = []
masked = 0
rows = list(reversed(d["rows"]))
for n, row in enumerate(rows):
    probs = lines[2 + 2 * n][11:].split()
    if not lines[1 + 2 * n].startswith(row["name"]):
        err.append("line %r is not row %s" % (lines[1 + 2 * n], row["name"]))
    for p, c in enumerate(row["cells"]):
        want = next((t for t in c["top"] if t["id"] not in toks[:p + 1]), None)
        masked += want is not c["top"][0]
        got = probs[p]
        exp = "-" if want is None else "%.3f" % want["prob"]
        if got != exp:
            err.append("%s pos %d: %s, expected %s" % (row["name"], p, got, exp))
if masked == 0:
    err.append("no cell was masked: nothing tested")
print("\n".join(err[:10]))
sys.exit(1 if err else 0)
PY
then ok; else bad "--mask-input text: $(cat "$tmp/py")"; fi

# --delta, text: each probability line is the change of the top-1's
# probability from the row below (none for embed).
expect 0 '' "$bin" -m "$m" -p -f text --delta "$prompt"
if python3 - "$tmp/m.json" "$tmp/out" >"$tmp/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lines = [l for l in open(sys.argv[2], encoding="utf-8").read().splitlines()
         if not l.startswith("#")]
rows = list(reversed(d["rows"]))
err = []
for n, row in enumerate(rows):
    got = lines[2 + 2 * n][11:].split()
    for p, c in enumerate(row["cells"]):
        if n == len(rows) - 1:
            exp = "-"
        else:
            below = rows[n + 1]["cells"][p]["top"][0]["prob"]
            exp = "%+.3f" % (c["top"][0]["prob"] - below)
        if got[p] != exp and abs(float(got[p]) - float(exp)) > 0.0015:
            err.append("%s pos %d: %s, expected %s" % (row["name"], p, got[p], exp))
print("\n".join(err[:10]))
sys.exit(1 if err else 0)
PY
then ok; else bad "--delta text: $(cat "$tmp/py")"; fi

# --delta, svg: every cell's tooltip gives its change in the metric from the
# row below, the colour bar is signed and symmetric.
expect 0 '' "$bin" -m "$m" -p -f svg -k 5 --delta "$prompt"
if python3 - "$tmp/m.json" "$tmp/out" >"$tmp/py" 2>&1 <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
svg = open(sys.argv[2], encoding="utf-8").read()
names = [r["name"] for r in d["rows"]]
err, n = [], 0
for row, pos, v in re.findall(r"<title>([^,]+), position (\d+): [^<]*?prob change "
                              r"([-+][0-9.e+-]+)</title>", svg):
    i, p = names.index(row), int(pos)
    want = (d["rows"][i]["cells"][p]["top"][0]["prob"] -
            d["rows"][i - 1]["cells"][p]["top"][0]["prob"])
    if i == 0 or abs(float(v) - want) > 1e-3 * max(1, abs(want)):
        err.append("%s %d: %s, expected %+.4g" % (row, p, v, want))
    n += 1
want_n = (len(names) - 1) * len(d["tokens"])
if n != want_n:
    err.append("%d cells with a change, expected %d" % (n, want_n))
if 'url(#div)' not in svg or not re.search(r">-[0-9.]+</text>", svg):
    err.append("no signed diverging colour bar")
print("\n".join(err[:10]))
sys.exit(1 if err else 0)
PY
then ok; else bad "--delta svg: $(cat "$tmp/py")"; fi

# --track's errors.
expect 2 "is 2 tokens, not one" "$bin" -m "$m" -p --track=" cat sat" x
expect 1 "token id must be an integer" "$bin" -m "$m" -p --track='#99999999' x
expect 1 "empty token" "$bin" -m "$m" -p --track=' cat,,#3' x

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
