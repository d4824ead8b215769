#!/usr/bin/python3
"""Activation patching in PyTorch as the notebook tools do it: the peer of
logitlens-patch-bench.

The model is ../shared/bench/torch_lens.py's GPT2 (float32, the same
OpenBLAS), with hooks: the clean run caches every residual and every head's
output; then each patched cell is one whole forward pass of the corrupted
prompt with that activation replaced, logits at every position (as
TransformerLens's run_with_hooks returns them), and the metric (the logit
difference of two fixed tokens) at the last position. Cells: the residual
grid (embed, h.0 .. h.L-1 at each position) and the head grid (each head of
each layer at every position). The prompts are logitlens-patch-bench's.

usage: torch_patch.py MODEL_DIR [--T 16 64] [--runs N] [--budget S]
                      [--json out.json]

A grid whose whole run would take longer than --budget seconds (estimated
from its first cells) is sampled instead: cells spread evenly over the
grids, the time per cell (a median) times the number of cells; the JSON
says how many cells were run.
"""
import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "shared", "bench"))
sys.path.insert(0, os.environ.get("PEER_DIR", ""))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import torch_lens  # noqa: E402

TARGET, ANTI = 1000, 2000


def ids_for(T, V):
    clean = [(1000 + 7919 * t) % V for t in range(T)]
    corr = list(clean)
    corr[1 % T] = (corr[1 % T] + 1) % V
    corr[T // 2] = (corr[T // 2] + 1) % V
    return clean, corr


def run(m, ids, rpatch=None, hpatch=None, cache=None):
    """One whole forward pass. rpatch (row, t, vec): residual row `row`
    (0 embed, i+1 after block i) at t replaced; hpatch (layer, head, y):
    that head's output replaced at every position by y's. cache: a dict
    that gets the residuals and heads' outputs. Returns the logits [T, V]."""
    E, H = m.E, m.H
    hd = E // H
    T = len(ids)
    ids = torch.as_tensor(ids, dtype=torch.long)
    x = m.wte[ids] + m.wpe[:T]
    mask = m.causal[:T, :T]
    minval = torch.full([], torch.finfo(m.dtype).min, dtype=m.dtype)

    def hook_resid(x, row):
        if cache is not None:
            cache[("resid", row)] = x.clone()
        if rpatch is not None and rpatch[0] == row:
            x = x.clone()
            x[rpatch[1]] = rpatch[2]
        return x
    x = hook_resid(x, 0)
    for i, b in enumerate(m.blocks):
        h = F.layer_norm(x, (E,), b["ln1w"], b["ln1b"], m.eps)
        qkv = torch.addmm(b["attnb"], h, b["attnw"])
        q, k, v = (z.view(T, H, hd).transpose(0, 1) for z in qkv.split(E, 1))
        s = torch.matmul(q, k.transpose(-1, -2)) / hd ** 0.5
        s = torch.where(mask, s, minval)
        y = torch.matmul(torch.softmax(s, -1), v).transpose(0, 1)  # [T, H, hd]
        if cache is not None:
            cache[("heads", i)] = y.clone()
        if hpatch is not None and hpatch[0] == i:
            y = y.clone()
            y[:, hpatch[1]] = hpatch[2][:, hpatch[1]]
        y = torch.addmm(b["projb"], y.reshape(T, E), b["projw"])
        x = x + y
        h = F.layer_norm(x, (E,), b["ln2w"], b["ln2b"], m.eps)
        h = m.act(torch.addmm(b["fcb"], h, b["fcw"]))
        x = x + torch.addmm(b["mprojb"], h, b["mprojw"])
        x = hook_resid(x, i + 1)
    x = F.layer_norm(x, (E,), m.lnfw, m.lnfb, m.eps)
    return x @ m.unembed.T


def metric(logits):
    return (logits[-1, TARGET] - logits[-1, ANTI]).item()


def grids(m, T, budget):
    """Both grids (or a sample): values, seconds, cells run."""
    clean, corr = ids_for(T, m.V)
    t0 = time.perf_counter()
    cache = {}
    run(m, clean, cache=cache)
    run(m, corr)
    cells = [("row", r, t) for r in range(m.L + 1) for t in range(T)]
    cells += [("head", l, h) for l in range(m.L) for h in range(m.H)]
    base_s = time.perf_counter() - t0
    per, vals = [], {}

    def one(c):
        t1 = time.perf_counter()
        if c[0] == "row":
            lg = run(m, corr, rpatch=(c[1], c[2], cache[("resid", c[1])][c[2]]))
        else:
            lg = run(m, corr, hpatch=(c[1], c[2], cache[("heads", c[1])]))
        vals[c] = metric(lg)
        per.append(time.perf_counter() - t1)
    order = cells
    for c in cells[:4]:
        one(c)
    est = statistics.median(per) * len(cells)
    if est > budget:
        n = max(8, int(budget / statistics.median(per)))
        step = len(cells) / n
        order = [cells[int(i * step)] for i in range(n)]
    for c in order:
        if c not in vals:
            one(c)
    if len(vals) == len(cells):
        total = base_s + sum(per)
    else:
        total = base_s + statistics.median(per) * len(cells)
    return vals, total, len(vals), len(cells), statistics.median(per)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--T", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--budget", type=float, default=120.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    thr = torch_lens.set_threads(a.threads)
    m = torch_lens.GPT2(a.model)
    out = {"env": thr, "torch": torch.__version__, "results": []}
    torch.set_grad_enabled(False)
    for T in a.T:
        best = None
        for _ in range(a.runs):
            r = grids(m, T, a.budget)
            if best is None or r[1] < best[1]:
                best = r
        vals, total, ran, cells, per = best
        print("T=%d: %d cells, %d run, %.1f ms per cell, both grids %.2f s%s"
              % (T, cells, ran, per * 1e3, total,
                 "" if ran == cells else " (estimated)"))
        out["results"].append({
            "T": T, "cells": cells, "cells_run": ran, "per_cell_s": per,
            "total_s": total,
            "values": [[c[0], c[1], c[2], v] for c, v in vals.items()]})
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f)


if __name__ == "__main__":
    main()
