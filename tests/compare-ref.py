#!/usr/bin/env python3
"""Check logitlens's comparison numbers against a double-precision reference.

usage: compare-ref.py MODEL_DIR OUTPUT_JSON X,Y|- [LENS_REF]

OUTPUT_JSON is `logitlens --print --format json`, with --compare or
--logit-diff or both (rows as given: with or without --sublayers). This script runs
GPT-2 itself, in float64, from the model directory's weights, on the
output's own token ids for prompt A ("tokens") and prompt B
("compare_tokens"), decodes every row and position through ln_f and wte^T
over the whole vocabulary, and checks each cell's
    KL(P_A || P_B), JS = 1/2 KL(P_A || M) + 1/2 KL(P_B || M), TV,
    the largest |P_B - P_A| and its token, logit(X) - logit(Y) in A and B
    (X,Y: --logit-diff's token ids, - without it),
    and -log P(next token) (surprisal)
against the output (relative 1e-4 above 1e-6, the JSON contract).
With LENS_REF (a lens_ref.json of the fixtures, computed by Hugging Face
transformers), the forward pass here is first checked against it.

Standard library only (torch and numpy may be absent), so it is written for
the tiny fixture models. Exits 1 and prints the first differences on a
mismatch.
"""
import json
import math
import operator
import struct
import sys

REL = 1e-4      # the contract: KL, JS, TV relative, above FLOOR
FLOOR = 1e-6


def load(model_dir):
    cfg = json.load(open(model_dir + "/config.json"))
    raw = open(model_dir + "/model.safetensors", "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n])
    base = 8 + n
    w = {}
    for name, t in head.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        fmt = {"F32": "f", "F16": "e"}[t["dtype"]]
        count = (b - a) // struct.calcsize(fmt)
        vals = struct.unpack("<%d%s" % (count, fmt), raw[base + a:base + b])
        shape = t["shape"]
        if name.startswith("transformer."):
            name = name[len("transformer."):]
        if len(shape) == 2:
            cols = shape[1]
            w[name] = [vals[i * cols:(i + 1) * cols] for i in range(shape[0])]
        else:
            w[name] = vals
    return cfg, w


def transpose(m):
    return [tuple(col) for col in zip(*m)]


class GPT2:
    def __init__(self, model_dir):
        cfg, w = load(model_dir)
        self.L = cfg["n_layer"]
        self.H = cfg["n_head"]
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        self.w = w
        # (out, in) for dot products: HF's Conv1D stores (in, out).
        self.t = {k: transpose(v) for k, v in w.items()
                  if k.endswith(".weight") and isinstance(v, list)
                  and not k.startswith("wte") and not k.startswith("wpe")}
        self.wte = w["wte.weight"]

    def ln(self, x, g, b):
        n = len(x)
        mu = math.fsum(x) / n
        var = math.fsum((v - mu) ** 2 for v in x) / n
        r = 1.0 / math.sqrt(var + self.eps)
        return [(v - mu) * r * gg + bb for v, gg, bb in zip(x, g, b)]

    def lin(self, x, name):
        wt, b = self.t[name + ".weight"], self.w[name + ".bias"]
        return [bb + sum(map(operator.mul, x, col)) for col, bb in zip(wt, b)]

    def forward(self, ids):
        """Residual rows as logitlens names them: embed, h.i.attn, h.i."""
        C = len(self.wte[0])
        hd = C // self.H
        xs = [[a + b for a, b in zip(self.wte[t], self.w["wpe.weight"][p])]
              for p, t in enumerate(ids)]
        rows = {"embed": [list(x) for x in xs]}
        for i in range(self.L):
            h = "h.%d." % i
            qkv = [self.lin(self.ln(x, self.w[h + "ln_1.weight"],
                                    self.w[h + "ln_1.bias"]), h + "attn.c_attn")
                   for x in xs]
            att = []
            for t in range(len(xs)):
                out = []
                for hh in range(self.H):
                    q = qkv[t][hh * hd:(hh + 1) * hd]
                    s = [sum(map(operator.mul, q,
                                 qkv[u][C + hh * hd:C + (hh + 1) * hd]))
                         / math.sqrt(hd) for u in range(t + 1)]
                    m = max(s)
                    e = [math.exp(v - m) for v in s]
                    z = math.fsum(e)
                    for j in range(hd):
                        out.append(math.fsum(
                            e[u] / z * qkv[u][2 * C + hh * hd + j]
                            for u in range(t + 1)))
                att.append(self.lin(out, h + "attn.c_proj"))
            xs = [[a + b for a, b in zip(x, y)] for x, y in zip(xs, att)]
            rows[h + "attn"] = [list(x) for x in xs]
            mlp = []
            for x in xs:
                f = self.lin(self.ln(x, self.w[h + "ln_2.weight"],
                                     self.w[h + "ln_2.bias"]), h + "mlp.c_fc")
                f = [0.5 * v * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) *
                                                (v + 0.044715 * v ** 3)))
                     for v in f]
                mlp.append(self.lin(f, h + "mlp.c_proj"))
            xs = [[a + b for a, b in zip(x, y)] for x, y in zip(xs, mlp)]
            rows["h.%d" % i] = [list(x) for x in xs]
        return rows

    def logits(self, resid):
        x = self.ln(resid, self.w["ln_f.weight"], self.w["ln_f.bias"])
        return [sum(map(operator.mul, x, row)) for row in self.wte]


def log_softmax(z):
    m = max(z)
    lse = m + math.log(math.fsum(math.exp(v - m) for v in z))
    return [v - lse for v in z]


def close(got, want, rel, floor):
    if got is None:
        return False
    if abs(want) <= floor:
        return abs(got - want) <= floor * rel + 1e-12 or abs(got) <= floor
    return abs(got - want) <= rel * abs(want)


def self_check(model, ref_path, errs):
    ref = json.load(open(ref_path))["prompts"][0]
    rows = model.forward(ref["ids"])
    L = model.L
    for name, rr in [("embed", ref["resid_rows"][0])] + \
            [("h.%d" % i, ref["resid_rows"][i + 1]) for i in range(L)] + \
            [("h.%d.attn" % i, ref["attn_out_rows"][i]) for i in range(L)]:
        for p, rc in enumerate(rr):
            lp = log_softmax(model.logits(rows[name][p]))
            for j, tid in enumerate(rc["top_ids"]):
                if abs(lp[tid] - rc["top_logprobs"][j]) > 1e-6:
                    errs.append("reference itself: %s pos %d token %d: %r, "
                                "transformers %r" % (name, p, tid, lp[tid],
                                                     rc["top_logprobs"][j]))
    return len(ref["ids"])


def main():
    model = GPT2(sys.argv[1])
    out = json.load(open(sys.argv[2]))
    errs = []
    checked = 0
    pair = None if sys.argv[3] == "-" else \
        tuple(int(v) for v in sys.argv[3].split(","))
    if len(sys.argv) > 4:
        checked += self_check(model, sys.argv[4], errs)
    ida = [t["id"] for t in out["tokens"]]
    if "compare_tokens" in out:
        idb = [t["id"] for t in out["compare_tokens"]]
        n = min(len(ida), len(idb))
        rb = model.forward(idb)
    else:
        idb, n, rb = None, 0, None
    ra = model.forward(ida)
    worst = 0.0
    for row in out["rows"]:
        name = row["name"]
        for p, c in enumerate(row["cells"]):
            where = "%s pos %d" % (name, p)
            za = model.logits(ra[name][p])
            la = log_softmax(za)
            if (pair is not None) != ("logit_diff" in c):
                errs.append("%s: logit_diff present %s, --logit-diff %s" %
                            (where, "logit_diff" in c, pair))
            elif pair is not None:
                want = za[pair[0]] - za[pair[1]]
                if abs(c["logit_diff"] - want) > 1e-4 * (1 + abs(want)):
                    errs.append("%s: logit_diff %r, reference %r" %
                                (where, c["logit_diff"], want))
            if p + 1 < len(ida):
                want = -la[ida[p + 1]]
                if abs(c["surprisal"] - want) > 1e-4 * (1 + want):
                    errs.append("%s: surprisal %r, reference %r" %
                                (where, c["surprisal"], want))
            elif "surprisal" in c:
                errs.append("%s: a surprisal at the last position" % where)
            checked += 1
            if p >= n:
                if "compare" in c:
                    errs.append("%s: compared beyond min(T_A, T_B)" % where)
                continue
            cmp_ = c.get("compare")
            if cmp_ is None:
                errs.append("%s: no compare object" % where)
                continue
            zb = model.logits(rb[name][p])
            lb = log_softmax(zb)
            pa = [math.exp(v) for v in la]
            pb = [math.exp(v) for v in lb]
            kl = math.fsum(a * (x - y) for a, x, y in zip(pa, la, lb))
            terms = []
            for a, b, x, y in zip(pa, pb, la, lb):
                if a + b == 0.0:
                    continue
                lm = math.log(0.5 * (a + b))
                terms.append(0.5 * a * (x - lm) + 0.5 * b * (y - lm))
            js = math.fsum(terms)
            tv = 0.5 * math.fsum(abs(b - a) for a, b in zip(pa, pb))
            d = [b - a for a, b in zip(pa, pb)]
            best = max(abs(v) for v in d)
            for key, want in (("kl", kl), ("js", js), ("tv", tv)):
                if want > FLOOR and cmp_.get(key) is not None:
                    worst = max(worst, abs(cmp_[key] - want) / want)
                if not close(cmp_.get(key), want, REL, FLOOR):
                    errs.append("%s: %s %r, reference %r" %
                                (where, key, cmp_.get(key), want))
            md = cmp_["max_delta"]
            if abs(md["delta"] - d[md["id"]]) > REL * abs(d[md["id"]]) + 1e-6 \
                    or abs(md["delta"]) < best * (1 - REL) - 1e-6:
                errs.append("%s: max_delta %r, reference: id %d delta %r "
                            "(largest |delta| %r)" % (where, md, md["id"],
                                                      d[md["id"]], best))
            if (pair is not None) != ("logit_diff" in cmp_):
                errs.append("%s: B's logit_diff present %s, --logit-diff %s"
                            % (where, "logit_diff" in cmp_, pair))
            elif pair is not None:
                want = zb[pair[0]] - zb[pair[1]]
                if abs(cmp_["logit_diff"] - want) > 1e-4 * (1 + abs(want)):
                    errs.append("%s: B's logit_diff %r, reference %r" %
                                (where, cmp_["logit_diff"], want))
    if checked == 0:
        errs.append("nothing compared")
    for e in errs[:20]:
        print(e, file=sys.stderr)
    print("%d cells checked, %d differences; KL, JS, TV above %g: largest "
          "relative error %.2g" % (checked, len(errs), FLOOR, worst))
    sys.exit(1 if errs else 0)


main()
