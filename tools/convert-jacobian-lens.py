#!/usr/bin/env python3
"""Convert a Jacobian lens saved by PyTorch into logitlens's matrix file.

The Jacobian lens reads layer l out as softmax(W_U ln_f(J_l h_l)) with one
fixed d x d matrix J_l per layer, applied to Hugging Face's
hidden_states[l] (l = 0: the embeddings; l = j + 1: the output of block j),
l in [0, n_layer). This reads a PyTorch pickle (torch.save) holding the
matrices in any of these layouts:

  - one tensor [n_layer, d, d];
  - a list or tuple of n_layer tensors [d, d];
  - a dict (a state dict) whose keys end in the layer's number, such as
    "0", "jacobians.3", "layers.3", "J.3", "jacobian_lens.jacobians.3" or
    "...3.weight", each a [d, d] tensor; or a dict holding one of the above
    under "jacobians", "J", "matrices" or "state_dict".

Each matrix is taken as (out, in), like torch.nn.Linear's weight: h' = J h.
A file whose matrices are applied as h @ J (in, out) needs --transpose.
Layers must be 0 ... n_layer - 1 without holes. Writes a safetensors file
with "jacobians.{l}" [d, d] in F32 (the names logitlens's --jacobian reads)
and no other tensor. Needs torch and lenspickle.py (beside it), nothing
else.

usage: convert-jacobian-lens.py [--transpose] jacobians.pt out.safetensors
"""
import re
import sys

import torch

import lenspickle

KEY = re.compile(r"^(?:.*?\.)?(\d+)(?:\.weight)?$")
NESTED = ("jacobians", "J", "matrices", "state_dict")


def matrices(obj):
    """The list of [d, d] tensors, by layer, from a loaded pickle."""
    if torch.is_tensor(obj):
        if obj.ndim != 3:
            raise ValueError(f"a tensor of shape {list(obj.shape)}, "
                             "expected [n_layer, d, d]")
        return list(obj)
    if isinstance(obj, (list, tuple)):
        return list(obj)
    if not isinstance(obj, dict):
        raise ValueError(f"a {type(obj).__name__}, not a tensor, list or "
                         "dict")
    for k in NESTED:
        if k in obj and (not torch.is_tensor(obj[k]) or obj[k].ndim == 3):
            return matrices(obj[k])
    out = {}
    for key, value in obj.items():
        m = KEY.match(str(key))
        if m is None or not torch.is_tensor(value):
            continue
        i = int(m.group(1))
        if i in out:
            raise ValueError(f"layer {i} is given twice (key {key!r})")
        out[i] = value
    if not out:
        raise ValueError("no key ending in a layer's number")
    n = max(out) + 1
    for i in range(n):
        if i not in out:
            raise ValueError(f"no matrix for layer {i}")
    return [out[i] for i in range(n)]


def check(i, j, transpose):
    if not torch.is_tensor(j):
        raise ValueError(f"layer {i}: not a tensor")
    j = j.detach().to(torch.float32)
    if j.ndim != 2 or j.shape[0] != j.shape[1]:
        raise ValueError(f"layer {i}: shape {list(j.shape)}, expected "
                         "[d, d]")
    if not torch.isfinite(j).all():
        raise ValueError(f"layer {i}: non-finite values")
    return (j.T if transpose else j).contiguous()


def main(argv):
    transpose = "--transpose" in argv[1:]
    args = [a for a in argv[1:] if a != "--transpose"]
    if len(args) != 2:
        sys.stderr.write("usage: convert-jacobian-lens.py [--transpose] "
                         "jacobians.pt out.safetensors\n")
        return 2
    obj = lenspickle.load(args[0])
    try:
        mats = [check(i, j, transpose) for i, j in enumerate(matrices(obj))]
        if len({m.shape[0] for m in mats}) != 1:
            raise ValueError("the layers' matrices differ in size")
    except ValueError as e:
        sys.stderr.write(f"{args[0]}: {e}\n")
        return 1
    lenspickle.write_safetensors(args[1], [(f"jacobians.{i}", m)
                                           for i, m in enumerate(mats)],
                                 {"format": "pt",
                                  "source": "Jacobian lens pickle"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
