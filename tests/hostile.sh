#!/bin/sh
# hostile.sh: whatever people point logitlens at, it ends in one clear line.
#
# Broken copies of the tiny-gpt2 fixture (one fault each, made by
# hostile-model.py), hostile prompts and bad configuration files, each run
# through the real binary: the exit status, exactly one line on stderr that
# names the file and the problem, nothing on stdout for an error, and no raw
# control bytes in what is printed. Then special files (a FIFO for every
# file the program reads), YAML bombs, C1 bytes and escapes that reach a
# message, and every output to a full disk. With LOGITLENS_VALGRIND=1 (and
# valgrind installed, and a binary built without sanitizers) every case also
# runs once under memcheck: no errors, no definite leaks.

: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/logitlens
fix=${LOGITLENS_FIXTURES:-$top_srcdir/../shared/fixtures}
mk=$top_srcdir/tests/hostile-model.py
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
vgruns=0

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
[ -d "$fix/tiny-gpt2" ] || { echo "SKIP: fixtures not found ($fix)"; exit 77; }
model=$fix/tiny-gpt2

vg=
if [ "${LOGITLENS_VALGRIND:-0}" = 1 ]; then
	if ! command -v valgrind >/dev/null; then
		echo "valgrind not found: memcheck runs skipped"
	elif grep -aq __asan_init "$bin"; then
		echo "sanitizer build: memcheck runs skipped"
	else
		vg=valgrind
	fi
fi

# run STATUS STDIN ARGS...: runs the binary into $tmp/out and $tmp/err and
# checks the status; then once more under valgrind when asked.
run() {
	want=$1 in=$2
	shift 2
	timeout 120 "$bin" "$@" <"$in" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" != "$want" ]; then
		bad "$*: exit $got, expected $want ($(head -c 300 "$tmp/err"))"
		return 1
	fi
	[ -z "$vg" ] && return 0
	vgruns=$((vgruns + 1))
	valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --log-file="$tmp/vg.log" \
	    "$bin" "$@" <"$in" >/dev/null 2>&1
	got=$?
	if [ "$got" != "$want" ] || [ -s "$tmp/vg.log" ]; then
		bad "$* under valgrind: exit $got"
		head -n 40 "$tmp/vg.log" >&2
		return 1
	fi
	return 0
}

# one_line TEXT...: stderr is one line holding each TEXT (fixed strings).
one_line() {
	n=$(wc -l <"$tmp/err")
	if [ "$n" -ne 1 ]; then
		bad "$case: $n lines on stderr: $(head -c 400 "$tmp/err")"
		return 1
	fi
	for t in "$@"; do
		if ! grep -Fq -- "$t" "$tmp/err"; then
			bad "$case: stderr '$(cat "$tmp/err")' lacks '$t'"
			return 1
		fi
	done
	return 0
}

# clean FORMAT FILE: valid UTF-8 without ESC, DEL, C1 or C0 controls but
# the format's separators; json: a valid document, C0 controls escaped (DEL
# and C1 may be raw in JSON strings).
clean() {
	python3 - "$1" "$2" <<'EOF'
import json, re, sys
fmt, b = sys.argv[1], open(sys.argv[2], "rb").read()
try:
    s = b.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("not UTF-8: %s" % e)
allowed = {"text": "\n", "tsv": "\t\n", "json": "\n\x7f-\U0010ffff"}[fmt]
m = re.search("[^%s\\x20-\\x7e\\xa0-\\U0010ffff]" % allowed, s)
if m:
    sys.exit("raw control %r at %d" % (m.group(), m.start()))
if fmt == "json":
    json.loads(s)
EOF
}

# Model directories: one fault each.
python3 "$mk" list >"$tmp/cases" || exit 99
: >"$tmp/empty"
ncases=0
while IFS='	' read -r case want file text; do
	ncases=$((ncases + 1))
	d=$tmp/m/$case
	python3 "$mk" make "$model" "$d" "$case" || { bad "$case: make"; continue; }
	[ "$file" = . ] && path=$d || path=$d/$file
	run "$want" "$tmp/empty" -m "$d" --print "Hello world" || continue
	if [ "$want" != 0 ]; then
		[ -s "$tmp/out" ] && { bad "$case: output on stdout"; continue; }
		one_line "$path" "$text" && ok
	elif [ -n "$text" ]; then
		# NaN weights: a warning naming the model, NaN cells, no crash.
		one_line "warning" "$d" "$text" || continue
		grep -q 'nan' "$tmp/out" && ok || bad "$case: no nan in output"
	else
		[ -s "$tmp/err" ] && bad "$case: stderr: $(cat "$tmp/err")" ||
		    { clean text "$tmp/out" && ok || bad "$case: output"; }
	fi
	rm -rf "$d"
done <"$tmp/cases"

# Prompts.
case=prompts
printf '' >"$tmp/p-empty"
printf ' \n\t \r\n ' >"$tmp/p-space"
printf 'caf\303 \377\376 ok \355\240\200 \300\257 end\302' >"$tmp/p-utf8"
printf 'a\000b\000\000c \000' >"$tmp/p-nul"
printf 'hi \033[2J\033[H\007 there \033]0;title\007 \302\233 \r\b\177 \033P+q\033\\ \342\200\256 x' \
    >"$tmp/p-esc"
python3 -c 'import sys; sys.stdout.write("word " * 20480)' >"$tmp/p-100k"
python3 -c 'import random, sys; random.seed(7)
sys.stdout.buffer.write(bytes(random.randrange(256) for _ in range(102400)))' \
    >"$tmp/p-random"
for f in empty space utf8 nul esc 100k random; do
	ninputs=$((ninputs + 1))
done

run 2 "$tmp/empty" -m "$model" --print '' &&
    one_line 'the prompt is empty' && ok
run 2 "$tmp/p-empty" -m "$model" --print &&
    one_line 'the prompt is empty' && ok
run 2 "$tmp/p-100k" -m "$model" --print &&
    one_line "the prompt is 20481 tokens, longer than the model's context" &&
    ok
[ -s "$tmp/out" ] && bad "100 KB prompt: output on stdout"
run 0 "$tmp/p-100k" -m "$model" --print -f json --truncate &&
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
sys.exit(len(d["tokens"]) != 64)' "$tmp/out" && ok ||
    bad "100 KB prompt --truncate: not 64 tokens"
for p in space utf8 nul esc random; do
	case=prompt-$p
	for fmt in text tsv json; do
		extra=
		[ $p = random ] && extra=--truncate
		run 0 "$tmp/p-$p" -m "$model" --print -f $fmt $extra || continue
		[ -s "$tmp/err" ] && { bad "$case $fmt: $(cat "$tmp/err")"; continue; }
		clean $fmt "$tmp/out" && ok || bad "$case $fmt output"
	done
	run 0 "$tmp/p-$p" -m "$model" --tokenize -f json &&
	    clean json "$tmp/out" && ok || bad "$case --tokenize -f json"
done
# JSON carries the text escaped: the tokens join back to the prompt (when
# no character spans two tokens).
printf 'a [2J[H
 ]0;t z' >"$tmp/p-ascii"
for p in ascii; do
	run 0 "$tmp/p-$p" -m "$model" --print -f json &&
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
t = "".join(x["text"] for x in d["tokens"])
sys.exit(t != open(sys.argv[2], "rb").read().decode())' \
	    "$tmp/out" "$tmp/p-$p" && ok || bad "prompt-$p: JSON text differs"
done
# The prompt on the command line, escapes and all.
run 0 "$tmp/empty" -m "$model" --print "$(cat "$tmp/p-esc")" &&
    clean text "$tmp/out" && ok || bad "escape prompt as an argument"

# Configuration files: file:line:col, and the lens with the defaults.
i=0
while IFS='|' read -r name yaml where; do
	i=$((i + 1))
	case=config-$name
	printf -- "$yaml" >"$tmp/c$i.yaml"
	run 0 "$tmp/empty" -m "$model" --config "$tmp/c$i.yaml" --print Hi ||
	    continue
	one_line "$tmp/c$i.yaml:$where" || continue
	grep -q '^embed ' "$tmp/out" && ok || bad "$case: no lens on stdout"
done <<'EOF'
invalid|top-k: [1,\n|2:1: 
tab-indent|keys:\n\tquit: q\n|2:1: 
wrong-type|top-k: abc\n|1:8: 'top-k' must be an integer
range|top-k: 99999999999999999999\n|1:8: 'top-k' must be between
list|top-k: [1]\n|1:8: 'top-k' must be an integer
recursive|top-k: &a [*a]\n|1:12: an alias inside what its anchor names
unknown-key|colour: red\n|1:1: unknown key 'colour'
top-level|- 1\n- 2\n|1:1: 
documents|a: 1\n---\nb: 2\n|3:1: 
escape-key|top-k: 5\n\033[2J: 1\n|2:1: 
nul|a\000b: 1\n|1:2: 
bad-utf8|metric: \233\n|1:9: 
bad-key|keys:\n  quit: [C-\033]\n|2:
EOF
case=config-empty
: >"$tmp/c-empty.yaml"
run 0 "$tmp/empty" -m "$model" --config "$tmp/c-empty.yaml" --print Hi &&
    { [ -s "$tmp/err" ] && bad "$case: $(cat "$tmp/err")" || ok; }
case=config-directory
mkdir "$tmp/c-dir"
run 0 "$tmp/empty" -m "$model" --config "$tmp/c-dir" --print Hi &&
    one_line "$tmp/c-dir: not a regular file (a directory)" && ok
case=config-missing
run 2 "$tmp/empty" -m "$model" --config "$tmp/none.yaml" --print Hi &&
    one_line "$tmp/none.yaml: No such file" && ok
[ -s "$tmp/out" ] && bad "$case: output on stdout"

# Special files wherever a file is opened: a FIFO is refused at once with
# one line (run's timeout only guards against a hang; nothing is timed).
for f in config.json vocab.json merges.txt model.safetensors; do
	case=fifo-$f
	d=$tmp/fifo-$f
	mkdir "$d"
	for g in config.json vocab.json merges.txt model.safetensors; do
		ln -s "$(cd "$model" && pwd)/$g" "$d/$g"
	done
	rm "$d/$f"
	mkfifo "$d/$f" || exit 99
	run 2 "$tmp/empty" -m "$d" --print Hi &&
	    one_line "$d/$f: not a regular file (a FIFO)" && ok
	rm -rf "$d"
done
mkfifo "$tmp/fifo" || exit 99
case=fifo-config
run 0 "$tmp/empty" -m "$model" --config "$tmp/fifo" --print Hi &&
    one_line "$tmp/fifo: not a regular file (a FIFO)" && ok
case=fifo-tuned
run 2 "$tmp/empty" -m "$model" --tuned "$tmp/fifo" --print Hi &&
    one_line "$tmp/fifo: not a regular file (a FIFO)" && ok

# YAML bombs in the configuration: one line, the lens with the defaults.
case=bomb-depth
python3 -c 'import sys; sys.stdout.write("top-k: " + "[" * 100000 +
    "]" * 100000 + "\n")' >"$tmp/bomb1.yaml"
run 0 "$tmp/empty" -m "$model" --config "$tmp/bomb1.yaml" --print Hi &&
    one_line "$tmp/bomb1.yaml:1:23: nested more than 16 levels deep" && ok
case=bomb-keys
python3 -c 'import sys; sys.stdout.write("keys: {" +
    ",".join("%x: x" % i for i in range(100000)) + "}\n")' \
    >"$tmp/bomb2.yaml"
run 0 "$tmp/empty" -m "$model" --config "$tmp/bomb2.yaml" --print Hi &&
    one_line "$tmp/bomb2.yaml:1:" "more than 10000 values" && ok

# Messages never carry C1 controls or invalid UTF-8: a merges.txt of
# random bytes is quoted escaped.
case=merges-random
d=$tmp/m-random
mkdir "$d"
for g in config.json vocab.json model.safetensors; do
	ln -s "$(cd "$model" && pwd)/$g" "$d/$g"
done
python3 -c 'import random, sys; random.seed(11)
sys.stdout.buffer.write(b"#version: 0.2\n" +
    bytes(random.randrange(128, 160) for _ in range(64)) + b" x\n")' \
    >"$d/merges.txt"
run 2 "$tmp/empty" -m "$d" --print Hi && one_line "$d/merges.txt" &&
    { clean text "$tmp/err" && ok || bad "$case: raw bytes on stderr"; }
grep -q '\\x8' "$tmp/err" ||
    bad "$case: no escaped C1 byte: $(cat "$tmp/err")"

# A model directory whose name carries escapes and C1 bytes, named in the
# note on stderr: escaped there too.
case=escaped-note
d=$tmp/$(printf 'm\033]0;x\007\302\233\377')
mkdir "$d"
for g in config.json vocab.json merges.txt model.safetensors; do
	ln -s "$(cd "$model" && pwd)/$g" "$d/$g"
done
LOGITLENS_MODEL=$d run 0 "$tmp/empty" --print Hi &&
    one_line "using the model" '\x1B]0;x\x07\xC2\x9B\xFF' &&
    { clean text "$tmp/err" && ok || bad "$case: raw bytes on stderr"; }
unset LOGITLENS_MODEL

# Every output to a full disk is an error, in one line.
if [ -w /dev/full ]; then
	for args in "--tokenize Hi" "--print-config" "--list-keys" \
	    "--print Hi" "--print -f json Hi" "--help"; do
		case="$args >/dev/full"
		# shellcheck disable=SC2086
		timeout 120 "$bin" -m "$model" $args </dev/null >/dev/full \
		    2>"$tmp/err"
		got=$?
		[ $got -eq 2 ] || bad "$case: exit $got, expected 2"
		one_line "standard output: " "No space left on device" && ok
	done
fi

echo "$ncases model directories, $((ninputs + 0)) prompts, $i+3 configuration" \
    "files; $vgruns runs under valgrind"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
