#!/bin/sh
# hub.sh: hub_download (through tests/hub-fetch) against tests/hub-server.py
# on loopback: a clean download and its cache layout, a second run that
# fetches nothing, resume after an interrupted or cancelled transfer, a
# server that ignores Range, a corrupted transfer, 401/404/500, a stalled
# server, a renamed repository, and a refused connection.

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
grep -v -q " enc=identity\$" "$tmp/log" &&
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
