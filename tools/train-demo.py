#!/usr/bin/python3
"""Train the small GPT-2 demo model shipped in data/demo-gpt2/.

The model has GPT-2's exact architecture, config keys, tensor names and
safetensors layout (F16), and GPT-2's byte-level BPE tokenizer with the merge
list cut to its first --merges entries, so logitlens loads it with the same
loader, forward pass and lens as the real checkpoints.

Corpus (public-domain / free English text from Debian packages):
  bible-kjv-text 4.38 (+ bible-kjv 4.38 to decode it): King James Bible,
      dumped with `bible Gen1:1-Rev22:21`; one document per book.
  fortunes 1:1.99.1-7.3, fortunes-min 1:1.99.1-7.3 (BSD licence): fortune
      cookie files in /usr/share/games/fortunes; one document per fortune.
Held out for evaluation (whole documents): the books and fortune files named
in HELDOUT_BOOKS / HELDOUT_FORTUNE_FILES below.

Requirements (Debian):
  apt-get install -y python3-torch python3-numpy python3-regex \\
      bible-kjv bible-kjv-text fortunes fortunes-min

Reproduce the committed files (CPU, one thread; 30-45 minutes depending on load):
  nice -n 10 /usr/bin/python3 tools/train-demo.py \\
      --tokenizer-dir /path/to/gpt2-tokenizer --out data/demo-gpt2

where /path/to/gpt2-tokenizer holds OpenAI's GPT-2 vocab.json and
merges.txt.  All defaults (seed, shape, steps, batch) are the ones used for
the committed model; on an accelerator use e.g. --device cuda --steps 20000.
Also writes --golden (tests/data/demo-tok.tsv) with tokenizer test vectors.
"""

import argparse
import json
import math
import os
import re
import struct
import subprocess
import sys
import time

# Fix the BLAS thread count before torch loads OpenBLAS: results (and so the
# committed files) depend on it.  --threads sets it (default 1).
_THREADS = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv[:-1] else "1"
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = _THREADS

import numpy as np
import regex
import torch
import torch.nn as nn
import torch.nn.functional as F

# --------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------

FORTUNE_DIR = "/usr/share/games/fortunes"
# Fortune files not used: pictures rather than prose, or quoted song lyrics
# and novels whose authors still hold copyright.
FORTUNE_SKIP = {"art", "ascii-art", "pratchett", "songs-poems"}
HELDOUT_BOOKS = {"Ruth", "Esther", "Mark", "Philippians", "James"}
HELDOUT_FORTUNE_FILES = {"science", "education", "food"}

BOOK_RE = re.compile(r"^(\S.*\S) (\d+)$")
VERSE_RE = re.compile(r"^\s+(\d+) (.*)$")


def kjv_books():
    """Return [(book, text)] from the bible-kjv(-text) packages."""
    out = subprocess.run(["bible", "Gen1:1-Rev22:21"], check=True,
                         capture_output=True, text=True,
                         env=dict(os.environ, COLUMNS="80")).stdout
    books = []  # [(name, [chapter verses])]
    verse = None
    for line in out.split("\n"):
        m = BOOK_RE.match(line)
        if m:
            name = m.group(1)
            if not books or books[-1][0] != name:
                books.append((name, []))
            books[-1][1].append([])
            verse = None
            continue
        m = VERSE_RE.match(line)
        if m:
            books[-1][1][-1].append(m.group(2).strip())
            verse = True
        elif line.strip() and verse:
            books[-1][1][-1][-1] += " " + line.strip()
    return [(name, "\n\n".join(" ".join(ch) for ch in chapters))
            for name, chapters in books]


def fortune_docs():
    """Return [(file, [fortunes])] from the fortunes(-min) packages."""
    res = []
    for name in sorted(os.listdir(FORTUNE_DIR)):
        path = os.path.join(FORTUNE_DIR, name)
        if (name.endswith(".dat") or name.endswith(".u8") or name in FORTUNE_SKIP
                or not os.path.isfile(path) or os.path.islink(path)):
            continue
        raw = open(path, "rb").read().decode("utf-8", errors="replace")
        docs = [d.strip("\n").rstrip() for d in re.split(r"\n%\n", raw)]
        res.append((name, [d for d in docs if d.strip() and d.strip() != "%"]))
    return res


def build_corpus():
    train, held = [], []
    for name, text in kjv_books():
        (held if name in HELDOUT_BOOKS else train).append(text)
    for name, docs in fortune_docs():
        (held if name in HELDOUT_FORTUNE_FILES else train).extend(docs)
    return train, held


# --------------------------------------------------------------------------
# Tokenizer: GPT-2's byte-level BPE (encoder.py) with a cut merge list
# --------------------------------------------------------------------------

PAT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
EOT = "<|endoftext|>"


def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def cut_tokenizer(src_dir, n_merges):
    """Return (vocab dict token->id, merges list of (a, b)) cut to n_merges."""
    vocab = json.load(open(os.path.join(src_dir, "vocab.json"), encoding="utf-8"))
    lines = open(os.path.join(src_dir, "merges.txt"), encoding="utf-8").read().split("\n")
    assert lines[0].startswith("#version")
    merges = [tuple(l.split(" ")) for l in lines[1:] if l][:n_merges]
    assert len(merges) == n_merges
    byte_tokens = set(bytes_to_unicode().values())
    keep = set(byte_tokens) | {a + b for a, b in merges}
    toks = sorted(keep, key=lambda t: vocab[t])  # GPT-2's relative order
    new = {t: i for i, t in enumerate(toks)}
    new[EOT] = len(new)
    # checks: merge results in vocab; every non-byte token is a merge result
    results = {a + b for a, b in merges}
    for a, b in merges:
        assert a in new and b in new and a + b in new
    for t in new:
        assert t in byte_tokens or t in results or t == EOT
    assert len(new) == 256 + len(results) + 1
    return new, merges


class BPE:
    def __init__(self, vocab, merges):
        self.encoder = vocab
        self.decoder = {v: k for k, v in vocab.items()}
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {v: k for k, v in self.byte_encoder.items()}
        self.cache = {}
        self.eot = vocab[EOT]

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token)
        while len(word) > 1:
            pairs = set(zip(word, word[1:]))
            bigram = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if bigram not in self.ranks:
                break
            first, second = bigram
            new, i = [], 0
            while i < len(word):
                try:
                    j = word.index(first, i)
                except ValueError:
                    new.extend(word[i:])
                    break
                new.extend(word[i:j])
                i = j
                if word[i] == first and i < len(word) - 1 and word[i + 1] == second:
                    new.append(first + second)
                    i += 2
                else:
                    new.append(word[i])
                    i += 1
            word = tuple(new)
        self.cache[token] = word
        return word

    def encode(self, text):
        ids = []
        for tok in PAT.findall(text):
            tok = "".join(self.byte_encoder[b] for b in tok.encode("utf-8"))
            ids.extend(self.encoder[t] for t in self.bpe(tok))
        return ids

    def decode(self, ids):
        text = "".join(self.decoder[i] for i in ids)
        return bytearray(self.byte_decoder[c] for c in text).decode("utf-8", errors="replace")

    def encode_docs(self, docs):
        ids = []
        for d in docs:
            ids.extend(self.encode(d))
            ids.append(self.eot)
        return ids


GOLDEN = [
    "", " ", "  ", "\n", "\n\n", "\t", "a", "A", "Hello, world!",
    "Hello world", " hello", "The quick brown fox jumps over the lazy dog.",
    "In the beginning God created the heaven and the earth.",
    "And the LORD said unto Moses,", "I'm sure they'll say it's what we've done, isn't it?",
    "don't DON'T Don't", "'s 't 're 've 'm 'll 'd", "x's", "numbers 12345 and 3.14159",
    "1,000,000", "2024-01-31", "e-mail: someone@example.com", "https://example.com/a?b=c&d=e",
    "    indented code();", "if (x) { return y; }", "trailing space ", "two  spaces",
    "tabs\tand\nnewlines\r\n", "Ünïcödé àccents", "naïve café résumé", "Größe straße",
    "日本語のテキスト", "中文", "Привет, мир", "Ελληνικά", "emoji 😀🎉", "a😀b",
    "\u00a0non-breaking\u00a0space", "zero\u200bwidth", "\x00\x01\x7f control",
    "<|endoftext|>", "antidisestablishmentarianism", "Supercalifragilisticexpialidocious",
    "the the the the", "THE END", "Q: What? A: Nothing!!!", "...---...", "$100 & 50% off #1",
    "x = a_b + c_d * 2", "\u2014em dash\u2013en dash\u2026", "\u201cquoted\u201d \u2018single\u2019",
    "The fox said: \"Hi.\"\n\t\t-- Anonymous",
]


def write_golden(bpe, path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("# text (JSON string, ensure_ascii)\tids from the demo-gpt2 tokenizer "
                "(plain BPE; <|endoftext|> in text is not special)\n")
        for s in GOLDEN:
            ids = bpe.encode(s)
            assert bpe.decode(ids) == s.encode("utf-8", errors="replace").decode("utf-8")
            f.write(json.dumps(s, ensure_ascii=True) + "\t" + ",".join(map(str, ids)) + "\n")


# --------------------------------------------------------------------------
# Model: GPT-2 (Hugging Face GPT2LMHeadModel numerics), plain PyTorch
# --------------------------------------------------------------------------

def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


class Conv1D(nn.Module):
    """GPT-2's linear layer: weight stored [in, out]."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(
            *x.shape[:-1], self.weight.shape[1])


class Attention(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.c_attn = Conv1D(d, 3 * d)
        self.c_proj = Conv1D(d, d)

    def forward(self, x):
        B, T, C = x.shape
        hd = C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, hd).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, torch.finfo(att.dtype).min)
        att = torch.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc = Conv1D(d, 4 * d)
        self.c_proj = Conv1D(4 * d, d)

    def forward(self, x):
        return self.c_proj(gelu_new(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, d, n_head, eps):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = Attention(d, n_head)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = MLP(d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT2(nn.Module):
    def __init__(self, vocab, n_pos, d, n_layer, n_head, eps=1e-5):
        super().__init__()
        self.cfg = dict(vocab_size=vocab, n_positions=n_pos, n_embd=d,
                        n_layer=n_layer, n_head=n_head, layer_norm_epsilon=eps)
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(n_pos, d)
        self.h = nn.ModuleList(Block(d, n_head, eps) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d, eps=eps)
        # GPT-2 init: N(0, 0.02); residual projections scaled by 1/sqrt(2L)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))
            elif name.endswith(".weight") and p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)

    def residuals(self, idx):
        """Residual stream rows: embeddings, then after each block."""
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        rows = [x]
        for blk in self.h:
            x = blk(x)
            rows.append(x)
        return rows

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
        for blk in self.h:
            x = blk(x)
        return self.ln_f(x) @ self.wte.weight.t()  # tied unembedding


def hf_state_dict(model):
    """Tensors under the names GPT2LMHeadModel.save_pretrained writes."""
    sd = {}
    for k, v in model.state_dict().items():
        sd["transformer." + k] = v
    return sd


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        a = tensors[name].detach().to("cpu", torch.float16).contiguous().numpy()
        b = a.astype("<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(a.shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        s, e = info["data_offsets"]
        a = np.frombuffer(data[8 + n + s:8 + n + e], dtype="<f2").reshape(info["shape"])
        out[name] = torch.from_numpy(a.astype(np.float32))
    return out


def write_config(path, cfg, eot_id):
    c = {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.0,
        "bos_token_id": eot_id,
        "embd_pdrop": 0.0,
        "eos_token_id": eot_id,
        "initializer_range": 0.02,
        "layer_norm_epsilon": cfg["layer_norm_epsilon"],
        "model_type": "gpt2",
        "n_ctx": cfg["n_positions"],
        "n_embd": cfg["n_embd"],
        "n_head": cfg["n_head"],
        "n_inner": None,
        "n_layer": cfg["n_layer"],
        "n_positions": cfg["n_positions"],
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.0,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "torch_dtype": "float16",
        "use_cache": True,
        "vocab_size": cfg["vocab_size"],
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(c, f, indent=2, sort_keys=True)
        f.write("\n")


def write_tokenizer(out, vocab, merges):
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(a + " " + b + "\n")


# --------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------

@torch.no_grad()
def evaluate(model, held, train, vocab_size, n_pos, device):
    model.eval()
    # unigram baseline, add-one smoothed, fitted on the training split
    counts = np.bincount(np.asarray(train), minlength=vocab_size).astype(np.float64) + 1.0
    logp_uni = np.log(counts / counts.sum())
    held_np = np.asarray(held)
    uni_ce = float(-logp_uni[held_np[1:]].mean())
    uni_top1 = float((held_np[1:] == int(np.argmax(counts))).mean())

    L = len(model.h)
    n_rows = L + 1
    kl_sum = np.zeros(n_rows)
    acc = np.zeros(n_rows)
    nll, n = 0.0, 0
    for s in range(0, len(held) - 1, n_pos):
        chunk = held[s:s + n_pos + 1]
        if len(chunk) < 2:
            break
        x = torch.tensor(chunk[:-1], device=device)[None]
        y = torch.tensor(chunk[1:], device=device)
        rows = model.residuals(x)
        logp = [torch.log_softmax(model.ln_f(r[0]) @ model.wte.weight.t(), dim=-1)
                for r in rows]
        lf = logp[-1]
        pf = lf.exp()
        nll += float(F.nll_loss(lf, y, reduction="sum"))
        n += y.numel()
        for i, lr in enumerate(logp):
            kl_sum[i] += float((pf * (lf - lr)).sum())
            acc[i] += float((lr.argmax(-1) == y).sum())
    row_names = ["embed"] + ["block %d" % i for i in range(L)]
    return {
        "heldout_tokens": n,
        "model_ce_nats": nll / n,
        "unigram_ce_nats": uni_ce,
        "model_ppl": math.exp(nll / n),
        "unigram_ppl": math.exp(uni_ce),
        "top1_final": acc[-1] / n,
        "top1_unigram": uni_top1,
        "chance_top1": 1.0 / vocab_size,
        "lens_rows": row_names,
        "lens_kl_to_final_nats": [k / n for k in kl_sum],
        "lens_top1": [a / n for a in acc],
    }


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tokenizer-dir", default="../shared/fixtures/gpt2-tokenizer",
                    help="directory with GPT-2's vocab.json and merges.txt")
    ap.add_argument("--out", default="data/demo-gpt2")
    ap.add_argument("--golden", default="tests/data/demo-tok.tsv",
                    help="tokenizer golden file to write ('' to skip)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--merges", type=int, default=4000)
    ap.add_argument("--n-layer", type=int, default=6)
    ap.add_argument("--n-embd", type=int, default=192)
    ap.add_argument("--n-head", type=int, default=6)
    ap.add_argument("--n-positions", type=int, default=256)
    ap.add_argument("--steps", type=int, default=1600)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=0,
                    help="training sequence length (default: n_positions)")
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-only", action="store_true",
                    help="evaluate the model already in --out")
    args = ap.parse_args()
    if args.seq <= 0:
        args.seq = args.n_positions

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)
    if args.device.startswith("cuda"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    dev = torch.device(args.device)
    t0 = time.time()

    vocab, merges = cut_tokenizer(args.tokenizer_dir, args.merges)
    bpe = BPE(vocab, merges)
    V = len(vocab)
    train_docs, held_docs = build_corpus()
    train = bpe.encode_docs(train_docs)
    held = bpe.encode_docs(held_docs)
    tb = sum(len(d.encode()) for d in train_docs)
    hb = sum(len(d.encode()) for d in held_docs)
    print("corpus: train %d docs %d bytes %d tokens; held-out %d docs %d bytes %d tokens "
          "(%.1f%%); vocab %d; %.1fs" % (len(train_docs), tb, len(train), len(held_docs), hb,
                                        len(held), 100.0 * hb / (tb + hb), V, time.time() - t0),
          flush=True)
    if args.golden:
        write_golden(bpe, args.golden)

    model = GPT2(V, args.n_positions, args.n_embd, args.n_layer, args.n_head).to(dev)
    os.makedirs(args.out, exist_ok=True)
    st_path = os.path.join(args.out, "model.safetensors")
    nparams = sum(p.numel() for p in model.parameters())
    print("model: %d layers, n_embd %d, %d heads, n_positions %d, vocab %d: %d params"
          % (args.n_layer, args.n_embd, args.n_head, args.n_positions, V, nparams), flush=True)

    train_secs = None
    if not args.eval_only:
        data = torch.tensor(train, dtype=torch.long)
        gen = torch.Generator().manual_seed(args.seed)
        decay = [p for n, p in model.named_parameters() if p.dim() == 2]
        nodecay = [p for n, p in model.named_parameters() if p.dim() < 2]
        opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                                 {"params": nodecay, "weight_decay": 0.0}],
                                lr=args.lr, betas=(0.9, 0.95), eps=1e-8)

        def lr_at(step):
            if step < args.warmup:
                return args.lr * (step + 1) / args.warmup
            p = (step - args.warmup) / max(1, args.steps - args.warmup)
            return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))

        model.train()
        t1 = time.time()
        ema = None
        for step in range(args.steps):
            ix = torch.randint(0, len(data) - args.seq - 1, (args.batch,), generator=gen)
            x = torch.stack([data[i:i + args.seq] for i in ix]).to(dev)
            y = torch.stack([data[i + 1:i + 1 + args.seq] for i in ix]).to(dev)
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            logits = model(x)
            loss = F.cross_entropy(logits.view(-1, V), y.view(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            ema = float(loss) if ema is None else 0.98 * ema + 0.02 * float(loss)
            if step % 50 == 0 or step == args.steps - 1:
                el = time.time() - t1
                print("step %5d/%d loss %.4f (avg %.4f) lr %.2e  %.0fs, %.0f tok/s"
                      % (step, args.steps, float(loss), ema, lr_at(step), el,
                         (step + 1) * args.batch * args.seq / max(el, 1e-9)), flush=True)
        train_secs = time.time() - t1

        write_safetensors(st_path, hf_state_dict(model))
        write_config(os.path.join(args.out, "config.json"), model.cfg, vocab[EOT])
        write_tokenizer(args.out, vocab, merges)

    # evaluate the exported F16 weights (what ships), not the F32 ones
    sd = read_safetensors(st_path)
    model.load_state_dict({k[len("transformer."):]: v for k, v in sd.items()})
    model.to(dev)
    ev = evaluate(model, held, train, V, args.n_positions, dev)
    ev.update({
        "seed": args.seed, "steps": args.steps, "batch": args.batch, "seq": args.seq,
        "device": args.device, "train_tokens": len(train), "params": nparams,
        "train_seconds": round(train_secs, 1) if train_secs is not None else None,
        "corpus": ["bible-kjv-text 4.38", "bible-kjv 4.38", "fortunes 1:1.99.1-7.3",
                   "fortunes-min 1:1.99.1-7.3"],
        "heldout": {"kjv_books": sorted(HELDOUT_BOOKS),
                    "fortune_files": sorted(HELDOUT_FORTUNE_FILES)},
    })
    if train_secs is None:
        old = os.path.join(args.out, "eval.json")
        if os.path.exists(old):
            ev["train_seconds"] = json.load(open(old)).get("train_seconds")
    with open(os.path.join(args.out, "eval.json"), "w") as f:
        json.dump(ev, f, indent=2)
        f.write("\n")
    print("held-out cross-entropy: model %.4f nats/token (ppl %.1f), unigram %.4f (ppl %.1f)"
          % (ev["model_ce_nats"], ev["model_ppl"], ev["unigram_ce_nats"], ev["unigram_ppl"]))
    print("top-1 next token: model %.3f, unigram %.3f, chance %.5f"
          % (ev["top1_final"], ev["top1_unigram"], ev["chance_top1"]))
    print("lens row        KL(final||row)  top-1")
    for name, kl, a in zip(ev["lens_rows"], ev["lens_kl_to_final_nats"], ev["lens_top1"]):
        print("  %-12s %10.4f      %.3f" % (name, kl, a))
    total = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out))
    print("model directory: %d bytes" % total)


if __name__ == "__main__":
    main()
