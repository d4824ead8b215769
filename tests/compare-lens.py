#!/usr/bin/env python3
"""Compare logitlens's --print --format json output with a lens_ref.json.

usage: compare-lens.py LENS_REF PROMPT_INDEX OUTPUT_JSON

The reference holds log-probabilities and 0-based ranks computed by
Hugging Face transformers in float64; the output holds probabilities and
1-based ranks in float32. Rows: embed, h.0.attn, h.0, ... (--sublayers).
Exits non-zero and prints the first differences on mismatch.
"""
import json
import math
import sys

TOL = 5e-5


def main():
    ref = json.load(open(sys.argv[1]))["prompts"][int(sys.argv[2])]
    out = json.load(open(sys.argv[3]))
    errs = []
    if [t["id"] for t in out["tokens"]] != ref["ids"]:
        errs.append("token ids differ")
    L = len(ref["attn_out_rows"])
    want = ["embed"]
    refrows = [ref["resid_rows"][0]]
    for i in range(L):
        want += ["h.%d.attn" % i, "h.%d" % i]
        refrows += [ref["attn_out_rows"][i], ref["resid_rows"][i + 1]]
    names = [r["name"] for r in out["rows"]]
    if names != want:
        errs.append("rows %r, expected %r" % (names, want))
    for row, rr in zip(out["rows"], refrows):
        for pos, (c, rc) in enumerate(zip(row["cells"], rr)):
            where = "%s pos %d" % (row["name"], pos)
            lg = rc["top_logits"]
            for j, t in enumerate(c["top"]):
                tie = any(abs(lg[j] - lg[i]) < 1e-4
                          for i in (j - 1, j + 1) if 0 <= i < len(lg))
                if not tie and t["id"] != rc["top_ids"][j]:
                    errs.append("%s: top[%d] id %d, expected %d"
                                % (where, j, t["id"], rc["top_ids"][j]))
                if abs(math.log(t["prob"]) - rc["top_logprobs"][j]) > TOL:
                    errs.append("%s: top[%d] logprob" % (where, j))
                if abs(t["logit"] - lg[j]) > TOL * (1 + abs(lg[j])):
                    errs.append("%s: top[%d] logit" % (where, j))
            if abs(c["entropy"] - rc["entropy"]) > TOL:
                errs.append("%s: entropy %g, expected %g"
                            % (where, c["entropy"], rc["entropy"]))
            kl = rc["kl_final_to_layer"]
            if abs(c["kl"] - kl) > TOL * (1 + kl):
                errs.append("%s: kl %g, expected %g" % (where, c["kl"], kl))
            if abs(c["final_top1_rank"] - (rc["rank_of_final_top1"] + 1)) > 1:
                errs.append("%s: final_top1_rank" % where)
            if "next_id" in rc:
                if c.get("next_id") != rc["next_id"]:
                    errs.append("%s: next_id" % where)
                elif abs(math.log(c["next_prob"]) - rc["logprob_next"]) > 5 * TOL:
                    errs.append("%s: next_prob" % where)
                elif abs(c["next_rank"] - (rc["rank_of_next"] + 1)) > 1:
                    errs.append("%s: next_rank %d, expected %d"
                                % (where, c["next_rank"], rc["rank_of_next"] + 1))
            elif "next_id" in c:
                errs.append("%s: next_id at the last position" % where)
    for e in errs[:20]:
        print(e, file=sys.stderr)
    sys.exit(1 if errs else 0)


main()
