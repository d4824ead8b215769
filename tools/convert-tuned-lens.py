#!/usr/bin/env python3
"""Convert a tuned-lens params.pt into logitlens's translator file.

The tuned-lens project (TunedLens.save) writes the state dict of its
layer_translators, an nn.ModuleList of nn.Linear(d_model, d_model): keys
"{i}.weight" (out, in) and "{i}.bias"; older files hold the whole lens, with
"layer_translators.{i}.*" and "unembed.*" keys. Translator i applies to
Hugging Face's hidden_states[i] as h + W h + b. This writes a safetensors
file with "translators.{i}.weight" [C, C] and "translators.{i}.bias" [C] in
F32 (a missing bias, from a lens trained with bias=False, is written as
zeros); every other key is ignored. Needs torch and lenspickle.py (beside
it), nothing else.

usage: convert-tuned-lens.py params.pt out.safetensors
"""
import re
import sys

import torch

import lenspickle

KEY = re.compile(r"^(?:layer_translators\.)?(\d+)\.(weight|bias)$")


def translators(state):
    """{i: {"weight": tensor, "bias": tensor}} from a state dict."""
    out = {}
    for key, value in state.items():
        m = KEY.match(key)
        if m is None:
            continue
        if not torch.is_tensor(value):
            raise ValueError(f"{key}: not a tensor")
        out.setdefault(int(m.group(1)), {})[m.group(2)] = value
    if not out:
        raise ValueError("no layer_translators.{i}.weight in the file")
    n = max(out) + 1
    for i in range(n):
        if "weight" not in out.get(i, {}):
            raise ValueError(f"translator {i} has no weight")
    return [out[i] for i in range(n)]


def check(i, t):
    w = t["weight"].detach().to(torch.float32).contiguous()
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"translator {i}: weight shape {list(w.shape)}, "
                         "expected [C, C]")
    c = w.shape[0]
    b = t.get("bias")
    b = (torch.zeros(c) if b is None else
         b.detach().to(torch.float32).contiguous())
    if list(b.shape) != [c]:
        raise ValueError(f"translator {i}: bias shape {list(b.shape)}, "
                         f"expected [{c}]")
    if not (torch.isfinite(w).all() and torch.isfinite(b).all()):
        raise ValueError(f"translator {i}: non-finite values")
    return w, b


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: convert-tuned-lens.py params.pt "
                         "out.safetensors\n")
        return 2
    state = lenspickle.load(argv[1])
    if not isinstance(state, dict):
        sys.stderr.write(f"{argv[1]}: not a state dict\n")
        return 1
    try:
        tensors = []
        for i, t in enumerate(translators(state)):
            w, b = check(i, t)
            tensors += [(f"translators.{i}.weight", w),
                        (f"translators.{i}.bias", b)]
    except ValueError as e:
        sys.stderr.write(f"{argv[1]}: {e}\n")
        return 1
    lenspickle.write_safetensors(argv[2], tensors,
                                 {"format": "pt",
                                  "source": "tuned-lens params.pt"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
