# tui-patch.py MODE SCREEN JSON [ARGS]: compares the explorer's patching
# view with `logitlens --print --format json --patch=CLEAN --attention
# CORRUPTED` (tui-patch.sh). The effects are recomputed here from the raw
# values, (m - corrupted) / (clean - corrupted), not read from the JSON.
#   grid SCREEN JSON: every cell of the grid (glyph, effect to 2 places)
#   partial SCREEN JSON: a grid drawn in parts: each row the JSON's or all
#     pending (a dot per position), and "computing" in the status line
#     while a row is pending; prints "pending" when one is
#   heads SCREEN JSON LAYER HEAD: the head grid (H): a line per layer (L0,
#     L1...) with each head's effect, and the panel's raw metric and
#     effect of head LAYER.HEAD
#   panel SCREEN JSON ROW POS [ATTN_JSON]: the panel of cell ROW, POS (raw
#     metric, effect, the ends, the corrupted prompt's token, the heads of
#     the row's layer by falling |effect| and their strongest attention
#     weight from POS: the JSON's "attention", or ATTN_JSON's (the patched
#     run's: the clean prompt's when noising))
import json, re, sys

mode, screen_path, json_path = sys.argv[1:4]
screen = open(screen_path, encoding="utf-8").read().split("\n")
doc = json.load(open(json_path, encoding="utf-8"))
p = doc["patching"]
errors = []
GLYPHS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"

def effect(v):
    return (v - p["corrupted"]) / (p["clean"] - p["corrupted"])

def close(shown, want, places, what):
    if abs(float(shown) - want) > 0.5 * 10 ** -places + 1e-6:
        errors.append("%s: screen %s, core %.6f" % (what, shown, want))

def number(regex, what):
    for line in screen:
        m = re.search(regex, line)
        if m:
            return m
    errors.append("no %s on the screen" % what)
    return None

def check_grid():
    T = len(doc["tokens"])
    for row in p["rows"]:
        line = next((l for l in screen if l.startswith(row["name"] + " ")),
                    None)
        if line is None:
            errors.append("no grid line for %s" % row["name"])
            continue
        cells = re.findall("[" + GLYPHS + "]([+-][0-9]+\\.[0-9]{2})", line)
        if len(cells) != T:
            errors.append("%s: %d cells, want %d" % (row["name"],
                          len(cells), T))
        for t, (c, v) in enumerate(zip(cells, row["values"])):
            close(c, effect(v), 2, "%s P%d" % (row["name"], t))

def check_partial():
    T = len(doc["tokens"])
    pending = 0
    for row in p["rows"]:
        line = next((l for l in screen if l.startswith(row["name"] + " ")),
                    None)
        if line is None:
            errors.append("no grid line for %s" % row["name"])
            continue
        cells = line[len(row["name"]):].split()
        if len(cells) >= T and all(c in ("\u00b7", ".") for c in cells[:T]):
            pending += 1
            continue
        nums = re.findall("[" + GLYPHS + "]([+-][0-9]+\\.[0-9]{2})", line)
        if len(nums) != T:
            errors.append("%s: neither pending nor %d cells: %r" %
                          (row["name"], T, line))
            continue
        for t, (c, v) in enumerate(zip(nums, row["values"])):
            close(c, effect(v), 2, "%s P%d" % (row["name"], t))
    if pending:
        if not any("computing" in l for l in screen):
            errors.append("%d rows pending, no progress shown" % pending)
        print("pending")

def check_heads(layer, head):
    for h in p["heads"]:
        name = "L%d" % h["layer"]
        line = next((l for l in screen if l.startswith(name + " ")), None)
        if line is None:
            errors.append("no head grid line for %s" % name)
            continue
        cells = re.findall("[" + GLYPHS + "]([+-][0-9]+\\.[0-9]{2})", line)
        if len(cells) != len(h["values"]):
            errors.append("%s: %d cells, want %d" % (name, len(cells),
                          len(h["values"])))
        for i, (c, v) in enumerate(zip(cells, h["values"])):
            close(c, effect(v), 2, "head %d.%d" % (h["layer"], i))
    if number(r"\bh%d\.%d at every position" % (layer, head),
              "the selected head") is None:
        return
    v = next(h["values"][head] for h in p["heads"] if h["layer"] == layer)
    m = number(r"raw (-?[0-9.]+)  effect ([+-][0-9.]+)", "raw metric")
    if m:
        close(m.group(1), v, 4, "head raw")
        close(m.group(2), effect(v), 4, "head effect")

def layer_of(name):
    return 0 if name == "embed" else int(name.split(".")[1])

def check_panel(row, pos, attn):
    m = number(r"clean (-?[0-9.]+)  corrupted (-?[0-9.]+)", "ends")
    if m:
        close(m.group(1), p["clean"], 4, "clean")
        close(m.group(2), p["corrupted"], 4, "corrupted")
    if number(r"\b%s P%d\b" % (re.escape(row), pos), "cell name") is None:
        return
    v = next(r["values"][pos] for r in p["rows"] if r["name"] == row)
    m = number(r"raw (-?[0-9.]+)  effect ([+-][0-9.]+)", "raw metric")
    if m:
        close(m.group(1), v, 4, "raw")
        close(m.group(2), effect(v), 4, "effect")
    tok = doc["tokens"][pos]["text"]
    if all(0x20 <= ord(c) < 0x7f for c in tok):
        number(r"corrupted %s$" % re.escape(tok.replace(" ", "\u00b7")),
               "the corrupted token")
    l = layer_of(row)
    heads = next(h["values"] for h in p["heads"] if h["layer"] == l)
    att = next(a["heads"] for a in attn["attention"] if a["layer"] == l)
    shown = []
    for line in screen:
        m = re.search(r"\bh%d\.([0-9]+) +([+-][0-9.]+) \S+ .* ([0-9.]+)$"
                      % l, line)
        if m:
            shown.append((int(m.group(1)), m.group(2), m.group(3)))
    if len(shown) != len(heads):
        errors.append("layer %d: %d heads shown, want %d" % (l, len(shown),
                      len(heads)))
    effs = [abs(effect(v)) for v in heads]
    for i, (h, e, w) in enumerate(shown):
        close(e, effect(heads[h]), 2, "head %d.%d effect" % (l, h))
        close(w, max(att[h][pos][:pos + 1]), 2,
              "head %d.%d strongest weight from P%d" % (l, h, pos))
        if i and effs[h] > effs[shown[i - 1][0]] + 1e-6:
            errors.append("head %d.%d shown after a weaker one" % (l, h))

if mode == "grid":
    check_grid()
elif mode == "partial":
    check_partial()
elif mode == "heads":
    check_heads(int(sys.argv[4]), int(sys.argv[5]))
elif mode == "panel":
    check_panel(sys.argv[4], int(sys.argv[5]),
                json.load(open(sys.argv[6], encoding="utf-8"))
                if len(sys.argv) > 6 else doc)
else:
    sys.exit("tui-patch.py: unknown mode %s" % mode)
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
