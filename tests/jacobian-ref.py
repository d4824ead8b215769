#!/usr/bin/env python3
"""Check `logitlens --print --jacobian` against a float64 PyTorch reference.

usage: jacobian-ref.py MODEL_DIR JACOBIAN_ST OUTPUT_JSON [OUTPUT_TSV]

OUTPUT_JSON is `logitlens --print --format json --jacobian JACOBIAN_ST
--attribution` (rows as given: with or without --sublayers). GPT-2 runs
here in float64 (bench/eval_torch.py's forward pass, on the output's own
token ids); every row with a matrix (embed, h.0 ... h.{L-2}: Hugging Face's
hidden_states[i]) is decoded as softmax(wte ln_f(J_i h)), every other row
(the attention sub-rows, the model's output) as the plain logit lens, over
the whole vocabulary. Each cell's top-k probabilities and logits, entropy,
KL(P_final || P_row), the final top-1's rank and probability, the next
token's probability and rank, KL(P_jacobian || P_logit) ("kl_logit_lens",
0 on rows without a matrix) and the attribution's parts adding up to the
top-1's logit are checked (relative 1e-4 above 1e-6, the JSON contract).
With OUTPUT_TSV (--format tsv of the same run), its top-1 probability,
entropy and KL are checked too (to their 6 printed digits).
Exits 1 and prints the first differences on a mismatch.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # nothing written into the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "bench"))
import torch  # noqa: E402
from eval_torch import GPT2, read_st  # noqa: E402

REL, FLOOR = 1e-4, 1e-6
bad = []


def close(what, got, want, rel=REL):
    if got is None or abs(got - want) > rel * abs(want) + FLOOR:
        bad.append("%s: got %s, want %.9g" % (what, got, want))


def row_index(name, L):
    """Residual row of a row name: embed 0, h.i.attn 2i+1, h.i 2i+2."""
    if name == "embed":
        return 0
    parts = name.split(".")
    i = int(parts[1])
    return 2 * i + 1 if len(parts) == 3 else 2 * i + 2


def main():
    mdir, jpath, opath = sys.argv[1:4]
    tsv = sys.argv[4] if len(sys.argv) > 4 else None
    out = json.load(open(opath))
    if out.get("lens") != "jacobian":
        bad.append("lens: %r, want 'jacobian'" % out.get("lens"))
    m = GPT2(mdir, torch.float64)
    J = {2 * i: torch.tensor(v, dtype=torch.float64) for i, v in
         ((int(k.split(".")[1]), v) for k, v in read_st(jpath).items()
          if k.startswith("jacobians."))}
    ids = torch.tensor([t["id"] for t in out["tokens"]])
    T = len(ids)
    rows = m.forward(ids)
    lpf = m.logp(rows[-1])
    pf = lpf.exp()
    wte = m.w["wte.weight"]
    got_tsv = {}
    if tsv is not None:
        lines = open(tsv).read().splitlines()
        head = lines[0].split("\t")
        for ln in lines[1:]:
            f = dict(zip(head, ln.split("\t")))
            got_tsv[(f["row"], int(f["pos"]))] = f
    ncells = 0
    for row in out["rows"]:
        r = row_index(row["name"], m.L)
        h = rows[r]
        hj = h @ J[r].T if r in J else h
        lp = m.logp(hj)
        lplain = m.logp(h)
        logits = m.ln(hj, "ln_f") @ wte.T
        for pos, c in enumerate(row["cells"]):
            w = "%s pos %d" % (row["name"], pos)
            x, p = lp[pos], lp[pos].exp()
            for t in c["top"]:
                close(w + " prob of %d" % t["id"], t["prob"],
                      float(p[t["id"]]))
                close(w + " logit of %d" % t["id"], t["logit"],
                      float(logits[pos, t["id"]]))
            top = sorted(range(len(x)), key=lambda i: -float(x[i]))[:2]
            if float(x[top[0]] - x[top[1]]) > 1e-3 and \
                    c["top"][0]["id"] != top[0]:
                bad.append("%s: top-1 %d, want %d" % (w, c["top"][0]["id"],
                                                      top[0]))
            close(w + " entropy", c["entropy"], float(-(p * x).sum()))
            close(w + " kl", c["kl"],
                  float((pf[pos] * (lpf[pos] - x)).sum()))
            ft1 = int(lpf[pos].argmax())
            close(w + " final_top1_prob", c["final_top1_prob"],
                  float(p[ft1]))
            rank = 1 + int((x > x[ft1]).sum())
            if abs(c["final_top1_rank"] - rank) > max(2, rank // 1000):
                bad.append("%s: final_top1_rank %d, want %d" % (
                    w, c["final_top1_rank"], rank))
            if pos + 1 < T:
                nx = int(ids[pos + 1])
                close(w + " next_prob", c["next_prob"], float(p[nx]))
            klo = float((p * (x - lplain[pos])).sum()) if r in J else 0.0
            close(w + " kl_logit_lens", c.get("kl_logit_lens"), klo)
            a = c.get("attribution")
            if a is not None:
                s = sum(q["logit"] for q in a["parts"]) + a["bias"]
                close(w + " attribution sum", s,
                      float(logits[pos, a["token"]]), 1e-3)
            f = got_tsv.get((row["name"], pos))
            if tsv is not None:
                if f is None:
                    bad.append("%s: not in the TSV" % w)
                else:
                    close(w + " tsv top1_prob", float(f["top1_prob"]),
                          float(p.max()), 2e-5)
                    close(w + " tsv entropy", float(f["entropy"]),
                          float(-(p * x).sum()), 2e-5)
                    close(w + " tsv kl", float(f["kl"]),
                          float((pf[pos] * (lpf[pos] - x)).sum()), 2e-5)
            ncells += 1
    if ncells == 0:
        bad.append("no cells")
    if bad:
        print("%d differences in %d cells, first: %s" % (
            len(bad), ncells, "; ".join(bad[:5])))
        sys.exit(1)


main()
