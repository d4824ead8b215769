# tui-check.py MODE SCREEN JSON [ARGS]: compares the screen of the explorer
# with the lens of `logitlens --print --format json` (tui.sh, tui-faults.sh).
import json, re, sys, unicodedata

mode, screen_path, json_path = sys.argv[1:4]

def columns(line):
    """The line with a NUL after each wide character, so that an index is a
    screen column (a cell after a CJK token is where the grid drew it)."""
    return "".join(c + "\0" if unicodedata.east_asian_width(c) in "WF"
                   else c for c in line)

screen = [columns(l) for l in
          open(screen_path, encoding="utf-8").read().split("\n")]
lens = json.load(open(json_path, encoding="utf-8"))
CW = 8
errors = []

def shown(text):
    """tok_display for printable ASCII tokens; None when not comparable."""
    if any(ord(c) < 0x20 or ord(c) > 0x7e for c in text):
        return None
    return text.replace(" ", "\u00b7")

def fit(s, w):
    return s.ljust(w) if len(s) <= w else s[:w - 1] + "\u2026"

def grid_x():
    n = lens["model"]["n_layer"]
    return max(5, len("h.%d" % (n - 1))) + 1

def cells_line(name):
    for line in screen:
        if line.startswith(name + " ") and len(line) > len(name):
            return line
    errors.append("no grid line for %s" % name)
    return None

def check_grid(ncols):
    toks = lens["tokens"]
    gx = grid_x()
    head = [l for l in screen if l.startswith("input")]
    if not head:
        errors.append("no token header")
        return
    for t in range(ncols):
        want = shown(toks[t]["text"])
        x = gx + t * (CW + 1)
        got = head[0][x:x + CW]
        if want is not None and got != fit(want, CW):
            errors.append("header %d: got %r, expected %r" %
                          (t, got, fit(want, CW)))
    for row in lens["rows"]:
        line = cells_line(row["name"])
        if line is None:
            continue
        for t in range(ncols):
            cell = row["cells"][t]
            top = cell["top"][0]
            want = shown(top["text"])
            x = gx + t * (CW + 1)
            got = line[x + 1:x + CW - 1]
            if want is not None and got != fit(want, CW - 2):
                errors.append("%s pos %d: got %r, expected %r" %
                              (row["name"], t, got, fit(want, CW - 2)))
            mark = line[x + CW - 1:x + CW]
            nxt = cell.get("next_id")
            if nxt is not None and nxt >= 0 and top["id"] == nxt and \
               mark not in ("\u2713", "="):
                errors.append("%s pos %d: top-1 is the next token but "
                              "not marked (%r)" % (row["name"], t, mark))

def panel():
    out = []
    for line in screen:
        i = line.find("\u2502")
        if i > 0:
            out.append(line[i + 1:].strip())
    return out

def panel_below():
    """The panel under the grid: the lines after its rule, to the
    legend."""
    out, on = [], False
    for line in screen:
        if line.startswith("\u2500\u2500\u2500") or \
           line.startswith("---"):
            on = True
            continue
        if on and line.strip():
            out.append(line.strip())
    return out[:-2]

def num(s):
    return float(s)

def close(a, b, rel=2e-3, abs_=2e-3):
    return abs(a - b) <= max(abs_, rel * abs(b))

def check_panel(name, pos):
    row = [r for r in lens["rows"] if r["name"] == name][0]
    cell = row["cells"][pos]
    p = panel()
    title = [l for l in p if l.startswith("%s @ %d " % (name, pos + 1))]
    if not title:
        errors.append("panel title for %s @ %d missing: %r" %
                      (name, pos + 1, p[:1]))
    entries = {}
    for l in p:
        m = re.match(r"^\s*(\d+) (.{12}) +(\S+) +(\S+)", l)
        if m:
            entries[int(m.group(1))] = m.groups()
    for k, top in enumerate(cell["top"], 1):
        if k not in entries:
            errors.append("top-%d missing from the panel" % k)
            continue
        _, tok, prob, logit = entries[k]
        want = shown(top["text"])
        if want is not None and tok != fit(want, 12):
            errors.append("top-%d token %r, expected %r" % (k, tok, want))
        if not close(num(prob), top["prob"], 0.06, 6e-5):
            errors.append("top-%d prob %s, expected %g" %
                          (k, prob, top["prob"]))
        if not close(num(logit), top["logit"]):
            errors.append("top-%d logit %s, expected %g" %
                          (k, logit, top["logit"]))
    stats = "\n".join(p)
    m = re.search(r"KL\(final\|\|layer\) (\S+)", stats)
    if not m or not close(num(m.group(1)), cell["kl"], 1e-3, 2e-4):
        errors.append("KL %s, expected %g" % (m and m.group(1), cell["kl"]))
    m = re.search(r"entropy +(\S+)", stats)
    if not m or not close(num(m.group(1)), cell["entropy"], 1e-3, 2e-4):
        errors.append("entropy %s, expected %g" %
                      (m and m.group(1), cell["entropy"]))
    ranks = re.findall(r"rank (\d+)", stats)
    if not ranks or int(ranks[0]) != cell["final_top1_rank"]:
        errors.append("final top-1 rank %s, expected %d" %
                      (ranks[:1], cell["final_top1_rank"]))
    if cell.get("next_id", -1) >= 0 and \
       (len(ranks) < 2 or int(ranks[1]) != cell["next_rank"]):
        errors.append("next token rank %s, expected %d" %
                      (ranks[1:2], cell["next_rank"]))

def cell_text(name, t):
    line = cells_line(name)
    if line is None:
        return None
    x = grid_x() + t * (CW + 1)
    return line[x + 1:x + CW - 1]

def printed_close(text, want):
    """Whether text, as printed, rounds want (half its last digit)."""
    s = text.strip()
    try:
        v = float(s)
    except ValueError:
        return False
    m = re.match(r"^[+-]?\d+(?:\.(\d*))?(?:e([+-]\d+))?$", s)
    if not m:
        return False
    d = len(m.group(1) or "")
    e = int(m.group(2) or 0)
    tol = 0.5 * 10 ** (e - d) * 1.01 + 2e-6
    return abs(v - want) <= tol

def ids_upto(t):
    return [tok["id"] for tok in lens["tokens"][:t + 1]]

def check_track(tid, ncols):
    """The grid shows tracked token tid's probability in every cell."""
    n = 0
    for row in lens["rows"]:
        for t in range(ncols):
            cell = row["cells"][t]
            got = cell_text(row["name"], t)
            if got is None:
                return
            tops = [e for e in cell["top"] if e["id"] == tid]
            if tops:
                n += 1
                if not printed_close(got, tops[0]["prob"]):
                    errors.append("%s pos %d: P(tracked) %r, expected %g" %
                                  (row["name"], t, got, tops[0]["prob"]))
            else:
                # Not in the top-k: at most the k-th probability.
                try:
                    v = float(got)
                except ValueError:
                    errors.append("%s pos %d: %r is no number" %
                                  (row["name"], t, got))
                    continue
                if v > cell["top"][-1]["prob"] + 1e-3:
                    errors.append("%s pos %d: P(tracked) %g above the "
                                  "top-k" % (row["name"], t, v))
    if n == 0:
        errors.append("token %d is in no cell's top-k" % tid)

def check_rankgrid(tid, ncols):
    """The grid shows tracked token tid's rank in every cell, as the
    JSON's tracked entries give it."""
    n = 0
    for row in lens["rows"]:
        for t in range(ncols):
            got = cell_text(row["name"], t)
            if got is None:
                return
            want = [e["rank"] for e in row["cells"][t]["tracked"]
                    if e["id"] == tid]
            if not want:
                errors.append("the JSON does not track %d" % tid)
                return
            n += 1
            if got.strip() != str(want[0]):
                errors.append("%s pos %d: rank %r, expected %d" %
                              (row["name"], t, got, want[0]))
    if n == 0:
        errors.append("no cells compared")

def check_delta(ncols):
    """Delta of P(top-1): the row minus the row below, from the JSON."""
    rows = lens["rows"]
    for i, row in enumerate(rows):
        for t in range(ncols):
            got = cell_text(row["name"], t)
            if got is None:
                return
            if i == 0:
                if got.strip():
                    errors.append("embed pos %d: %r, expected nothing" %
                                  (t, got))
                continue
            want = row["cells"][t]["top"][0]["prob"] - \
                rows[i - 1]["cells"][t]["top"][0]["prob"]
            if not printed_close(got, want) or got.strip()[0] not in "+-":
                errors.append("%s pos %d: delta %r, expected %+g" %
                              (row["name"], t, got, want))

def check_mask(ncols):
    """Each cell shows its best top-k token that is no input token yet."""
    masked = 0
    for row in lens["rows"]:
        for t in range(ncols):
            cell = row["cells"][t]
            got = cell_text(row["name"], t)
            if got is None:
                return
            ok = [e for e in cell["top"] if e["id"] not in ids_upto(t)]
            if cell["top"][0]["id"] in ids_upto(t):
                masked += 1
            want = shown(ok[0]["text"]) if ok else "-"
            if want is not None and got != fit(want, CW - 2):
                errors.append("%s pos %d: masked %r, expected %r" %
                              (row["name"], t, got, fit(want, CW - 2)))
    if masked == 0:
        errors.append("no cell's top-1 copies the input: a weak test")

def check_cands(pos, k):
    """Candidates: union of every row's top-k, by max probability."""
    best = {}
    for i, row in enumerate(lens["rows"]):
        for e in row["cells"][pos]["top"]:
            if e["id"] not in best or e["prob"] > best[e["id"]][0]:
                best[e["id"]] = (e["prob"], i, row["name"], e["text"])
    want = sorted(best.items(), key=lambda x: (-x[1][0], x[1][1], x[0]))
    got = []
    for l in panel():
        m = re.match(r"^\s*(\d+) (.{12}) +(\S+) +(\S+)$", l)
        if m:
            got.append(m.groups())
    if len(got) < k:
        errors.append("%d candidates shown, expected %d" % (len(got), k))
    for (n, tok, prob, name), (tid, (p, _, wname, text)) in zip(got, want):
        w = shown(text)
        if w is not None and tok != fit(w, 12):
            errors.append("candidate %s: %r, expected %r" % (n, tok, w))
        if not close(float(prob), p, 0.06, 6e-5) or name != wname:
            errors.append("candidate %s: %s at %s, expected %g at %s" %
                          (n, prob, name, p, wname))

def check_attrib(name, pos):
    """The parts and ln_f's bias add up to the logit of the top-1."""
    row = [r for r in lens["rows"] if r["name"] == name][0]
    parts, vals = [], {}
    for l in panel():
        m = re.match(r"^(embed|h\.\d+\.(?:attn|mlp)|ln_f bias|sum|logit)"
                     r" +([+-]\d+\.\d+)", l)
        if m:
            if m.group(1) in ("embed",) or m.group(1).startswith("h."):
                parts.append(m.group(1))
            vals[m.group(1)] = float(m.group(2))
    nl = int(name.split(".")[1]) + 1 if name != "embed" else 0
    want = ["embed"] + ["h.%d.%s" % (i, s) for i in range(nl)
                        for s in ("attn", "mlp")]
    if parts != want:
        errors.append("parts %r, expected %r" % (parts, want))
    if "logit" not in vals or "sum" not in vals:
        errors.append("no sum or logit: %r" % panel())
        return
    total = sum(vals[p] for p in parts) + vals.get("ln_f bias", 0)
    if abs(total - vals["logit"]) > 1e-4 * (len(parts) + 2):
        errors.append("parts add up to %g, the logit is %g" %
                      (total, vals["logit"]))
    if abs(vals["sum"] - vals["logit"]) > 1e-4:
        errors.append("sum %g != logit %g" % (vals["sum"], vals["logit"]))
    top = row["cells"][pos]["top"][0]
    if not close(vals["logit"], top["logit"]):
        errors.append("logit %g, the lens says %g" %
                      (vals["logit"], top["logit"]))

def check_spark(tid, pos):
    """The tracked view: the sparkline of tid over the rows at pos."""
    bars = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
    p = panel()
    lines = [i for i, l in enumerate(p) if l.startswith("tracked:")]
    if not lines or lines[0] + 2 >= len(p):
        errors.append("no tracked view: %r" % p)
        return
    spark = p[lines[0] + 2].strip()
    rows = lens["rows"]
    if len(spark) != len(rows):
        errors.append("sparkline %r has %d glyphs for %d rows" %
                      (spark, len(spark), len(rows)))
        return
    n = 0
    for i, row in enumerate(rows):
        tops = [e for e in row["cells"][pos]["top"] if e["id"] == tid]
        if tops:
            n += 1
            want = bars[int(tops[0]["prob"] * 7 + 0.5)]
            if spark[i] != want and \
               abs(tops[0]["prob"] * 7 - int(tops[0]["prob"] * 7) - .5) > .01:
                errors.append("sparkline at %s: %r, expected %r (p %g)" %
                              (row["name"], spark[i], want, tops[0]["prob"]))
    if n == 0:
        errors.append("token %d in no top-k at pos %d" % (tid, pos))

def check_trackrank(name, pos):
    """The tracked view's numbers of each token (p, logit, rank) at the
    selected cell against the JSON's tracked entries of that cell."""
    p = panel()
    head = [i for i, l in enumerate(p) if l.startswith("tracked:")]
    if not head:
        errors.append("no tracked view: %r" % p)
        return
    row = [r for r in lens["rows"] if r["name"] == name][0]
    tracked = row["cells"][pos]["tracked"]
    for j, t in enumerate(tracked):
        at = head[0] + 1 + 2 * j
        line = p[at] if at < len(p) else ""
        m = re.search(r" (\S+) +(-?[0-9]+\.[0-9]+) +([0-9]+)$", line)
        if not m:
            errors.append("no p, logit, rank for %d: %r" % (t["id"], line))
            continue
        if int(m.group(3)) != t["rank"]:
            errors.append("token %d: rank %s, the lens says %d" %
                          (t["id"], m.group(3), t["rank"]))
        if not close(float(m.group(2)), t["logit"], abs_=6e-3):
            errors.append("token %d: logit %s, the lens says %g" %
                          (t["id"], m.group(2), t["logit"]))
    if not tracked:
        errors.append("the JSON tracks nothing")

def tracked_prob(cell, tid):
    for t in cell.get("tracked", []):
        if t["id"] == tid:
            return t["prob"]
    errors.append("the reference JSON does not track token %d" % tid)
    return 0.0

def cmp_entries(lines, top, other):
    """One prompt's top-k entries of the comparison panel (token, its
    probability, P_B - P_A) against its cell's top and the other prompt's
    probability of each token (other: id -> prob); how many matched."""
    n = 0
    for i, l in enumerate(lines):
        m = re.match(r"^(.{10}) +(\S+) +(\S+)$", l)
        if not m or i >= len(top):
            errors.append("comparison entry %d: %r" % (i + 1, l))
            continue
        tok, p, d = m.groups()
        want = shown(top[i]["text"])
        if want is not None and tok != fit(want, 10):
            errors.append("entry %d: token %r, expected %r" %
                          (i + 1, tok, want))
        if not printed_close(p, top[i]["prob"]) and \
           not close(num(p), top[i]["prob"], 0.06, 6e-5):
            errors.append("entry %d: prob %s, expected %g" %
                          (i + 1, p, top[i]["prob"]))
        dw = other(top[i]["id"], top[i]["prob"])
        if not close(num(d), dw, 1e-3, 1.2e-4):
            errors.append("entry %d (%s): change %s, expected %g" %
                          (i + 1, tok, d, dw))
        n += 1
    return n

def check_cmppanel(name, pos, b_path, atr_path, btr_path):
    """The comparison panel of (name, pos): KL, JS, TV and the largest
    change from --compare's JSON; A's and B's top-k with P_B - P_A, the
    other prompt's probability of each token from --track's JSON."""
    lb = json.load(open(b_path, encoding="utf-8"))
    ltr_a = json.load(open(atr_path, encoding="utf-8"))
    ltr_b = json.load(open(btr_path, encoding="utf-8"))
    def cell_of(l):
        return [r for r in l["rows"] if r["name"] == name][0]["cells"][pos]
    ca, cb = cell_of(lens), cell_of(lb)
    cta, ctb = cell_of(ltr_a), cell_of(ltr_b)
    cmp = ca["compare"]
    p = panel() or panel_below()
    if not [l for l in p if l.startswith("%s @ %d " % (name, pos + 1))]:
        errors.append("panel title for %s @ %d missing" % (name, pos + 1))
    stats = "\n".join(p)
    m = re.search(r"KL\(A\|\|B\) (\S+)  JS (\S+) nats", stats)
    if not m or not close(num(m.group(1)), cmp["kl"], 6e-4, 1e-6) or \
       not close(num(m.group(2)), cmp["js"], 6e-4, 1e-6):
        errors.append("KL, JS %s, expected %g, %g" %
                      (m and m.groups(), cmp["kl"], cmp["js"]))
    m = re.search(r"TV (\S+)  max (.{10}) (\S+)", stats)
    mx = cmp["max_delta"]
    if not m or not close(num(m.group(1)), cmp["tv"], 6e-4, 1e-6) or \
       not close(num(m.group(3)), mx["delta"], 1e-3, 6e-5):
        errors.append("TV, max change %s, expected %g, %g" %
                      (m and m.groups(), cmp["tv"], mx["delta"]))
    elif shown(mx["text"]) is not None and \
         m.group(2) != fit(shown(mx["text"]), 10):
        errors.append("max change token %r, expected %r" %
                      (m.group(2), mx["text"]))
    head = [i for i, l in enumerate(p) if l.startswith("A top-k")]
    if head and "| B top-k" in p[head[0]]:
        # Side by side: "A's entry | B's entry" on each line.
        rows = [l.split(" | ") for l in p[head[0] + 1:] if " | " in l]
        la = [r[0] for r in rows]
        lb_ = [r[1] for r in rows]
    else:
        try:
            ia = p.index(next(l for l in p if l.startswith("A top-k")))
            ib = p.index(next(l for l in p if l.startswith("B top-k")))
        except StopIteration:
            errors.append("no A top-k / B top-k sections")
            return
        la = [l for l in p[ia + 1:ib] if l]
        lb_ = [l for l in p[ib + 1:] if l][:len(la)]
    na = cmp_entries(la, ca["top"],
                     lambda tid, pa: tracked_prob(ctb, tid) - pa)
    nb = cmp_entries(lb_, cb["top"],
                     lambda tid, pb: pb - tracked_prob(cta, tid))
    if na < 3 or nb < 3:
        errors.append("%d and %d entries compared, expected 3 or more" %
                      (na, nb))

def check_cmpgrid(ncols):
    """Each compared cell carries the token that changed most, + or -
    (= where nothing changed), as --compare's JSON says."""
    for row in lens["rows"]:
        for t in range(ncols):
            mx = row["cells"][t]["compare"]["max_delta"]
            got = cell_text(row["name"], t)
            if got is None:
                continue
            if mx["delta"] == 0:
                want = fit("=", CW - 2)
            else:
                s = shown(mx["text"])
                if s is None:
                    continue
                want = ("-" if mx["delta"] < 0 else "+") + fit(s, CW - 3)
            if got != want:
                errors.append("%s @ %d: %r, expected %r" %
                              (row["name"], t + 1, got, want))

if mode == "grid":
    check_grid(int(sys.argv[4]))
elif mode == "cmppanel":
    check_cmppanel(sys.argv[4], int(sys.argv[5]), *sys.argv[6:9])
elif mode == "cmpgrid":
    check_cmpgrid(int(sys.argv[4]))
elif mode == "panel":
    check_panel(sys.argv[4], int(sys.argv[5]))
elif mode == "track":
    check_track(int(sys.argv[4]), int(sys.argv[5]))
elif mode == "delta":
    check_delta(int(sys.argv[4]))
elif mode == "mask":
    check_mask(int(sys.argv[4]))
elif mode == "cands":
    check_cands(int(sys.argv[4]), int(sys.argv[5]))
elif mode == "attrib":
    check_attrib(sys.argv[4], int(sys.argv[5]))
elif mode == "rankgrid":
    check_rankgrid(int(sys.argv[4]), int(sys.argv[5]))
elif mode == "trackrank":
    check_trackrank(sys.argv[4], int(sys.argv[5]))
elif mode == "spark":
    check_spark(int(sys.argv[4]), int(sys.argv[5]))
for e in errors:
    print("  " + e)
sys.exit(1 if errors else 0)
