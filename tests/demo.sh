#!/bin/sh
# demo.sh: the bundled demo model, end to end.
#
# Its tokenizer (GPT-2's BPE with the merges cut to 4000) gives the ids the
# training script's independent Python BPE gave (tests/data/demo-tok.tsv);
# with no model configured anywhere the program falls back to it and says
# so; and on held-out text (not in its training corpus) the lens shows the
# expected picture: the mean KL to the final layer falls with depth and the
# final layer predicts the next token far above chance.

: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/logitlens
demo=$top_srcdir/data/demo-gpt2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
[ -f "$demo/model.safetensors" ] || { echo "SKIP: no demo model"; exit 77; }

# Tokenizer vectors. Plain BPE in the script: skip texts naming the special
# token, which logitlens (like transformers) treats as special.
python3 - "$top_srcdir/tests/data/demo-tok.tsv" "$tmp" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("#"):
        continue
    text, ids = line.rstrip("\n").split("\t")
    text = json.loads(text)
    if "<|endoftext|>" in text or not text:
        continue
    open("%s/t%03d" % (sys.argv[2], n), "wb").write(
        text.encode("utf-8", "surrogatepass"))
    open("%s/t%03d.ids" % (sys.argv[2], n), "w").write(ids.replace(",", " ") + "\n")
    n += 1
PY
for t in "$tmp"/t[0-9][0-9][0-9]; do
	"$bin" -m "$demo" -t <"$t" >"$t.got" 2>"$tmp/err" || bad "$t: $(cat "$tmp/err")"
	if cmp -s "$t.got" "$t.ids"; then ok; else
		bad "demo tokenizer: $(head -c 60 "$t") -> $(cat "$t.got"), expected $(cat "$t.ids")"
	fi
done

# The last fallback of the model search, and it says so.
mkdir -p "$tmp/home"
env -u LOGITLENS_MODEL -u HF_HOME -u HF_HUB_CACHE -u XDG_CACHE_HOME \
    HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config" \
    "$bin" -p -f json "In the beginning" >"$tmp/fallback.json" 2>"$tmp/err"
grep -q "demo model" "$tmp/err" && ok || bad "no demo-model notice: $(cat "$tmp/err")"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["model"]["n_layer"] == 6 and d["model"]["n_vocab"] == 4257, d["model"]
assert "logitlens --download gpt2" in d["note"], d.get("note")' \
    "$tmp/fallback.json" && ok || bad "fallback did not use the demo model"

# The explorer's status line says so too.
if command -v tmux >/dev/null; then
	sock=$(mktemp -d /tmp/demo.XXXXXX)/s
	tmux -S "$sock" -f /dev/null new-session -d -x 100 -y 20 -s t \
	    "env -u LOGITLENS_MODEL -u HF_HOME -u HF_HUB_CACHE -u NO_COLOR \
	    HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config \
	    XDG_STATE_HOME=$tmp/home/.state TERM=xterm-256color \
	    LC_ALL=C.UTF-8 $bin 'In the beginning'" \; \
	    set-option -t t remain-on-exit on \; set-option -t t status off
	i=0
	while [ $i -lt 250 ]; do
		tmux -S "$sock" capture-pane -t t -p >"$tmp/screen" 2>/dev/null
		grep -q ' ready ' "$tmp/screen" && break
		sleep 0.02
		i=$((i + 1))
	done
	tail -n 1 "$tmp/screen" | grep -q "demo model: 'logitlens --download gpt2'" &&
	    ok || bad "explorer status line: $(tail -n 1 "$tmp/screen")"
	tmux -S "$sock" kill-server 2>/dev/null
	rm -rf "$(dirname "$sock")"
fi

# Held-out text (the Book of Ruth, 1:1-5, KJV; held out of training).
cat >"$tmp/ruth" <<'TXT'
Now it came to pass in the days when the judges ruled, that there was a famine in the land. And a certain man of Bethlehemjudah went to sojourn in the country of Moab, he, and his wife, and his two sons. And the name of the man was Elimelech, and the name of his wife Naomi, and the name of his two sons Mahlon and Chilion, Ephrathites of Bethlehemjudah. And they came into the country of Moab, and continued there. And Elimelech Naomi's husband died; and she was left, and her two sons. And they took them wives of the women of Moab; the name of the one was Orpah, and the name of the other Ruth: and they dwelled there about ten years.
TXT
"$bin" -m "$demo" -p -f json <"$tmp/ruth" >"$tmp/ruth.json" 2>"$tmp/err" ||
    bad "lens on held-out text: $(cat "$tmp/err")"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
rows = d["rows"]
kl = [sum(c["kl"] for c in r["cells"]) / len(r["cells"]) for r in rows]
print("mean KL per row:", " ".join("%.3f" % k for k in kl))
assert all(a > b for a, b in zip(kl, kl[1:])), "KL does not fall with depth"
cells = rows[-1]["cells"][:-1]
acc = sum(c["top"][0]["id"] == c["next_id"] for c in cells) / len(cells)
print("final top-1 = next token: %.3f (chance %.5f)" % (acc, 1 / 4257))
assert acc > 0.15, acc' "$tmp/ruth.json" && ok || bad "the lens picture on held-out text"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
