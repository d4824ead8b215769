#!/bin/sh
# jacobian.sh: `--print --jacobian FILE` in every format.
#
# On the fixture model, with a seeded random Jacobian lens file made here:
# the JSON's cells (with and without --sublayers, and --attribution's
# parts) and the TSV's numbers against a float64 PyTorch reference
# (tests/jacobian-ref.py); YAML the same values as JSON; the text names the
# lens; the SVG is well-formed XML. Identity matrices give exactly the logit
# lens's cells (KL between the two: 0 up to float rounding). --tuned with --jacobian, a file of another model and a
# missing file are refused with one clear line.

. "${top_srcdir:-.}/tests/cli-lib.sh"

model=$fix/tiny-gpt2
[ -f "$model/model.safetensors" ] ||
    { echo "SKIP: $model not found (the shared fixtures)"; exit 77; }
py=${PYTHON_TORCH:-}
[ -n "$py" ] && "$py" -c 'import torch, numpy, yaml' 2>/dev/null ||
    { echo "SKIP: no python with torch, numpy and yaml (PYTHON_TORCH)"; exit 77; }

"$py" - "$tmp" "$top_srcdir/tests" <<'PY' || bad "lens files"
import sys, os
sys.dont_write_bytecode = True  # nothing written into the sources
sys.path.insert(0, sys.argv[2])
from st_write import write
import numpy as np
tmp = sys.argv[1]
g = np.random.default_rng(21)
C, L = 32, 3
write(os.path.join(tmp, "jac.st"), [("jacobians.%d" % i, np.eye(C) +
    g.normal(0, 0.3, (C, C))) for i in range(L)])
write(os.path.join(tmp, "eye.st"), [("jacobians.%d" % i, np.eye(C))
    for i in range(L)])
write(os.path.join(tmp, "other.st"), [("jacobians.%d" % i, np.eye(16))
    for i in range(L)])
PY

p="The logit lens decodes every layer's residual, caf\303\251."
run() { "$bin" -m "$model" --print -k 4 --jacobian "$@" "$p"; }

for sub in "" --sublayers; do
	run "$tmp/jac.st" $sub --format json --attribution >"$tmp/o.json" &&
	    run "$tmp/jac.st" $sub --format tsv >"$tmp/o.tsv" ||
	    { bad "--print --jacobian $sub"; continue; }
	"$py" "$top_srcdir/tests/jacobian-ref.py" "$model" "$tmp/jac.st" \
	    "$tmp/o.json" "$tmp/o.tsv" >"$tmp/ref" 2>&1 && ok ||
	    bad "json/tsv $sub against the reference: $(cat "$tmp/ref")"
done

run "$tmp/jac.st" --format json >"$tmp/j.json" &&
    run "$tmp/jac.st" --format yaml >"$tmp/j.yaml" ||
    bad "--print --jacobian json/yaml"
"$py" - "$tmp/j.json" "$tmp/j.yaml" <<'PY' && ok || bad "yaml differs from json"
import json, sys, yaml
a = json.load(open(sys.argv[1]))
b = yaml.safe_load(open(sys.argv[2]))
def same(x, y):
    if isinstance(x, dict):
        return isinstance(y, dict) and x.keys() == y.keys() and all(
            same(x[k], y[k]) for k in x)
    if isinstance(x, list):
        return isinstance(y, list) and len(x) == len(y) and all(
            same(u, v) for u, v in zip(x, y))
    if isinstance(x, float) or isinstance(y, float):
        return abs(x - y) <= 1e-6 * abs(x) + 1e-12
    return x == y
sys.exit(0 if b["lens"] == "jacobian" and same(a, b) else 1)
PY

run "$tmp/jac.st" >"$tmp/t.txt" && grep -q '^# decoded through the jacobian lens$' \
    "$tmp/t.txt" && ok || bad "text: no line naming the lens"
run "$tmp/jac.st" --format svg >"$tmp/t.svg" &&
    "$py" -c 'import sys, xml.etree.ElementTree as E
sys.exit(0 if E.parse(sys.argv[1]).getroot().tag.endswith("svg") else 1)' \
    "$tmp/t.svg" && ok || bad "svg: not a well-formed SVG"

# Identity matrices: the logit lens's cells, KL between the two lenses 0.
run "$tmp/eye.st" --format json --sublayers >"$tmp/eye.json" &&
    "$bin" -m "$model" --print -k 4 --format json --sublayers "$p" \
    >"$tmp/plain.json" || bad "--print with identity matrices"
"$py" - "$tmp/eye.json" "$tmp/plain.json" <<'PY' && ok || bad "identity matrices differ from the logit lens"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
kl = [c.pop("kl_logit_lens") for r in a["rows"] for c in r["cells"]]
ok = a.pop("lens") == "jacobian" and b.pop("lens") == "logit" and a == b
ok = ok and max(kl) < 1e-5  # float rounding of two equal distributions
sys.exit(0 if ok else 1)
PY

expect 1 '^logitlens: --tuned and --jacobian: --print decodes through one lens at a time$' \
    "$bin" -m "$model" --print --tuned "$tmp/jac.st" --jacobian "$tmp/jac.st" "$p"
expect 2 "other.st: tensor 'jacobians.0' has shape \[16, 16\], expected \[32, 32\]" \
    "$bin" -m "$model" --print --jacobian "$tmp/other.st" "$p"
expect 2 "nope.st" "$bin" -m "$model" --print --jacobian "$tmp/nope.st" "$p"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && ok || bad "missing file: not one line"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
