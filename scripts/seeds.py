#!/usr/bin/env python3
"""seeds.py: the twelve published reviews of the seed pages, as replies.

Reads the two text captures in ../shared/seeds (relative to the repository
root; --seeds to point elsewhere) at run time and writes one reply per tool
and persona, DIR/<slug>/<persona>.txt, plus DIR/expected.tsv with the figures
each reply must come back with. Nothing of the pages' prose is stored in the
repository: it is read here, written to a temporary directory, and checked.

The parse:
- 002_* shows both tools' reviews under persona labels (Builder, Skeptic,
  Futurist, Founder), each with its "NN/100 · ship|skip" line: tool, persona,
  score, verdict and paragraph are all read from the page.
- 000_* shows eight quoted paragraphs without labels or scores. The page
  lays them out persona by persona, left tool then right tool, as 002 does;
  that order is checked, not assumed: the left tool (Gemini 2.5 Flash Lite)
  appears on both pages, and its four paragraphs on 000 must equal its four
  labelled ones on 002 in the same order. The right tool's verdicts come
  from the seed README's figures table. Its scores are NOT published: this
  helper CHOOSES 70 for a ship and 40 for a skip (marked "chosen" in
  expected.tsv), so a check can only hold the verdicts to the page.

--form picks the reply form: lines (SCORE/VERDICT/REVIEW lines, the default
contract), compact (the pages' own "SCORE: NN/100 · ship" line, then the
paragraph), json (one object) or json-fence (the object in a ```json fence).
"""
import argparse
import json
import os
import re
import sys

CHOSEN = {"ship": 70, "skip": 40}
SCORE_LINE = re.compile(r"^(\d+)/100 · (ship|skip)$")


def slug_of(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def fail(msg):
    sys.exit("seeds.py: " + msg)


def lines_after(text, marker, end):
    out = []
    on = False
    for line in text.splitlines():
        line = line.strip()
        if line == marker:
            on = True
            continue
        if on and line.startswith(end):
            break
        if on and line:
            out.append(line)
    if not on:
        fail("no %r section" % marker)
    return out


def title_tools(text):
    for line in text.splitlines():
        m = re.match(r"^(?:Compare/)?(.+?) vs (.+)$", line.strip())
        if m and m.group(1) != "AI tool comparison":
            return m.group(1).strip(), m.group(2).strip()
    fail("no 'A vs B' title")


def parse_labelled(text):
    """002: persona label, then per tool a score line and a paragraph."""
    left, right = title_tools(text)
    rows = []
    persona = None
    pending = None
    col = 0
    for line in lines_after(text, "Reviewer scorecard", "Weekly AI Tool"):
        m = SCORE_LINE.match(line)
        if m:
            pending = (int(m.group(1)), m.group(2))
        elif re.fullmatch(r"[A-Z][a-z]+", line):
            persona = line.lower()
            col = 0
        elif pending is not None and persona is not None:
            rows.append({"tool": (left, right)[col], "persona": persona,
                         "score": pending[0], "verdict": pending[1],
                         "review": line, "figures": "published"})
            pending = None
            col += 1
        else:
            fail("002: paragraph without a persona and score line")
    return rows


def readme_verdicts(readme, tool):
    """The seed README's figures row for tool: persona -> verdict."""
    header = None
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0] == "tool" and "panel" in cells:
            header = [c.lower() for c in cells]
        elif header and cells[0] == tool:
            out = {}
            for name, cell in zip(header[1:], cells[1:]):
                m = re.search(r"\b(ship|skip)$", cell)
                if m and name != "panel":
                    out[name] = m.group(1)
            return out
    fail("README has no figures row for %s" % tool)


def parse_quoted(text, labelled, readme):
    """000: eight quoted paragraphs, persona by persona, left then right."""
    left, right = title_tools(text)
    paras = [l.strip("“”") for l in
             lines_after(text, "Reviewer scorecard", "Weekly AI Tool")
             if l.startswith("“")]
    known = [r for r in labelled if r["tool"] == left]
    if len(paras) != 2 * len(known) or not known:
        fail("000: %d paragraphs for %d personas" % (len(paras), len(known)))
    verdicts = readme_verdicts(readme, right)
    rows = []
    for i, k in enumerate(known):
        if paras[2 * i] != k["review"]:
            fail("000: paragraph %d is not %s's %s review on 002: the layout "
                 "is not persona by persona" % (2 * i + 1, left, k["persona"]))
        v = verdicts.get(k["persona"])
        if v is None:
            fail("README gives no %s verdict for %s" % (k["persona"], right))
        rows.append({"tool": right, "persona": k["persona"],
                     "score": CHOSEN[v], "verdict": v,
                     "review": paras[2 * i + 1], "figures": "chosen"})
    return rows


def render(row, form):
    if form == "lines":
        return "SCORE: %d/100\nVERDICT: %s\nREVIEW: %s\n" % (
            row["score"], row["verdict"], row["review"])
    if form == "compact":
        return "SCORE: %d/100 · %s\n\n%s\n" % (
            row["score"], row["verdict"], row["review"])
    obj = json.dumps({"score": row["score"], "verdict": row["verdict"],
                      "review": row["review"]}, ensure_ascii=False)
    if form == "json":
        return obj + "\n"
    return "```json\n%s\n```\n" % obj


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--seeds", default=os.path.join(root, "..", "shared",
                                                    "seeds"))
    ap.add_argument("--form", default="lines",
                    choices=["lines", "compact", "json", "json-fence"])
    a = ap.parse_args()
    files = sorted(os.listdir(a.seeds))
    page = {}
    for prefix in ("000_", "002_"):
        name = [f for f in files if f.startswith(prefix)]
        if len(name) != 1:
            fail("%s: expected one %s* capture" % (a.seeds, prefix))
        with open(os.path.join(a.seeds, name[0]), encoding="utf-8") as f:
            page[prefix] = f.read()
    with open(os.path.join(a.seeds, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    rows = parse_labelled(page["002_"])
    rows += parse_quoted(page["000_"], rows, readme)
    if len(rows) != 12:
        fail("found %d published reviews, not 12" % len(rows))
    with open(os.path.join(a.outdir, "expected.tsv"), "w",
              encoding="utf-8") as exp:
        for r in rows:
            d = os.path.join(a.outdir, slug_of(r["tool"]))
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, r["persona"] + ".txt"), "w",
                      encoding="utf-8") as f:
                f.write(render(r, a.form))
            exp.write("%s\t%s\t%d\t%s\t%s\n" % (
                slug_of(r["tool"]), r["persona"], r["score"], r["verdict"],
                r["figures"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
