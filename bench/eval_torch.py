#!/usr/bin/python3
"""`logitlens eval` in PyTorch: the reference of its tests and its peer in
`make bench`.

Runs GPT-2 (a Hugging Face directory: config.json + model.safetensors) on
windows of a token stream and, for every residual row (embed, h.0 ...
h.{L-1}; with --sublayers the h.N.attn rows, inside block N after its
attention) and every lens (logit; tuned: ln_f(h + W h + b); jacobian:
ln_f(J h); the translators on rows 2i, i < n_layer, only), sums over the
positions whose next token is in the window:
    ce = -log P_row(next), kl = KL(P_final || P_row), entropy = H(P_row),
    top1 = [argmax P_row == next]
and the model's own ce. Written plainly from the definitions, in the dtype
asked (float64 for the tests, float32 for the benchmark).

  reference: eval_torch.py MODEL --ids IDS.json --ctx N [--tuned F]
             [--jacobian F] [--sublayers] [--shard K/N] --json OUT
             (IDS.json: the stream, a list of ids; prints nothing)
  bench:     eval_torch.py MODEL --bench --ctx 1024 --windows 2 [--ids F]
             (the first windows of IDS.json, else random ids; float32,
             after one window of warm-up; prints tokens/s as JSON)
"""
import argparse
import json
import math
import os
import struct
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

DT = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2"}


def read_st(path):
    """{name: float64 np.ndarray} of a safetensors file's float tensors."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        head = json.loads(f.read(n))
        base = 8 + n
        out = {}
        for name, t in head.items():
            if name == "__metadata__" or t["dtype"] not in DT:
                continue
            a, b = t["data_offsets"]
            f.seek(base + a)
            raw = np.frombuffer(f.read(b - a), dtype=DT[t["dtype"]])
            if t["dtype"] == "BF16":
                raw = (raw.astype(np.uint32) << 16).view(np.float32)
            out[name] = raw.astype(np.float64).reshape(t["shape"])
    return out


class GPT2:
    def __init__(self, d, dtype):
        cfg = json.load(open(os.path.join(d, "config.json")))
        self.L, self.H = cfg["n_layer"], cfg["n_head"]
        self.C = cfg["n_embd"]
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        w = read_st(os.path.join(d, "model.safetensors"))
        w = {k[len("transformer."):] if k.startswith("transformer.") else k:
             v for k, v in w.items()}
        self.w = {k: torch.tensor(v, dtype=dtype) for k, v in w.items()
                  if not k.endswith(".attn.bias") and "masked_bias" not in k}
        self.dtype = dtype

    def ln(self, x, name):
        return torch.nn.functional.layer_norm(
            x, (self.C,), self.w[name + ".weight"], self.w[name + ".bias"],
            self.eps)

    def lin(self, x, name):
        return torch.addmm(self.w[name + ".bias"], x, self.w[name + ".weight"])

    def forward(self, ids):
        """rows[r] (T, C): r = 2i inputs of block i / output, 2i+1 mid."""
        w, T, C, H = self.w, len(ids), self.C, self.H
        x = w["wte.weight"][ids] + w["wpe.weight"][:T]
        rows = [x]
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        for i in range(self.L):
            p = "h.%d." % i
            q, k, v = self.lin(self.ln(x, p + "ln_1"), p + "attn.c_attn").split(
                C, dim=1)
            q, k, v = (t.view(T, H, C // H).transpose(0, 1) for t in (q, k, v))
            s = q @ k.transpose(1, 2) / math.sqrt(C // H)
            s = torch.where(mask, s, torch.finfo(s.dtype).min)
            a = (torch.softmax(s, dim=-1) @ v).transpose(0, 1).reshape(T, C)
            x = x + self.lin(a, p + "attn.c_proj")
            rows.append(x)
            hdn = self.lin(self.ln(x, p + "ln_2"), p + "mlp.c_fc")
            hdn = 0.5 * hdn * (1 + torch.tanh(math.sqrt(2 / math.pi) *
                                              (hdn + 0.044715 * hdn ** 3)))
            x = x + self.lin(hdn, p + "mlp.c_proj")
            rows.append(x)
        return rows

    def logp(self, h):
        return torch.log_softmax(self.ln(h, "ln_f") @ self.w["wte.weight"].T,
                                 dim=-1)


def lens_mats(path, prefix, L, dtype):
    """Translator functions by residual row, from a lens file."""
    if path is None:
        return None
    w = read_st(path)
    out = {}
    for i in range(L):
        if prefix == "tuned":
            W = torch.tensor(w["translators.%d.weight" % i], dtype=dtype)
            b = torch.tensor(w["translators.%d.bias" % i], dtype=dtype)
            out[2 * i] = (lambda W, b: lambda h: h + h @ W.T + b)(W, b)
        else:
            J = torch.tensor(w["jacobians.%d" % i], dtype=dtype)
            out[2 * i] = (lambda J: lambda h: h @ J.T)(J)
    return out


def run(m, windows, lenses, sublayers):
    """{lens: [[ce, kl, entropy, top1] per row]}, baseline ce, tokens."""
    shown = (list(range(2 * m.L + 1)) if sublayers else
             list(range(0, 2 * m.L + 1, 2)))
    sums = {n: [[0.0] * 4 for _ in shown] for n in lenses}
    base, tokens = 0.0, 0
    for ids in windows:
        ids_t = torch.tensor(ids)
        T = len(ids)
        rows = m.forward(ids_t)
        nxt = ids_t[1:]
        lpf = m.logp(rows[-1][:T - 1])
        pf = lpf.exp()
        base += float(-lpf.gather(1, nxt[:, None]).sum())
        tokens += T - 1
        for name, tr in lenses.items():
            for j, r in enumerate(shown):
                h = rows[r][:T - 1]
                if tr is not None and r in tr:
                    h = tr[r](h)
                lp = m.logp(h)
                p = lp.exp()
                s = sums[name][j]
                s[0] += float(-lp.gather(1, nxt[:, None]).sum())
                s[1] += float((pf * (lpf - lp)).sum())
                s[2] += float(-(p * lp).sum())
                s[3] += float((lp.argmax(dim=1) == nxt).sum())
    return sums, base, tokens


def windows_of(stream, ctx):
    w = [stream[i:i + ctx] for i in range(0, len(stream), ctx)]
    return [x for x in w if len(x) >= 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--ids")
    ap.add_argument("--ctx", type=int, required=True)
    ap.add_argument("--tuned")
    ap.add_argument("--jacobian")
    ap.add_argument("--sublayers", action="store_true")
    ap.add_argument("--shard", default="0/1")
    ap.add_argument("--json")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--windows", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dtype = torch.float32 if a.bench else torch.float64
    m = GPT2(a.model, dtype)
    lenses = {"logit": None}
    if a.tuned:
        lenses["tuned"] = lens_mats(a.tuned, "tuned", m.L, dtype)
    if a.jacobian:
        lenses["jacobian"] = lens_mats(a.jacobian, "jacobian", m.L, dtype)
    if a.bench:
        if a.ids:
            wins = windows_of(json.load(open(a.ids)), a.ctx)[:a.windows]
        else:
            V = m.w["wte.weight"].shape[0]
            g = torch.Generator().manual_seed(0)
            wins = [torch.randint(0, V, (a.ctx,), generator=g).tolist()
                    for _ in range(a.windows)]
        with torch.no_grad():
            run(m, wins[:1], lenses, a.sublayers)      # warm-up
            t0 = time.perf_counter()
            _, _, tokens = run(m, wins, lenses, a.sublayers)
            dt = time.perf_counter() - t0
        print(json.dumps({"tokens": tokens, "seconds": dt,
                          "tokens_per_s": tokens / dt}))
        return
    k, n = (int(x) for x in a.shard.split("/"))
    wins = windows_of(json.load(open(a.ids)), a.ctx)
    with torch.no_grad():
        sums, base, tokens = run(m, wins[k::n], lenses, a.sublayers)
    json.dump({"windows": len(wins[k::n]), "tokens": tokens, "base": base,
               "sums": sums}, open(a.json, "w"))


if __name__ == "__main__":
    sys.exit(main())
