"""What the lens converters share: a PyTorch pickle read, F32 safetensors
written.

convert-tuned-lens.py and convert-jacobian-lens.py import it from beside
them (Python puts a script's own directory first on its path). Needs torch,
nothing else.
"""
import array
import json
import struct
import sys

import torch


def load(path):
    """torch.load on the CPU, of tensors only where this torch can."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:       # torch before 1.13
        return torch.load(path, map_location="cpu")


def write_safetensors(path, tensors, metadata):
    """tensors: [(name, float32 tensor)] in file order."""
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for name, t in tensors:
        a = array.array("f", t.flatten().tolist())
        if sys.byteorder == "big":
            a.byteswap()
        data = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)     # the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in blobs:
            f.write(data)
