#!/usr/bin/env python3
# hostile-model.py: broken copies of a model directory, one fault each.
#
#   hostile-model.py list                 CASE<TAB>STATUS<TAB>FILE<TAB>TEXT
#   hostile-model.py make SRC DST CASE    DST: SRC with CASE's fault
#
# SRC is a GPT-2 model directory (config.json, model.safetensors with F32
# weights, vocab.json, merges.txt). Files a case leaves alone are symbolic
# links to SRC's. STATUS is logitlens's expected exit status, FILE the file
# its one line of stderr must name (a path under DST; "." for DST itself)
# and TEXT a fixed string that line must contain. Standard library only.
import json
import os
import re
import struct
import sys

CASES = []


def case(name, status, file, text):
    def reg(fn):
        CASES.append((name, status, file, text, fn))
        return fn
    return reg


def st_read(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    return json.loads(b[8:8 + n]), b[8 + n:]


def st_write(path, header, data, raw=None):
    h = raw if raw is not None else json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def st_edit(d, fn):
    """Rewrites d's model.safetensors after fn(header, data) -> data."""
    p = os.path.join(d, "model.safetensors")
    h, data = st_read(p)
    os.unlink(p)
    data = fn(h, data) or data
    st_write(p, h, data)


def prefix(h):
    return "transformer." if "transformer.wte.weight" in h else ""


def replace(d, name, content):
    p = os.path.join(d, name)
    os.unlink(p)
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(p, mode) as f:
        f.write(content)


def config_edit(d, fn):
    p = os.path.join(d, "config.json")
    c = json.load(open(p))
    fn(c)
    replace(d, "config.json", json.dumps(c, indent=2))


def truncate(d, name, at):
    p = os.path.join(d, name)
    b = open(p, "rb").read()
    replace(d, name, b[:at(b)] if callable(at) else b[:at])


def header_len(b):
    return 8 + struct.unpack("<Q", b[:8])[0]


# Missing files.
for f in ("config.json", "model.safetensors", "vocab.json", "merges.txt"):
    case("missing-" + f, 2, f, "No such file")(
        lambda d, f=f: os.unlink(os.path.join(d, f)))

# model.safetensors, byte by byte.
case("st-empty", 2, "model.safetensors", "too short")(
    lambda d: truncate(d, "model.safetensors", 0))
case("st-cut-in-length", 2, "model.safetensors", "too short")(
    lambda d: truncate(d, "model.safetensors", 5))
case("st-cut-in-header", 2, "model.safetensors", "header length")(
    lambda d: truncate(d, "model.safetensors", 200))
case("st-cut-after-header", 2, "model.safetensors", "outside the data")(
    lambda d: truncate(d, "model.safetensors", header_len))
case("st-cut-in-data", 2, "model.safetensors", "outside the data")(
    lambda d: truncate(d, "model.safetensors", lambda b: len(b) // 2))
case("st-cut-last-byte", 2, "model.safetensors", "outside the data")(
    lambda d: truncate(d, "model.safetensors", lambda b: len(b) - 1))


def st_raw_header(d, raw, length=None):
    p = os.path.join(d, "model.safetensors")
    h, data = st_read(p)
    os.unlink(p)
    with open(p, "wb") as f:
        f.write(struct.pack("<Q", len(raw) if length is None else length))
        f.write(raw + data)


case("st-header-huge", 2, "model.safetensors", "header length")(
    lambda d: st_raw_header(d, b"{}", 1 << 62))
case("st-header-max", 2, "model.safetensors", "header length")(
    lambda d: st_raw_header(d, b"{}", (1 << 64) - 1))
case("st-header-past-end", 2, "model.safetensors", "header length")(
    lambda d: st_raw_header(d, b"{}", 7 * 1000 * 1000))
case("st-header-not-json", 2, "model.safetensors", "not valid JSON")(
    lambda d: st_raw_header(d, b"\x89PNG\r\n\x1a\n garbage"))
case("st-header-nul", 2, "model.safetensors", "not valid JSON")(
    lambda d: st_raw_header(d, b'{"a\x00b": 1}'))
case("st-header-array", 2, "model.safetensors", "not a JSON object")(
    lambda d: st_raw_header(d, b"[1, 2, 3]"))
case("st-header-empty-object", 2, "model.safetensors", "missing tensor")(
    lambda d: st_raw_header(d, b"{}"))
case("st-header-deep", 2, "model.safetensors", "not valid JSON")(
    lambda d: st_raw_header(d, b"[" * 100000))


def st_dup(d):
    p = os.path.join(d, "model.safetensors")
    h, data = st_read(p)
    k = prefix(h) + "ln_f.bias"
    raw = json.dumps(h).encode()
    dup = b', "%s": %s}' % (k.encode(), json.dumps(h[k]).encode())
    os.unlink(p)
    st_write(p, None, data, raw[:-1] + dup)


case("st-duplicate-name", 2, "model.safetensors", "duplicate")(st_dup)


def st_tensor_edit(name, fn):
    def edit(h, data):
        fn(h[prefix(h) + name], h, data)
    return lambda d: st_edit(d, edit)


def set_(key, value):
    def fn(t, h, data):
        t[key] = value
    return fn


case("st-offsets-past-end", 2, "model.safetensors", "outside the data")(
    st_tensor_edit("ln_f.bias", set_("data_offsets", [1 << 40,
        (1 << 40) + 128])))
case("st-offsets-reversed", 2, "model.safetensors", "outside the data")(
    st_tensor_edit("ln_f.bias", set_("data_offsets", [152576, 152448])))
case("st-offsets-negative", 2, "model.safetensors", "data_offsets")(
    st_tensor_edit("ln_f.bias", set_("data_offsets", [-128, 0])))
case("st-offsets-float", 2, "model.safetensors", "data_offsets")(
    st_tensor_edit("ln_f.bias", set_("data_offsets", [0.5, 128.5])))
case("st-offsets-huge", 2, "model.safetensors", "outside the data")(
    st_tensor_edit("ln_f.bias", set_("data_offsets", [0,
        (1 << 63) - 1])))
case("st-offsets-overlap", 2, "model.safetensors", "overlap")(
    st_tensor_edit("ln_f.bias", set_("data_offsets", [0, 128])))
case("st-offsets-size", 2, "model.safetensors", "expected 128")(
    st_tensor_edit("ln_f.bias", set_("data_offsets", [152448, 152580])))
case("st-dtype-unknown", 2, "model.safetensors", "unknown dtype 'F12'")(
    st_tensor_edit("ln_f.bias", set_("dtype", "F12")))
case("st-dtype-missing", 2, "model.safetensors", "no dtype")(
    st_tensor_edit("ln_f.bias", lambda t, h, data: t.pop("dtype")))
case("st-dtype-int", 2, "model.safetensors", "expected F32, F16 or BF16")(
    st_tensor_edit("ln_f.bias", set_("dtype", "I32")))
case("st-shape-string", 2, "model.safetensors", "shape is not")(
    st_tensor_edit("ln_f.bias", set_("shape", "32")))
case("st-shape-negative", 2, "model.safetensors", "shape is not")(
    st_tensor_edit("ln_f.bias", set_("shape", [-32])))
case("st-shape-many-dims", 2, "model.safetensors", "shape is not")(
    st_tensor_edit("ln_f.bias", set_("shape", [1] * 9 + [32])))
case("st-shape-overflow", 2, "model.safetensors", "shape too large")(
    st_tensor_edit("ln_f.bias", set_("shape", [1 << 40, 1 << 40])))
case("st-entry-not-object", 2, "model.safetensors", "not an object")(
    lambda d: st_edit(d, lambda h, data: h.__setitem__(
        prefix(h) + "ln_f.bias", [1, 2])))


def st_drop(name):
    def fn(h, data):
        del h[prefix(h) + name]
    return lambda d: st_edit(d, fn)


case("tensor-missing", 2, "model.safetensors", "missing tensor")(
    st_drop("h.1.mlp.c_fc.weight"))


def st_reshape(name, shape):
    return st_tensor_edit(name, set_("shape", shape))


case("tensor-transposed", 2, "model.safetensors", "has shape [96, 32]")(
    st_reshape("h.0.attn.c_attn.weight", [96, 32]))
case("tensor-flat", 2, "model.safetensors", "has shape [3072]")(
    st_reshape("h.0.attn.c_attn.weight", [3072]))
case("tensor-scalar", 2, "model.safetensors", "has shape []")(
    lambda d: st_edit(d, lambda h, data: h[prefix(h) + "ln_f.bias"].update(
        shape=[], data_offsets=[152448, 152452])))


def lm_head(h, data):
    w = h[prefix(h) + "wte.weight"]
    b, e = w["data_offsets"]
    h["lm_head.weight"] = {"dtype": "F32", "shape": w["shape"],
                           "data_offsets": [len(data), len(data) + e - b]}
    return data + bytes(e - b)


case("lm-head-untied", 2, "model.safetensors", "lm_head.weight differs")(
    lambda d: st_edit(d, lm_head))


def poison(name, value):
    def fn(h, data):
        b, e = h[prefix(h) + name]["data_offsets"]
        return data[:b] + struct.pack("<f", value) * ((e - b) // 4) + data[e:]
    return lambda d: st_edit(d, fn)


case("weights-nan", 0, "model.safetensors", "NaN")(
    poison("h.1.mlp.c_proj.weight", float("nan")))
case("weights-inf", 0, "model.safetensors", "NaN")(
    poison("h.0.ln_1.weight", float("inf")))
case("weights-nan-lnf", 0, "model.safetensors", "NaN")(
    poison("ln_f.bias", float("nan")))

# config.json.
case("config-empty", 2, "config.json", "not valid JSON")(
    lambda d: replace(d, "config.json", ""))
case("config-garbage", 2, "config.json", "not valid JSON")(
    lambda d: replace(d, "config.json", b"\x00\xff\xfe garbage\x1b[2J"))
case("config-truncated", 2, "config.json", "not valid JSON")(
    lambda d: truncate(d, "config.json", 100))
case("config-array", 2, "config.json", "not a JSON object")(
    lambda d: replace(d, "config.json", "[1, 2]"))
case("config-large", 2, "config.json", "too large")(
    lambda d: replace(d, "config.json", " " * (5 << 20) + "{}"))
case("config-dir", 2, "config.json", "not a regular file")(
    lambda d: (os.unlink(os.path.join(d, "config.json")),
               os.mkdir(os.path.join(d, "config.json"))))


def cfg(key, value, status, text, file="config.json"):
    def fn(c):
        if value is KeyError:
            c.pop(key, None)
        else:
            c[key] = value
    label = "missing" if value is KeyError else "%s-%s" % (
        type(value).__name__, re.sub(r"[^\w.-]", "", str(value))[:12])
    return case("config-%s-%s" % (key, label),
                status, file, text)(lambda d: config_edit(d, fn))


cfg("n_layer", "3", 2, "'n_layer' is not an integer")
cfg("n_layer", 3.5, 2, "'n_layer' is not an integer")
cfg("n_layer", None, 2, "'n_layer' is not an integer")
cfg("n_layer", KeyError, 2, "missing key 'n_layer'")
cfg("n_layer", 0, 2, "'n_layer' is 0")
cfg("n_layer", -1, 2, "'n_layer' is -1")
cfg("n_layer", 1 << 40, 2, "'n_layer' is")
cfg("n_layer", 10 ** 30, 2, "n_layer")
cfg("n_head", [4], 2, "'n_head' is not an integer")
cfg("n_head", 5, 2, "not a multiple of n_head 5")
cfg("n_embd", {}, 2, "'n_embd' is not an integer")
cfg("vocab_size", True, 2, "'vocab_size' is not an integer")
cfg("n_positions", "64", 2, "'n_positions' is not an integer")
cfg("n_inner", "x", 2, "'n_inner' is not an integer")
cfg("layer_norm_epsilon", "1e-5", 2, "layer_norm_epsilon")
cfg("layer_norm_epsilon", -1, 2, "layer_norm_epsilon")
cfg("model_type", 7, 2, "not 'gpt2'")
cfg("activation_function", "relu", 2, "activation_function 'relu'")
# Right types, but not what the tensors say.
cfg("n_layer", 4, 2, "missing tensor", "model.safetensors")
cfg("n_embd", 64, 2, "expected [50257, 64]", "model.safetensors")
cfg("n_head", 8, 0, "")
cfg("vocab_size", 50000, 2, "expected [50000, 32]", "model.safetensors")
cfg("n_positions", 128, 2, "expected [128, 32]", "model.safetensors")
cfg("n_inner", 64, 2, "expected [32, 64]", "model.safetensors")


# Another architecture: a small Llama-style directory.
def llama(d, model_type="llama"):
    c = {"architectures": ["LlamaForCausalLM"], "hidden_size": 32,
         "intermediate_size": 64, "num_attention_heads": 4,
         "num_hidden_layers": 2, "vocab_size": 50257,
         "max_position_embeddings": 64, "rms_norm_eps": 1e-6}
    if model_type is not None:
        c["model_type"] = model_type
    replace(d, "config.json", json.dumps(c, indent=2))
    h, data, off = {}, b"", 0

    def add(name, shape):
        nonlocal data, off
        n = 4
        for s in shape:
            n *= s
        h[name] = {"dtype": "F32", "shape": shape,
                   "data_offsets": [off, off + n]}
        off += n
    add("model.embed_tokens.weight", [50257, 32])
    for i in range(2):
        for w in ("q_proj", "k_proj", "v_proj", "o_proj"):
            add("model.layers.%d.self_attn.%s.weight" % (i, w), [32, 32])
        add("model.layers.%d.mlp.gate_proj.weight" % i, [64, 32])
        add("model.layers.%d.mlp.up_proj.weight" % i, [64, 32])
        add("model.layers.%d.mlp.down_proj.weight" % i, [32, 64])
        add("model.layers.%d.input_layernorm.weight" % i, [32])
        add("model.layers.%d.post_attention_layernorm.weight" % i, [32])
    add("model.norm.weight", [32])
    add("lm_head.weight", [50257, 32])
    p = os.path.join(d, "model.safetensors")
    os.unlink(p)
    st_write(p, h, bytes(off))


case("arch-llama", 2, "config.json", "model_type is 'llama'")(llama)
case("arch-llama-no-type", 2, "config.json", "missing key 'n_layer'")(
    lambda d: llama(d, None))
case("arch-bert", 2, "config.json", "model_type is 'bert'")(
    lambda d: config_edit(d, lambda c: c.update(model_type="bert")))


def gpt2_names_llama_tensors(d):
    """A GPT-2 config over another model's tensors."""
    p = os.path.join(d, "model.safetensors")
    os.unlink(p)
    st_write(p, {"model.embed_tokens.weight": {"dtype": "F32",
             "shape": [50257, 32], "data_offsets": [0, 50257 * 128]}},
             bytes(50257 * 128))


case("arch-llama-tensors", 2, "model.safetensors", "missing tensor")(
    gpt2_names_llama_tensors)


# vocab.json and merges.txt.
def vocab_edit(d, fn):
    p = os.path.join(d, "vocab.json")
    v = json.load(open(p, encoding="utf-8"))
    fn(v)
    replace(d, "vocab.json", json.dumps(v, ensure_ascii=False))


case("vocab-empty", 2, "vocab.json", "vocab.json:")(
    lambda d: replace(d, "vocab.json", ""))
case("vocab-garbage", 2, "vocab.json", "vocab.json:1:")(
    lambda d: replace(d, "vocab.json", b"\x7fELF\x02\x01\x01\x00"))
case("vocab-truncated", 2, "vocab.json", "vocab.json:")(
    lambda d: truncate(d, "vocab.json", lambda b: len(b) // 2))
case("vocab-array", 2, "vocab.json", "not a JSON object of token ids")(
    lambda d: replace(d, "vocab.json", "[\"a\", \"b\"]"))
case("vocab-empty-object", 2, "vocab.json", "not a JSON object")(
    lambda d: replace(d, "vocab.json", "{}"))
case("vocab-id-string", 2, "vocab.json", "is not an integer")(
    lambda d: vocab_edit(d, lambda v: v.update({"the": "262"})))
case("vocab-id-hole", 2, "vocab.json", "out of range")(
    lambda d: vocab_edit(d, lambda v: v.update({"the": 99999})))
case("vocab-id-negative", 2, "vocab.json", "out of range")(
    lambda d: vocab_edit(d, lambda v: v.update({"the": -1})))
case("vocab-id-twice", 2, "vocab.json", "appears twice")(
    lambda d: vocab_edit(d, lambda v: v.update({"the": 262})))
case("vocab-bad-char", 2, "vocab.json", "outside GPT-2's byte alphabet")(
    lambda d: vocab_edit(d, lambda v: v.update({"\u20ac": 50257})))
case("vocab-no-byte", 2, "vocab.json", "no token for byte 0x21")(
    lambda d: vocab_edit(d, lambda v: v.update({"zzzlogit": v.pop("!")})))
case("vocab-larger-than-model", 2, "vocab.json", "50259 tokens, more than")(
    lambda d: vocab_edit(d, lambda v: v.update({"ĠlogitA": 50257,
                                                "ĠlogitB": 50258})))
case("vocab-duplicate-key", 2, "vocab.json", "duplicate")(
    lambda d: replace(d, "vocab.json", '{"!": 0, "!": 1}'))
case("merges-garbage", 2, "merges.txt", "merges.txt:1:")(
    lambda d: replace(d, "merges.txt", b"\x00\x01\x02\xff\xfe\n"))
case("merges-one-token", 2, "merges.txt", "expected two tokens")(
    lambda d: replace(d, "merges.txt", "#version: 0.2\nĠ t\nĠt\n"))


def merges_cut(d):
    # Cut inside the first token of a line: "Ġ" alone is not a merge.
    p = os.path.join(d, "merges.txt")
    b = open(p, "rb").read()
    i = b.index(b"\n\xc4\xa0 t\n") + 3
    replace(d, "merges.txt", b[:i])


case("merges-truncated", 2, "merges.txt", "expected two tokens")(merges_cut)
case("merges-unknown-token", 2, "merges.txt", "is not in the vocab")(
    lambda d: replace(d, "merges.txt", "#version: 0.2\nĠ zzzzzz\n"))
case("merges-result-unknown", 2, "merges.txt", "result")(
    lambda d: replace(d, "merges.txt", "#version: 0.2\nĠthe Ġthe\n"))
case("merges-escape", 2, "merges.txt", "is not in the vocab")(
    lambda d: replace(d, "merges.txt", "\x1b[2J \x1b]0;pwned\x07\n"))
case("merges-dir", 2, "merges.txt", "not a regular file")(
    lambda d: (os.unlink(os.path.join(d, "merges.txt")),
               os.mkdir(os.path.join(d, "merges.txt"))))


def small_tokenizer(src, dst, nmerges=500):
    """GPT-2's byte tokens and first merges: quick to load under valgrind."""
    v = json.load(open(os.path.join(src, "vocab.json"), encoding="utf-8"))
    lines = open(os.path.join(src, "merges.txt"),
                 encoding="utf-8").read().split("\n")[1:nmerges + 1]
    toks = sorted((i, t) for t, i in v.items() if i < 256)
    small = {t: i for i, t in toks}
    for line in lines:
        small.setdefault(line.replace(" ", ""), len(small))
    small["<|endoftext|>"] = len(small)
    with open(os.path.join(dst, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(small, f, ensure_ascii=False)
    with open(os.path.join(dst, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(lines) + "\n")


def status(name):
    return [c[1] for c in CASES if c[0] == name][0]


# A model whose vocabulary is padded past its tokenizer's (as some GPT-2
# exports are): the lens ranks tokens that have no text.
case("vocab-smaller-than-model", 0, ".", "")(lambda d: None)


def make(src, dst, name):
    os.makedirs(dst)
    # Faults outside the tokenizer that stop the program before the lens
    # get a small one (the model may have a larger vocabulary than its
    # tokenizer), quick to load under valgrind.
    tok = ("vocab.json", "merges.txt")
    small = status(name) != 0 and not any(f.split(".")[0] in name
                                          for f in tok)
    small = small or name == "vocab-smaller-than-model"
    for f in ("config.json", "model.safetensors") + tok:
        if not (small and f in tok):
            os.symlink(os.path.abspath(os.path.join(src, f)),
                       os.path.join(dst, f))
    if small:
        small_tokenizer(src, dst)
    for c in CASES:
        if c[0] == name:
            c[4](dst)
            return
    sys.exit("no case " + name)


if __name__ == "__main__":
    if sys.argv[1:2] == ["list"]:
        for c in CASES:
            print("%s\t%d\t%s\t%s" % c[:4])
    elif len(sys.argv) == 5 and sys.argv[1] == "make":
        make(*sys.argv[2:])
    else:
        sys.exit(__doc__ or "usage: hostile-model.py list | make SRC DST CASE")
