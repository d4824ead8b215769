"""Writing safetensors files for the tests (F32, from numpy arrays).

write(path, [(name, array), ...]): the header names each tensor's dtype,
shape and offsets, padded with spaces to 8 bytes, then the data in order.
"""
import json
import struct


def write(path, tensors):
    head, blobs, off = {}, [], 0
    for name, a in tensors:
        b = a.astype("<f4").tobytes()
        head[name] = {"dtype": "F32", "shape": list(a.shape),
                      "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(head).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
