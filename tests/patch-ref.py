#!/usr/bin/env python3
"""Check logitlens's patching, attention and head attribution in float64.

usage: patch-ref.py MODEL_DIR OUTPUT_JSON [CLEAN_IDS [defaults]]

MODEL_DIR holds a Hugging Face GPT-2 (config.json, model.safetensors);
OUTPUT_JSON is `logitlens --print --format json` with --patch (and any of
--sublayers, --head-positions, --attention, --patch-direction,
--patch-metric); CLEAN_IDS the clean prompt's ids, comma-separated;
"defaults": the target and anti-target must be the clean and corrupted
runs' top-1.

GPT-2 is written out here in float64 PyTorch, one whole forward pass per
patched cell, as the notebook tools do: every patched value, every head,
every attention weight and every head's share of the logit is recomputed
and compared. Exits 1 and prints the first differences on mismatch.
"""
import json
import math
import struct
import sys

import numpy as np
import torch

TOL = 2e-5          # relative to 1 + |value|: float32 against float64
DTYPES = {"F32": np.float32, "F16": np.float16}


def load(model_dir):
    cfg = json.load(open(model_dir + "/config.json"))
    raw = open(model_dir + "/model.safetensors", "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n])
    w = {}
    for name, t in head.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        arr = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=DTYPES[t["dtype"]])
        name = name[len("transformer."):] if name.startswith("transformer.") \
            else name
        w[name] = torch.tensor(arr.astype(np.float64)).reshape(t["shape"])
    return cfg, w


class GPT2:
    def __init__(self, cfg, w):
        self.w = w
        self.L = cfg["n_layer"]
        self.NH = cfg["n_head"]
        self.C = cfg["n_embd"]
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        self.by_layer = cfg.get("scale_attn_by_inverse_layer_idx", False)

    def ln(self, x, name):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + self.eps) * self.w[name + ".weight"] \
            + self.w[name + ".bias"]

    def lin(self, x, name):
        return x @ self.w[name + ".weight"] + self.w[name + ".bias"]

    def run(self, ids, rpatch=None, hpatch=None):
        """rpatch: (row, t, vector); hpatch: (layer, head, positions, atty).
        Returns the residual rows, each layer's atty and attention."""
        T, C, NH = len(ids), self.C, self.NH
        hs = C // NH
        x = self.w["wte.weight"][ids] + self.w["wpe.weight"][:T]
        rows, attys, atts = [], [], []

        def keep(x):
            if rpatch is not None and rpatch[0] == len(rows):
                x = x.clone()
                x[rpatch[1]] = rpatch[2]
            rows.append(x)
            return x
        x = keep(x)
        for l in range(self.L):
            p = "h.%d." % l
            qkv = self.lin(self.ln(x, p + "ln_1"), p + "attn.c_attn")
            q, k, v = (qkv[:, i * C:(i + 1) * C].reshape(T, NH, hs)
                       .transpose(0, 1) for i in range(3))
            s = q @ k.transpose(1, 2) / math.sqrt(hs)
            if self.by_layer:
                s = s / (l + 1)
            s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool),
                                         1), float("-inf"))
            a = torch.softmax(s, -1)
            y = (a @ v).transpose(0, 1).reshape(T, C)
            if hpatch is not None and hpatch[0] == l:
                y = y.clone()
                h = hpatch[1]
                for t in hpatch[2]:
                    y[t, h * hs:(h + 1) * hs] = hpatch[3][t, h * hs:(h + 1) * hs]
            attys.append(y)
            atts.append(a)
            x = keep(x + self.lin(y, p + "attn.c_proj"))
            m = self.lin(self.ln(x, p + "ln_2"), p + "mlp.c_fc")
            m = 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) *
                                          (m + 0.044715 * m ** 3)))
            x = keep(x + self.lin(m, p + "mlp.c_proj"))
        return rows, attys, atts

    def logits(self, rows):
        return self.ln(rows[-1][-1], "ln_f") @ self.w["wte.weight"].T


class Check:
    def __init__(self):
        self.errs = []
        self.n = 0

    def near(self, got, want, what, tol=TOL):
        self.n += 1
        if got is None or not abs(got - want) <= tol * (1 + abs(want)):
            self.errs.append("%s: %r, expected %.9g" % (what, got, want))


def metric(model, rows, pt):
    lg = model.logits(rows)
    if pt["metric"] == "prob":
        return torch.softmax(lg, -1)[pt["target"]["id"]].item()
    return (lg[pt["target"]["id"]] - lg[pt["anti_target"]["id"]]).item()


def check_patching(model, out, clean, ck):
    pt = out["patching"]
    corr = [t["id"] for t in out["tokens"]]
    base, src = (clean, corr) if pt["direction"] == "noise" else (corr, clean)
    rc, ac, _ = model.run(clean)
    rx, ax, _ = model.run(corr)
    rb, ab = (rc, ac) if base is clean else (rx, ax)
    rs, as_ = (rx, ax) if base is clean else (rc, ac)
    T = len(corr)
    ck.near(pt["clean"], metric(model, rc, pt), "clean")
    ck.near(pt["corrupted"], metric(model, rx, pt), "corrupted")
    # The defaults: the clean and corrupted runs' top-1.
    want_rows = ["embed"]
    for l in range(model.L):
        if out["sublayers"]:
            want_rows.append("h.%d.attn" % l)
        want_rows.append("h.%d" % l)
    if [r["name"] for r in pt["rows"]] != want_rows:
        ck.errs.append("rows %r" % [r["name"] for r in pt["rows"]])
        return
    for r in pt["rows"]:
        n = r["name"]
        row = 0 if n == "embed" else 2 * int(n.split(".")[1]) + \
            (1 if n.endswith(".attn") else 2)
        if len(r["values"]) != T:
            ck.errs.append("%s: %d values" % (n, len(r["values"])))
            continue
        for t in range(T):
            rows, _, _ = model.run(base, rpatch=(row, t, rs[row][t]))
            ck.near(r["values"][t], metric(model, rows, pt), "%s pos %d" % (n, t))
    for hl in pt["heads"]:
        l = hl["layer"]
        for h in range(model.NH):
            rows, _, _ = model.run(base, hpatch=(l, h, range(T), as_[l]))
            ck.near(hl["values"][h], metric(model, rows, pt),
                    "head %d.%d" % (l, h))
            for t in range(T) if "positions" in hl else ():
                rows, _, _ = model.run(base, hpatch=(l, h, [t], as_[l]))
                ck.near(hl["positions"][h][t], metric(model, rows, pt),
                        "head %d.%d pos %d" % (l, h, t))
    return rc, rx


def check_attention(model, out, ck):
    corr = [t["id"] for t in out["tokens"]]
    rows, attys, atts = model.run(corr)
    T = len(corr)
    for la in out["attention"]:
        l = la["layer"]
        for h, ht in enumerate(la["heads"]):
            for t in range(T):
                if len(ht[t]) != t + 1:
                    ck.errs.append("attention %d.%d: row %d has %d weights"
                                   % (l, h, t, len(ht[t])))
                    continue
                for s in range(t + 1):
                    ck.near(ht[t][s], atts[l][h, t, s].item(),
                            "attention %d.%d (%d, %d)" % (l, h, t, s), 1e-5)
    # Direct logit attribution by head, through the final row's scale.
    d = out["head_attribution"]
    pos, i = d["position"], d["token"]["id"]
    g = model.w["ln_f.weight"]
    wv = model.w["wte.weight"][i]
    x = rows[-1][pos]
    rs = 1 / torch.sqrt(((x - x.mean()) ** 2).mean() + model.eps)

    def share(v):
        return (((v - v.mean()) * rs * g) @ wv).item()
    total = share(rows[0][pos])
    ck.near(d["embed"], total, "dla embed")
    hs = model.C // model.NH
    for ld in d["layers"]:
        l = ld["layer"]
        W = model.w["h.%d.attn.c_proj.weight" % l]
        for h in range(model.NH):
            v = attys[l][pos, h * hs:(h + 1) * hs] @ W[h * hs:(h + 1) * hs]
            ck.near(ld["heads"][h], share(v), "dla head %d.%d" % (l, h))
            total += share(v)
        b = share(model.w["h.%d.attn.c_proj.bias" % l])
        m = share(rows[2 * l + 2][pos] - rows[2 * l + 1][pos])
        ck.near(ld["bias"], b, "dla bias %d" % l)
        ck.near(ld["mlp"], m, "dla mlp %d" % l)
        total += b + m
    lnb = (model.w["ln_f.bias"] @ wv).item()
    ck.near(d["ln_f_bias"], lnb, "dla ln_f bias")
    logit = (model.ln(x, "ln_f") @ wv).item()
    ck.near(d["logit"], logit, "dla logit")
    # The identity, in the reference and in the output.
    ck.near(total + lnb, logit, "reference parts add up", 1e-12)
    got = d["embed"] + d["ln_f_bias"] + sum(sum(ld["heads"]) + ld["bias"] +
                                           ld["mlp"] for ld in d["layers"])
    ck.near(got, d["logit"], "output parts add up")


def main():
    cfg, w = load(sys.argv[1])
    out = json.load(open(sys.argv[2]))
    clean = [int(s) for s in sys.argv[3].split(",")] if len(sys.argv) > 3 \
        else None
    model = GPT2(cfg, w)
    out["sublayers"] = any(r["name"].endswith(".attn") for r in out["rows"])
    ck = Check()
    if "patching" in out:
        if clean is None:
            sys.exit("patch-ref.py: CLEAN_IDS needed with patching")
        rc, rx = check_patching(model, out, clean, ck)
        if sys.argv[4:] == ["defaults"]:
            pt = out["patching"]
            if pt["target"]["id"] != model.logits(rc).argmax().item() or \
                    pt["anti_target"]["id"] != model.logits(rx).argmax().item():
                ck.errs.append("the default target and anti-target are not "
                               "the runs' top-1")
    if "attention" in out:
        check_attention(model, out, ck)
    if ck.n == 0:
        ck.errs.append("nothing to check")
    for e in ck.errs[:20]:
        print("FAIL: " + e)
    print("%d checks, %d failed" % (ck.n, len(ck.errs)))
    sys.exit(1 if ck.errs else 0)


if __name__ == "__main__":
    main()
