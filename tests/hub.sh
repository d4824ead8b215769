#!/bin/sh
# hub.sh: hub_download (through tests/hub-fetch) against tests/hub-server.py
# on loopback: a clean download and its cache layout, a second run that
# fetches nothing, resume after an interrupted or cancelled transfer, a
# server that ignores Range, a corrupted transfer, 401/404/500, a stalled
# server, a renamed repository, and a refused connection. Then a hostile
# hub: redirects to another origin (the token must not follow), a commit
# with escape sequences, gzip and HTML bodies, a damaged blob, FIFOs and
# symlinks in the cache, and --download's output to a full disk.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
fetch=$top_builddir/tests/hub-fetch
server=$top_srcdir/tests/hub-server.py
fixtures=${LOGITLENS_FIXTURES:-$top_srcdir/../shared/fixtures}/tiny-gpt2
files="config.json vocab.json merges.txt model.safetensors"
repo=openai-community/gpt2
commit=0123456789abcdef0123456789abcdef01234567
folder=models--openai-community--gpt2

for f in $files; do
	if [ ! -f "$fixtures/$f" ]; then
		echo "SKIP: no fixture $fixtures/$f"
		exit 77
	fi
done
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: no python3 for the test server"
	exit 77
fi
if [ ! -x "$fetch" ]; then
	echo "ERROR: $fetch not built"
	exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hub-test.XXXXXX") || exit 99
spid=
cleanup() {
	[ -n "$spid" ] && kill "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

mkdir "$tmp/root"
for f in $files; do
	cp "$fixtures/$f" "$tmp/root/$f" || exit 99
done
sha=$(python3 -c 'import hashlib, sys
print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' \
    "$tmp/root/model.safetensors")
size=$(wc -c <"$tmp/root/model.safetensors" | tr -d ' ')

unset HF_TOKEN HF_HOME HF_HUB_ETAG_TIMEOUT HF_HUB_DOWNLOAD_TIMEOUT \
    HUGGINGFACE_HUB_CACHE HF_HUB_OFFLINE
failed=0
fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

# start_server [flags]: a fresh server and log; sets port and HF_ENDPOINT.
start_server() {
	: >"$tmp/log"
	rm -f "$tmp/port"
	python3 "$server" --root "$tmp/root" --repo "$repo" \
	    --commit "$commit" --log "$tmp/log" --timeout 120 "$@" \
	    >"$tmp/port" 2>"$tmp/server.err" &
	spid=$!
	i=0
	while [ ! -s "$tmp/port" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$spid" 2>/dev/null; then
			echo "ERROR: the test server did not start"
			cat "$tmp/server.err"
			exit 99
		fi
		sleep 0.1
	done
	port=$(head -n 1 "$tmp/port")
	HF_ENDPOINT=http://127.0.0.1:$port
	export HF_ENDPOINT
}

stop_server() {
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=
}

# run NAME [args]: hub-fetch into $HF_HUB_CACHE; status in $rc.
run() {
	"$fetch" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

expect_ok() {
	run "$@"
	[ $rc -eq 0 ] || fail "$what: hub-fetch $*: exit $rc: $(cat "$tmp/err")"
}

# expect_error NEEDLE... : the last run failed with all of these in stderr.
expect_error() {
	[ $rc -ne 0 ] || fail "$what: succeeded, expected an error"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] ||
	    fail "$what: not one line: $(cat "$tmp/err")"
	for needle in "$@"; do
		grep -qF -- "$needle" "$tmp/err" ||
		    fail "$what: '$(cat "$tmp/err")' lacks '$needle'"
	done
}

# check_cache DIR: the layout huggingface_hub writes, and the bytes.
check_cache() {
	snap=$1/$folder/snapshots/$commit
	for f in $files; do
		[ -L "$snap/$f" ] || fail "$what: $snap/$f is not a symlink"
		case $(readlink "$snap/$f") in
		../../blobs/*) ;;
		*) fail "$what: $f links to $(readlink "$snap/$f")" ;;
		esac
		cmp -s "$snap/$f" "$tmp/root/$f" || fail "$what: $f differs"
	done
	[ "$(readlink "$snap/model.safetensors")" = "../../blobs/$sha" ] ||
	    fail "$what: weights not stored as blobs/<sha256>"
	[ "$(cat "$1/$folder/refs/main")" = "$commit" ] ||
	    fail "$what: refs/main is '$(cat "$1/$folder/refs/main")'"
	[ "$(wc -c <"$1/$folder/refs/main")" -eq 40 ] ||
	    fail "$what: refs/main is not just the hash"
	ls "$1/$folder/blobs" | grep -q incomplete &&
	    fail "$what: .incomplete left in blobs"
	HF_HUB_CACHE=$1 "$fetch" -r gpt2 >"$tmp/resolved" 2>&1
	[ "$(cat "$tmp/resolved")" = "$snap" ] ||
	    fail "$what: hub_resolve gave $(cat "$tmp/resolved")"
}

# git_sha FILE: the git blob sha1 the hub gives a small file as its ETag.
git_sha() {
	python3 -c 'import hashlib, sys
d = open(sys.argv[1], "rb").read()
print(hashlib.sha1(b"blob %d\0" % len(d) + d).hexdigest())' "$1"
}

gets() {
	grep -c "^GET " "$tmp/log"
}

# A clean download through the CDN redirect, then nothing to do.
what="clean download"
export HF_HUB_CACHE="$tmp/c1"
start_server --redirect
expect_ok gpt2
check_cache "$tmp/c1"
grep -q "^GET /cdn/$sha" "$tmp/log" || fail "$what: CDN redirect not taken"
grep -v -q " enc=identity host=" "$tmp/log" &&
    fail "$what: requests without Accept-Encoding: identity"
grep -q "^HEAD /$repo/resolve/main/model.safetensors " "$tmp/log" ||
    fail "$what: no HEAD for the weights"
grep -q "^model.safetensors $size $size\$" "$tmp/out" ||
    fail "$what: progress did not end at $size: $(cat "$tmp/out")"
# Four files, one of them through the redirect.
[ "$(gets)" -eq 5 ] || fail "$what: $(gets) GETs, expected 5"
what="second run"
: >"$tmp/log"
expect_ok gpt2
[ "$(gets)" -eq 0 ] || fail "$what: $(gets) GETs, expected none"
grep -q "^model.safetensors $size $size\$" "$tmp/out" ||
    fail "$what: no progress for cached files: $(cat "$tmp/out")"
check_cache "$tmp/c1"
stop_server

# Interrupted after 100000 bytes, then resumed with Range.
what="interrupted"
export HF_HUB_CACHE="$tmp/c2"
start_server --redirect --drop-after 100000
run gpt2
expect_error "model.safetensors" "interrupted" "run again to resume"
part=$tmp/c2/$folder/blobs/$sha.incomplete
[ -f "$part" ] || fail "$what: no $part"
[ "$(wc -c <"$part")" -eq 100000 ] ||
    fail "$what: partial file has $(wc -c <"$part") bytes"
[ -e "$tmp/c2/$folder/blobs/$sha" ] && fail "$what: blob complete"
[ -e "$tmp/c2/$folder/refs/main" ] && fail "$what: refs/main written"
stop_server
what="resume"
start_server --redirect
expect_ok gpt2
grep -q "^GET /cdn/$sha?expires=never range=bytes=100000- " "$tmp/log" ||
    fail "$what: no Range request: $(grep GET "$tmp/log")"
[ "$(gets)" -eq 2 ] || fail "$what: $(gets) GETs, expected 2"
check_cache "$tmp/c2"
stop_server

# Cancelled from the progress callback, then resumed.
what="cancel"
export HF_HUB_CACHE="$tmp/c3"
start_server
run -c 1000000 gpt2
expect_error "model.safetensors" "cancelled"
[ -f "$tmp/c3/$folder/blobs/$sha.incomplete" ] ||
    fail "$what: no partial file kept"
what="resume after cancel"
: >"$tmp/log"
expect_ok gpt2
grep -q "^GET /$repo/resolve/main/model.safetensors range=bytes=[1-9]" \
    "$tmp/log" || fail "$what: no Range request"
check_cache "$tmp/c3"
stop_server

# A partial file and a server that ignores Range: start again.
what="ignored Range"
export HF_HUB_CACHE="$tmp/c4"
start_server --drop-after 50000
run gpt2
stop_server
start_server --ignore-range
expect_ok gpt2
grep -q "range=bytes=50000-" "$tmp/log" || fail "$what: no Range asked"
check_cache "$tmp/c4"
stop_server

# Corrupted bytes: the sha256 check fails and nothing is kept.
what="corrupted"
export HF_HUB_CACHE="$tmp/c5"
start_server --redirect --corrupt
run gpt2
expect_error "model.safetensors" "sha256 mismatch" "expected $sha"
ls "$tmp/c5/$folder/blobs" | grep -q "^$sha" &&
    fail "$what: blob or partial file left: $(ls "$tmp/c5/$folder/blobs")"
[ -e "$tmp/c5/$folder/snapshots/$commit/model.safetensors" ] &&
    fail "$what: snapshot link made"
stop_server

# A gated repository: 401 without a token, with a wrong one; then right.
what="401"
export HF_HUB_CACHE="$tmp/c6"
start_server --token s3cret
run gpt2
expect_error "config.json" "HTTP 401" \
    "http://127.0.0.1:$port/$repo/resolve/main/config.json" "HF_TOKEN"
what="wrong token"
HF_TOKEN=wrong
export HF_TOKEN
run gpt2
expect_error "HTTP 401" "HF_TOKEN was not accepted"
what="token"
HF_TOKEN=s3cret
expect_ok gpt2
unset HF_TOKEN
grep -q "auth=Bearer s3cret" "$tmp/log" || fail "$what: no bearer token"
check_cache "$tmp/c6"
stop_server

# Not on the server: 404 naming the URL.
what="404"
export HF_HUB_CACHE="$tmp/c7"
start_server
run gpt2-medium
expect_error "config.json" "HTTP 404" \
    "/openai-community/gpt2-medium/resolve/main/config.json" \
    "Repository not found"
stop_server

what="500"
start_server --status 500
run gpt2
expect_error "config.json" "HTTP 500" "try again later"
stop_server

# A server that stops sending: the download timeout ends it.
what="stall"
export HF_HUB_CACHE="$tmp/c8"
start_server --stall 30
t0=$(date +%s)
HF_HUB_DOWNLOAD_TIMEOUT=1
export HF_HUB_DOWNLOAD_TIMEOUT
run gpt2
unset HF_HUB_DOWNLOAD_TIMEOUT
expect_error "model.safetensors" "timed out" "run again to resume"
[ $(($(date +%s) - t0)) -lt 20 ] || fail "$what: took too long"
stop_server

# A renamed repository: the hub answers with a relative redirect.
what="renamed repository"
export HF_HUB_CACHE="$tmp/c9"
start_server --alias old-org/old-name
expect_ok old-org/old-name
snap=$tmp/c9/models--old-org--old-name/snapshots/$commit
cmp -s "$snap/model.safetensors" "$tmp/root/model.safetensors" ||
    fail "$what: weights differ"
HF_HUB_CACHE=$tmp/c9 "$fetch" -r old-org/old-name >"$tmp/resolved" 2>&1
[ "$(cat "$tmp/resolved")" = "$snap" ] ||
    fail "$what: resolved to $(cat "$tmp/resolved")"
stop_server

# HF_TOKEN goes to HF_ENDPOINT's origin only: not to a CDN on another
# origin (localhost is not 127.0.0.1), not through a HEAD redirect.
what="token and another origin"
export HF_HUB_CACHE="$tmp/c11"
HF_TOKEN=s3cret
export HF_TOKEN
start_server --redirect --cdn-host localhost --token s3cret
expect_ok gpt2
check_cache "$tmp/c11"
grep -q "^GET /cdn/.* host=localhost:$port" "$tmp/log" ||
    fail "$what: CDN on localhost not asked: $(cat "$tmp/log")"
grep "host=localhost" "$tmp/log" | grep -q "auth=Bearer" &&
    fail "$what: the token went to another origin: $(cat "$tmp/log")"
grep "host=127.0.0.1" "$tmp/log" | grep -v -q "auth=Bearer s3cret" &&
    fail "$what: a request to HF_ENDPOINT without the token"
stop_server
for loc in "//localhost:PORT/$repo/resolve/main/config.json" \
    "http://localhost:PORT/$repo/resolve/main/config.json"; do
	what="HEAD redirect to $loc"
	export HF_HUB_CACHE="$tmp/c12"
	start_server --token s3cret --fault-file config.json \
	    --head-location "$loc"
	run gpt2
	expect_error "config.json" "HTTP 307" "not followed"
	grep -q "host=localhost" "$tmp/log" &&
	    fail "$what: followed: $(cat "$tmp/log")"
	stop_server
done
unset HF_TOKEN

# What the server says is checked before it names a file or reaches a
# terminal: a commit is 40 hex digits.
what="commit with escapes"
export HF_HUB_CACHE="$tmp/c13"
start_server --bad-commit '\x1b]0;owned\x07\x9b2J'
run gpt2
expect_error "config.json" "bad X-Repo-Commit" "40 hex digits"
tr -d '\n -~' <"$tmp/err" | grep -q . &&
    fail "$what: raw control bytes in '$(cat -v "$tmp/err")'"
[ -e "$tmp/c13/$folder/snapshots" ] && fail "$what: a snapshot was made"
stop_server

# A body the ETag does not describe is never kept: gzip-encoded (even to
# resume a good part), an HTML page with 200; then one rerun is enough.
what="gzip body"
export HF_HUB_CACHE="$tmp/c14"
start_server --gzip --fault-file config.json
run gpt2
expect_error "config.json" "'gzip'-encoded" "run again"
ls "$tmp/c14/$folder/blobs" | grep -v -q incomplete &&
    fail "$what: a blob was kept: $(ls "$tmp/c14/$folder/blobs")"
stop_server
start_server --drop-after 50000
run gpt2
stop_server
what="gzip onto a partial file"
start_server --gzip
run gpt2
expect_error "model.safetensors" "'gzip'-encoded"
part=$tmp/c14/$folder/blobs/$sha.incomplete
[ ! -s "$part" ] || fail "$what: $(wc -c <"$part") bytes kept to resume"
stop_server
what="rerun after gzip"
start_server --redirect
expect_ok gpt2
check_cache "$tmp/c14"
stop_server

what="HTML page"
export HF_HUB_CACHE="$tmp/c15"
start_server --html --fault-file merges.txt
run gpt2
expect_error "merges.txt" "git sha1 mismatch" "removed"
ls "$tmp/c15/$folder/blobs" | grep -q "$(git_sha "$tmp/root/merges.txt")" &&
    fail "$what: the page was kept"
stop_server
what="rerun after the HTML page"
start_server
expect_ok gpt2
check_cache "$tmp/c15"
# A small blob damaged in the cache is fetched again, once.
what="damaged blob"
vblob=$tmp/c15/$folder/blobs/$(git_sha "$tmp/root/vocab.json")
[ -f "$vblob" ] || fail "$what: no $vblob"
printf '{"broken": 0}' >"$vblob"
: >"$tmp/log"
expect_ok gpt2
[ "$(gets)" -eq 1 ] || fail "$what: $(gets) GETs, expected 1"
check_cache "$tmp/c15"
stop_server

# Special files in the cache: a FIFO never blocks, a symlink is not
# written through; a FIFO where a blob goes is replaced by the blob.
what="FIFO as the partial file"
export HF_HUB_CACHE="$tmp/c16"
mkdir -p "$tmp/c16/$folder/blobs"
mkfifo "$tmp/c16/$folder/blobs/$sha.incomplete" || exit 99
start_server
"$fetch" gpt2 >"$tmp/out" 2>"$tmp/err" &
fpid=$!
( sleep 60; kill "$fpid" 2>/dev/null ) &
wpid=$!
wait "$fpid"
rc=$?
kill "$wpid" 2>/dev/null
expect_error "$sha.incomplete" "not a regular file (a FIFO)"
rm -f "$tmp/c16/$folder/blobs/$sha.incomplete"
what="symlink as the partial file"
ln -s "$tmp/victim" "$tmp/c16/$folder/blobs/$sha.incomplete"
run gpt2
expect_error "$sha.incomplete" "symbolic link"
[ -e "$tmp/victim" ] && fail "$what: written through the link"
rm -f "$tmp/c16/$folder/blobs/$sha.incomplete"
what="FIFO as a blob"
mkfifo "$tmp/c16/$folder/blobs/$sha" || exit 99
expect_ok gpt2
check_cache "$tmp/c16"
stop_server
# refs/main as a FIFO: read without blocking, the snapshot still found.
what="FIFO as refs/main"
rm "$tmp/c16/$folder/refs/main"
mkfifo "$tmp/c16/$folder/refs/main" || exit 99
run -r gpt2
[ $rc -eq 0 ] && [ "$(cat "$tmp/out")" = \
    "$tmp/c16/$folder/snapshots/$commit" ] ||
    fail "$what: exit $rc: $(cat "$tmp/out" "$tmp/err")"
what="download over a FIFO refs/main"
start_server
expect_ok gpt2
check_cache "$tmp/c16"
stop_server

# The path --download prints, to a full disk: an error, not silence.
what="download to /dev/full"
if [ -w /dev/full ] && [ -x "$top_builddir/logitlens" ]; then
	start_server
	"$top_builddir/logitlens" --download gpt2 >/dev/full 2>"$tmp/err"
	[ $? -ne 0 ] || fail "$what: exit 0"
	tail -n 1 "$tmp/err" | grep -q "standard output: No space left" ||
	    fail "$what: no message: $(cat "$tmp/err")"
	# Its progress messages to a full disk: nowhere to say it, but the
	# status says it.
	what="download messages to /dev/full"
	"$top_builddir/logitlens" --download gpt2 >"$tmp/out" 2>/dev/full
	[ $? -ne 0 ] || fail "$what: exit 0"
	stop_server
fi

# Nothing listens on the port any more.
what="connection refused"
export HF_HUB_CACHE="$tmp/c10"
run gpt2
expect_error "config.json" "cannot connect" "127.0.0.1:$port" \
    "Connection refused"

what="offline"
HF_HUB_OFFLINE=1
export HF_HUB_OFFLINE
run gpt2
unset HF_HUB_OFFLINE
expect_error "HF_HUB_OFFLINE"

what="unknown name"
run gpt7
expect_error "'gpt7' is not a model name"

if [ $failed -ne 0 ]; then
	echo "$failed checks failed"
	exit 1
fi
echo "hub.sh: all checks passed"
exit 0
