#!/bin/sh
# cli.sh: the command line end to end, against Hugging Face's references.
#
# Runs the real binary on the fixture models and compares its JSON output
# (tokens, every row and cell) with lens_ref.json; then usage and input
# errors, each with its exit status and message. Needs python3 (standard
# library only) to read JSON.

. "${top_srcdir:-.}/tests/cli-lib.sh"

# Usage.
expect 0 '' "$bin" --help
grep -q '^Usage: logitlens' "$tmp/out" || bad "--help has no Usage line"
# Every long option of --help is in the man page and the bash completion.
if python3 - "$tmp/out" "$top_srcdir/man/logitlens.1" \
    "$top_srcdir/completion/logitlens.bash" >"$tmp/py" 2>&1 <<'PY'
import re, sys
opts = sorted(set(re.findall(r"--[a-z][a-z-]+", open(sys.argv[1]).read())))
man = open(sys.argv[2], encoding="utf-8").read()
comp = open(sys.argv[3], encoding="utf-8").read()
err = []
for o in opts:
    # mdoc spells --no-mouse as "Fl \-no\-mouse".
    m = "Fl " + o[1:].replace("-", "\\-")
    if not re.search(re.escape(m) + r"(?![a-z\\])", man):
        err.append("man page: no " + o)
    if not re.search(re.escape(o) + r"(?![a-z-])", comp):
        err.append("completion: no " + o)
if len(opts) < 20:
    err.append("only %d options in --help" % len(opts))
print("\n".join(err))
sys.exit(1 if err else 0)
PY
then ok; else bad "options: $(cat "$tmp/py")"; fi
expect 0 '' "$bin" --version
grep -q '^logitlens [0-9]' "$tmp/out" || bad "--version: $(cat "$tmp/out")"
expect 1 'unrecognized option' "$bin" --bogus
expect 1 "unknown format 'xml'" "$bin" --format xml
expect 1 'top-k must be an integer from 1 to 100' "$bin" -k 0
expect 1 'color must be always, never or auto' "$bin" --color=sometimes

if [ ! -d "$fix/tiny-gpt2" ]; then
	echo "SKIP: fixtures not found ($fix); usage checks only: $pass passed"
	[ $fail -eq 0 ] && exit 77 || exit 1
fi

# Every fixture, every reference prompt: JSON against lens_ref.json.
for m in tiny-gpt2 tiny-gpt2-f16; do
	dir=$fix/$m
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["prompts"]))' "$dir/lens_ref.json")
	i=0
	while [ $i -lt "$n" ]; do
		python3 -c 'import json,sys
p = json.load(open(sys.argv[1]))["prompts"][int(sys.argv[2])]
open(sys.argv[3], "wb").write(p["text"].encode())' \
		    "$dir/lens_ref.json" $i "$tmp/prompt"
		if ! "$bin" -m "$dir" --print -f json --sublayers \
		    <"$tmp/prompt" >"$tmp/lens.json" 2>"$tmp/err"; then
			bad "$m prompt $i: $(cat "$tmp/err")"
		elif python3 "$top_srcdir/tests/compare-lens.py" \
		    "$dir/lens_ref.json" $i "$tmp/lens.json"; then
			ok
		else
			bad "$m prompt $i: JSON differs from the reference"
		fi
		"$bin" -m "$dir" --tokenize -f json <"$tmp/prompt" \
		    >"$tmp/tok.json" 2>"$tmp/err"
		python3 -c 'import json,sys
ref = json.load(open(sys.argv[1]))["prompts"][int(sys.argv[2])]["ids"]
got = json.load(open(sys.argv[3]))["ids"]
sys.exit(0 if got == ref else "tokenize: %r != %r" % (got, ref))' \
		    "$dir/lens_ref.json" $i "$tmp/tok.json" && ok ||
		    bad "$m prompt $i: --tokenize"
		i=$((i + 1))
	done
done

dir=$fix/tiny-gpt2
# Text and TSV: one line per cell plus a header.
expect 0 '' "$bin" -m "$dir" --print -f tsv "The quick brown fox"
[ "$(wc -l <"$tmp/out")" -eq $((4 * 4 + 1)) ] && ok ||
    bad "tsv has $(wc -l <"$tmp/out") lines, expected 17"
expect 0 '' "$bin" -m "$dir" --print "The quick brown fox"
grep -q '^h\.2 ' "$tmp/out" && grep -q '^embed ' "$tmp/out" && ok ||
    bad "text output lacks its row labels"
# Not a terminal: the lens is printed without --print.
"$bin" -m "$dir" "The quick" >"$tmp/out" 2>"$tmp/err" </dev/null
grep -q '^embed ' "$tmp/out" && ok || bad "non-tty stdout does not print"

# Input errors: exit 2 and one line naming the file and the problem.
expect 2 "'$tmp/none': no such directory" "$bin" -m "$tmp/none" --print x
mkdir -p "$tmp/empty"
expect 2 "$tmp/empty/vocab.json: No such file" "$bin" -m "$tmp/empty" --print x
expect 2 'the prompt is empty' "$bin" -m "$dir" --print ''
long=$(python3 -c 'print(" ".join(["word"] * 100))')
expect 2 "the prompt is 100 tokens, longer than the model's context of 64" \
    "$bin" -m "$dir" --print "$long"
expect 0 '' "$bin" -m "$dir" --print -f json --truncate "$long"
python3 -c 'import json,sys; d = json.load(open(sys.argv[1]))
sys.exit(0 if len(d["tokens"]) == 64 and len(d["rows"][0]["cells"]) == 64 else 1)' \
    "$tmp/out" && ok || bad "--truncate does not keep 64 tokens"
cp -r "$dir" "$tmp/garbage" && chmod -R u+w "$tmp/garbage"
echo '{"n_layer": 3,' >"$tmp/garbage/config.json"
expect 2 "$tmp/garbage/config.json:.*not valid JSON" \
    "$bin" -m "$tmp/garbage" --print x

# A NUL byte is a token like any other, and JSON keeps it.
printf 'a\000b' | "$bin" -m "$dir" -t -f json >"$tmp/out" 2>"$tmp/err"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
sys.exit(0 if d["tokens"] == ["a", "\0", "b"] else repr(d))' "$tmp/out" &&
    ok || bad "NUL byte lost in --tokenize JSON"

# --tuned: zero translators decode exactly as the plain lens.
python3 -c 'import json, struct, sys
L, C = 3, 32
hdr, off = {}, 0
for i in range(L):
    for name, shape in (("weight", [C, C]), ("bias", [C])):
        n = 4 * (C * C if name == "weight" else C)
        hdr["translators.%d.%s" % (i, name)] = {"dtype": "F32",
            "shape": shape, "data_offsets": [off, off + n]}
        off += n
h = json.dumps(hdr).encode()
h += b" " * (-len(h) % 8)
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + bytes(off))' \
    "$tmp/tuned.safetensors"
"$bin" -m "$dir" -p -f json "The quick brown fox" >"$tmp/plain.json" 2>/dev/null
expect 0 '' "$bin" -m "$dir" -p -f json --tuned "$tmp/tuned.safetensors" \
    "The quick brown fox"
python3 -c 'import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["lens"] == "logit" and b["lens"] == "tuned", "lens names"
for ra, rb in zip(a["rows"], b["rows"]):
    for ca, cb in zip(ra["cells"], rb["cells"]):
        assert [t["id"] for t in ca["top"]] == [t["id"] for t in cb["top"]]
        assert abs(ca["entropy"] - cb["entropy"]) < 1e-5
        assert 0 <= cb["kl_logit_lens"] < 1e-4, cb["kl_logit_lens"]
        assert "kl_logit_lens" not in ca' "$tmp/plain.json" "$tmp/out" &&
    ok || bad "--tuned with zero translators differs from the plain lens"
expect 2 "tuned.bad" "$bin" -m "$dir" -p --tuned "$tmp/tuned.bad" x

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
