#!/bin/sh
#
# bench/run.sh: logitlens-bench and the PyTorch peer (../shared/bench/
# torch_lens.py) back to back on GPT-2 shaped random models, then one table
# of the two with ratios, and bench-results.json.
#
# usage: run.sh [-m] [-n runs] [-r rounds]  (make bench BENCHFLAGS='-m -n 5')
#   -m		GPT-2-medium shape too (24 layers, 1024 wide)
#   -n runs	timed runs per figure (medians; default 7)
#   -r rounds	ours, peer, ours, peer...: each side keeps its best median
#		per figure, so that a burst of load elsewhere on the machine
#		does not decide the ratio (default 2)
#
# Environment: srcdir, builddir (make bench sets them). Models are written
# once into $srcdir/bench-models/ (ignored by git; never commit them).
# OPENBLAS_CORETYPE is left as it is: when unset, OpenBLAS picks its kernel
# for this CPU, as it does for users (both sides use the same library).
#
set -eu

me=bench
. "$(dirname "$0")/common.sh"
medium=0
runs=7
rounds=2

while getopts mn:r: ch; do
	case $ch in
	m) medium=1 ;;
	n) runs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) echo "usage: run.sh [-m] [-n runs] [-r rounds]" >&2; exit 1 ;;
	esac
done

[ -f "$peer/torch_lens.py" ] && [ -f "$peer/make_gpt2.py" ] ||
    fail "$peer: the peer (torch_lens.py, make_gpt2.py) is not there"
[ -x "$py" ] || fail "$py not found (the peer needs Debian's python3)"
need_torch
[ -x "$builddir/logitlens-bench" ] ||
    fail "$builddir/logitlens-bench not built (make logitlens-bench)"

mkdir -p "$models" "$out"

# name layers heads embd
model() {
	if [ ! -f "$models/$1/model.safetensors" ]; then
		echo "bench: writing $models/$1" >&2
		"$py" "$peer/make_gpt2.py" --layers "$2" --heads "$3" \
		    --embd "$4" --vocab 50257 --ctx 1024 --out "$models/$1" \
		    >&2
	fi
}

# name [flags]: rounds of both, alternating at each T, then the rest of ours
run() {
	name=$1
	shift
	r=1
	while [ $r -le "$rounds" ]; do
		for T in 16 64 256; do
			echo "bench: $name: round $r: T=$T: logitlens-bench," \
			    "torch_lens.py (load" \
			    "$(cut -d' ' -f1 /proc/loadavg))" >&2
			"$builddir/logitlens-bench" -F -T $T -n "$runs" \
			    -j "$out/ours-$name.$r.$T.json" "$models/$name" \
			    >"$out/ours-$name.$r.$T.txt"
			"$py" "$peer/torch_lens.py" "$models/$name" --bench \
			    --T $T --runs "$runs" \
			    --bench-json "$out/peer-$name.$r.$T.json" \
			    >"$out/peer-$name.$r.$T.txt" 2>&1 ||
			    fail "the peer failed: see $out/peer-$name.$r.$T.txt"
		done
		r=$((r + 1))
	done
	echo "bench: $name: append, edit, start-up, RSS (load" \
	    "$(cut -d' ' -f1 /proc/loadavg))" >&2
	"$builddir/logitlens-bench" -T 16 -n "$runs" -j "$out/ours-$name.json" \
	    "$@" "$models/$name" >"$out/ours-$name.txt"
	cat "$out/ours-$name.txt"
}

names=gpt2-small
model gpt2-small 12 12 768
if [ $medium = 1 ]; then
	model gpt2-medium 24 16 1024
	names="$names gpt2-medium"
fi
echo "bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
run gpt2-small
[ $medium = 0 ] || run gpt2-medium -R

"$py" - "$out" "$rounds" $names <<'PY'
import json, os, sys
out, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]


def load(path):
    return json.load(open(path))


cpu = os.environ["BENCH_CPU"]
doc = {"cpu": cpu, "cores": os.cpu_count(),
       "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
       "load": open("/proc/loadavg").read().split()[:3], "models": {}}

for n in names:
    ours = load(os.path.join(out, "ours-%s.json" % n))
    gflops = ours["sgemm_gflops"]
    blas = ours["openblas_gflops"]
    peak = ours["fma_peak_gflops"]
    rows, peer_env = [], None
    for T in (16, 64, 256):
        o = [load(os.path.join(out, "ours-%s.%d.%d.json" % (n, r, T)))
             for r in range(1, rounds + 1)]
        p = [load(os.path.join(out, "peer-%s.%d.%d.json" % (n, r, T)))
             for r in range(1, rounds + 1)]
        peer_env = p[0].get("env")
        gflops = max([gflops] + [d["sgemm_gflops"] for d in o])
        blas = max([blas] + [d["openblas_gflops"] for d in o])
        peak = max([peak] + [d["fma_peak_gflops"] for d in o])
        orr = [d["results"][0] for d in o]
        prr = [d["results"][0] for d in p]
        row = {"T": T, "gflop": orr[0]["gflop"],
               "ours_s": min(r["fwd_lens_median_s"] for r in orr),
               "peer_s": min(r["fwd_lens_median_s"] for r in prr),
               "ours_forward_s": min(r["forward_median_s"] for r in orr),
               "peer_forward_s": min(r["forward_median_s"] for r in prr),
               "ours_rounds_s": [r["fwd_lens_median_s"] for r in orr],
               "peer_rounds_s": [r["fwd_lens_median_s"] for r in prr]}
        rows.append(row)
    print("\ncpu %s (%s)\nblas %s; its kernel %s (OPENBLAS_CORETYPE %s)\n"
          "lens kernel %s (%s); at %d rows: %s"
          % (ours["cpu"], ours["cpu_features"], ours["blas_config"],
             ours["blas_core"], ours["openblas_coretype"] or "unset",
             ours["kernel"], ours["kernel_how"], ours["kernel_rows"],
             ", ".join("%s %.1f GFLOP/s" % kv
                       for kv in ours["kernels_gflops"].items())))
    print("\n%s: best median of %d rounds each; floor at %.1f GFLOP/s "
          "(OpenBLAS sgemm %.1f), FMA peak %.1f GFLOP/s (best), %s"
          % (n, rounds, gflops, blas, peak, cpu))
    print("%5s %7s %9s %9s %8s %9s %8s %8s %8s %8s %8s" % ("T", "GFLOP",
          "ours_ms", "peer_ms", "speedup", "floor_ms", "x_floor", "peak_ms",
          "max_x", "fwd_ms", "peer_fwd"))
    for row in rows:
        row["floor_s"] = row["gflop"] / gflops
        row["speedup"] = row["peer_s"] / row["ours_s"]
        row["x_floor"] = row["ours_s"] / row["floor_s"]
        # No implementation beats the FLOPs at the FMA units' peak.
        row["peak_s"] = row["gflop"] / peak
        row["max_speedup"] = row["peer_s"] / row["peak_s"]
        print("%5d %7.1f %9.1f %9.1f %7.2fx %9.1f %8.2f %8.1f %7.2fx "
              "%8.1f %8.1f"
              % (row["T"], row["gflop"], row["ours_s"] * 1e3,
                 row["peer_s"] * 1e3, row["speedup"], row["floor_s"] * 1e3,
                 row["x_floor"], row["peak_s"] * 1e3, row["max_speedup"],
                 row["ours_forward_s"] * 1e3, row["peer_forward_s"] * 1e3))
    print("append one token at T=64 %.1f ms (its reads at %.1f GB/s: "
          "%.1f ms), edit the first token %.1f ms (first batch %.1f ms)"
          % (ours["append_T64_s"] * 1e3, ours["read_gbps"],
             ours["append_read_floor_s"] * 1e3,
             ours["edit_first_T64_s"] * 1e3,
             ours["edit_first_batch_s"] * 1e3))
    print("start-up %.0f ms (load %.0f ms); peak RSS %.0f MB (weights "
          "%.0f MB)" % (ours["startup_s"] * 1e3, ours["load_s"] * 1e3,
                        ours["peak_rss_mb"], ours["weights_mb"]))
    doc["models"][n] = {"ours": ours, "sgemm_gflops": gflops,
                        "openblas_gflops": blas,
                        "fma_peak_gflops": peak,
                        "peer_env": peer_env, "table": rows}
with open(os.path.join(out, "bench-results.json"), "w") as f:
    json.dump(doc, f, indent=1)
print("\nwrote %s" % os.path.join(out, "bench-results.json"))
PY
