#!/bin/sh
# bench.sh: logitlens-bench runs, on the tiny-gpt2 fixture, to the end.
#
# Not a timed test (speed is what `make bench` shows, against the peer):
# this checks that the benchmark program works, under the sanitizers too.
# Its JSON must parse and hold every figure asked for, positive and finite,
# the T values given, a peak RSS above the weights, the floor's rate the
# faster of OpenBLAS's and ours, and an FMA peak no lower than that rate
# (within a margin for a machine that is busy elsewhere); a model directory
# that is not one ends in one line naming it and exit status 1.

: "${top_srcdir:=.}" "${top_builddir:=.}"
bin=$top_builddir/logitlens-bench
fix=${LOGITLENS_FIXTURES:-$top_srcdir/../shared/fixtures}/tiny-gpt2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }
[ -d "$fix" ] || { echo "SKIP: fixture not found ($fix)"; exit 77; }
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }

if ! "$bin" -n 1 -T 4,16 -j "$tmp/b.json" "$fix" >"$tmp/out" 2>"$tmp/err"
then
	echo "FAIL: logitlens-bench exited $?: $(cat "$tmp/err")"
	exit 1
fi
python3 - "$tmp/b.json" <<'EOF' || exit 1
import json, math, sys

d = json.load(open(sys.argv[1]))
bad = []
for key in ("sgemm_gflops", "openblas_gflops", "own_nt_gflops",
            "fma_peak_gflops", "read_gbps",
            "append_read_floor_s", "append_T64_s",
            "edit_first_T64_s", "edit_first_batch_s", "startup_s", "load_s",
            "full_nctx_s", "peak_rss_mb", "weights_mb"):
    v = d.get(key)
    if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        bad.append("%s = %r" % (key, v))
if [r["T"] for r in d["results"]] != [4, 16]:
    bad.append("T values %r, asked 4,16" % [r["T"] for r in d["results"]])
for r in d["results"]:
    for key in ("gflop", "forward_median_s", "fwd_lens_median_s",
                "fwd_lens_min_s", "floor_s", "peak_s"):
        if not r[key] > 0 or not math.isfinite(r[key]):
            bad.append("T=%d: %s = %r" % (r["T"], key, r[key]))
    if not r["fwd_lens_min_s"] <= r["fwd_lens_median_s"]:
        bad.append("T=%d: min above median" % r["T"])
if not d["peak_rss_mb"] > d["weights_mb"]:
    bad.append("peak RSS %s MB below the weights' %s MB" %
               (d["peak_rss_mb"], d["weights_mb"]))
if d["sgemm_gflops"] != max(d["openblas_gflops"], d["own_nt_gflops"]):
    bad.append("floor's rate %s GFLOP/s is not the faster of %s and %s" %
               (d["sgemm_gflops"], d["openblas_gflops"], d["own_nt_gflops"]))
if not d["fma_peak_gflops"] * 2 > d["sgemm_gflops"]:
    bad.append("FMA peak %s GFLOP/s far below sgemm's %s" %
               (d["fma_peak_gflops"], d["sgemm_gflops"]))
for b in bad:
    print("FAIL: bench JSON: " + b)
sys.exit(1 if bad else 0)
EOF

# Not a model: one line naming the directory, exit status 1.
"$bin" -n 1 "$tmp" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -ne 1 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] ||
    ! grep -q "$tmp" "$tmp/err"; then
	echo "FAIL: not a model directory: exit $rc, stderr:"
	cat "$tmp/err"
	exit 1
fi
echo "bench.sh: logitlens-bench ran on $fix"
