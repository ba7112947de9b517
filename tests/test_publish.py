#!/usr/bin/env python3
"""End-to-end tests of publishing: `shipskip compare` and `shipskip site`.

The sample tools are reviewed once by replaying the recorded exchanges
(fixtures/exchanges: no network, no key); the tests then run the binary on
those scorecards and check exit codes, stderr and the files written —
including the done-when check: the two published pairs come out as 4/0 100%
against 3/1 75%.

    SHIPSKIP_BIN   the binary (default: <repo>/build/shipskip)
    SK_SOURCE_DIR  the repository (default: the parent of this directory)

Run: python3 tests/test_publish.py [-v] [TestClass.test_name]
Python 3 standard library only.
"""

import csv
import io
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.environ.get("SK_SOURCE_DIR")
                       or os.path.dirname(HERE))
BIN = os.path.abspath(os.environ.get("SHIPSKIP_BIN")
                      or os.path.join(REPO, "build", "shipskip"))
EVIL = os.path.join(REPO, "tests", "data", "publish", "evil-tool.json")

GEMINI = "gemini-2-5-flash-lite"
LLAMA = "code-llama-4"
MISTRAL = "mistral-medium-3-2"
SLUGS = ["code-llama-4", "flintest", "gemini-2-5-flash-lite", "gradewright",
         "mistral-medium-3-2", "offshoot"]
CSV_HEADER = ("slug,name,category,entry,panel_verdict,ships,skips,"
              "ship_percent,mean_score,community_ship_percent,"
              "community_votes,flagged")


def run(*args, cwd=None):
    return subprocess.run([BIN] + list(args), cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=60)


class Publish(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="sk-publish-")
        cls.out = os.path.join(cls.tmp, "out")
        r = run("review", "fixtures/tools", "-o", cls.out, "--replay",
                "fixtures/exchanges", "-q", "--no-progress")
        if r.returncode != 0:
            raise RuntimeError("replay failed: %s" % r.stderr)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def scratch(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        return d

    def copy_out(self):
        d = self.scratch()
        for s in SLUGS:
            shutil.copy(os.path.join(self.out, s + ".json"), d)
        return d

    def compare(self, a, b, *extra, ok=True):
        r = run("compare", a, b, "--dir", self.out, *extra)
        if ok:
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stderr, "")
        return r


class DoneWhen(Publish):
    """The two published pairs: 4/0 100% against 3/1 75%."""

    def check_pair(self, other, other_name):
        js = json.loads(self.compare(GEMINI, other, "--format",
                                     "json").stdout)
        a, b = js["tools"]
        self.assertEqual(a["name"], "Gemini 2.5 Flash Lite")
        self.assertEqual(b["name"], other_name)
        self.assertEqual((a["panel"]["ships"], a["panel"]["skips"],
                          a["panel"]["ship_percent"]), (4, 0, 100))
        self.assertEqual((b["panel"]["ships"], b["panel"]["skips"],
                          b["panel"]["ship_percent"]), (3, 1, 75))
        self.assertEqual(a["panel"]["label"], "Ship · 4 ship / 0 skip")
        self.assertEqual(b["panel"]["label"], "Ship · 3 ship / 1 skip")
        read = ("Both ship; Gemini 2.5 Flash Lite carries the stronger "
                "panel, 4/0 against 3/1.")
        self.assertEqual(js["read"], read)
        self.assertEqual(js["stronger"], "a")
        self.assertEqual(js["split"], ["founder"])
        self.assertEqual([r["persona"] for r in js["reviewers"]],
                         ["builder", "skeptic", "futurist", "founder"])

        md = self.compare(GEMINI, other, "--format", "md").stdout
        self.assertIn("| Panel verdict | Ship · 4 ship / 0 skip | Ship · 3 "
                      "ship / 1 skip |\n| Panel ship | 100% | 75% |\n", md)
        self.assertIn("**The read:** " + read, md)
        self.assertIn("| Community | No community votes yet | No community "
                      "votes yet |", md)

        html = self.compare(GEMINI, other).stdout
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertIn("<th scope=\"row\">Panel ship</th><td>100%</td>"
                      "<td>75%</td>", html)
        self.assertIn("Ship · 4 ship / 0 skip", html)
        self.assertIn("Ship · 3 ship / 1 skip", html)
        self.assertIn(read, html)

    def test_gemini_vs_code_llama(self):
        self.check_pair(LLAMA, "Code Llama 4")
        js = json.loads(self.compare(GEMINI, LLAMA, "--format",
                                     "json").stdout)
        scores = [(r["a"]["score"], r["b"]["score"], r["higher"])
                  for r in js["reviewers"]]
        self.assertEqual(scores, [(78, 84, "b"), (74, 78, "b"),
                                  (80, 81, "b"), (72, 55, "a")])

    def test_gemini_vs_mistral(self):
        self.check_pair(MISTRAL, "Mistral Medium 3.2")


class Compare(Publish):
    def test_names_paths_and_cwd(self):
        by_slug = self.compare(GEMINI, LLAMA, "--format", "json").stdout
        by_name = self.compare("gemini 2.5 FLASH lite", "Code Llama 4",
                               "--format", "json").stdout
        self.assertEqual(by_slug, by_name)
        r = run("compare", os.path.join(self.out, GEMINI + ".json"),
                os.path.join(self.out, LLAMA + ".json"), "--format=json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, by_slug)
        # The default directory is the current one.
        r = run("compare", GEMINI, LLAMA, "--format", "json", cwd=self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, by_slug)

    def test_output_file(self):
        d = self.scratch()
        path = os.path.join(d, "cmp.md")
        r = self.compare(GEMINI, MISTRAL, "--format", "md", "-o", path)
        self.assertEqual(r.stdout, "")
        with open(path, encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(text.startswith(
            "# Gemini 2.5 Flash Lite vs Mistral Medium 3.2\n"))
        self.assertEqual(os.listdir(d), ["cmp.md"])  # no temporary left

    def test_errors(self):
        r = self.compare(GEMINI, "Nope", ok=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no scorecard has the slug or tool name \"Nope\"",
                      r.stderr)
        self.assertIn("code-llama-4", r.stderr)
        self.assertEqual(r.stdout, "")
        r = self.compare(GEMINI, "Gemini 2.5 Flash Lite", ok=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("compare two tools", r.stderr)
        r = self.compare(GEMINI, LLAMA, "--format", "pdf", ok=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--format takes html, md or json", r.stderr)
        r = run("compare", GEMINI)
        self.assertEqual(r.returncode, 2)
        r = run("compare", GEMINI, LLAMA, "--bogus")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown compare option \"--bogus\"", r.stderr)
        r = self.compare(GEMINI, LLAMA, "-o", "/nonexistent/dir/x.html",
                         ok=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent/dir", r.stderr)
        r = run("compare", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("shipskip compare A B", r.stdout)

    def test_votes(self):
        d = self.scratch()
        vj = os.path.join(d, "votes.json")
        with open(vj, "w") as f:
            json.dump({GEMINI: {"ship": 255, "skip": 157}}, f)
        md = self.compare(GEMINI, LLAMA, "--format", "md", "--votes",
                          vj).stdout
        self.assertIn("| Community | 62% ship · 412 votes | No community "
                      "votes yet |", md)
        vc = os.path.join(d, "votes.csv")
        with open(vc, "w") as f:
            f.write("slug,ship,skip\ncode-llama-4,1,0\n%s,3,-1\n" % GEMINI)
        r = self.compare(GEMINI, LLAMA, "--votes", vc, ok=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("votes.csv:3: \"%s\": skip is -1; a count is a whole "
                      "number from 0" % GEMINI, r.stderr)
        self.assertEqual(r.stdout, "")
        with open(vc, "w") as f:
            f.write("slug,ship,skip,extra\n")
        r = self.compare(GEMINI, LLAMA, "--votes", vc, ok=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("votes.csv:1: unknown column \"extra\"", r.stderr)


class Site(Publish):
    def test_site(self):
        d = self.copy_out()
        pairs = os.path.join(d, "pairs.txt")
        with open(pairs, "w") as f:
            f.write("# the seed pages\n%s %s\n\n%s %s  # second\n"
                    % (GEMINI, LLAMA, GEMINI, MISTRAL))
        with open(os.path.join(d, "votes.csv"), "w") as f:
            f.write("slug,ship,skip\n%s,255,157\n" % LLAMA)
        r = run("site", d, "--pairs", pairs, "--compare", "Offshoot:Flintest",
                "--votes", os.path.join(d, "votes.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("6 tool pages, 3 comparisons", r.stderr)
        site = os.path.join(d, "site")
        self.assertEqual(sorted(os.listdir(site)),
                         ["by-name.html", "by-score.html", "compare",
                          "index.csv", "index.html", "panel.html", "tools"])
        self.assertEqual(sorted(os.listdir(os.path.join(site, "tools"))),
                         [s + ".html" for s in SLUGS])
        self.assertEqual(sorted(os.listdir(os.path.join(site, "compare"))),
                         ["gemini-2-5-flash-lite-vs-code-llama-4.html",
                          "gemini-2-5-flash-lite-vs-mistral-medium-3-2.html",
                          "offshoot-vs-flintest.html"])

        with open(os.path.join(site, "index.csv"), newline="",
                  encoding="utf-8") as f:
            raw = f.read()
        self.assertTrue(raw.startswith(CSV_HEADER + "\r\n"))
        rows = list(csv.DictReader(io.StringIO(raw)))
        self.assertEqual([r["slug"] for r in rows], SLUGS)
        byslug = {r["slug"]: r for r in rows}
        self.assertEqual(
            (byslug[GEMINI]["panel_verdict"], byslug[GEMINI]["ships"],
             byslug[GEMINI]["skips"], byslug[GEMINI]["ship_percent"],
             byslug[GEMINI]["mean_score"]), ("Ship", "4", "0", "100", "76.0"))
        self.assertEqual((byslug[LLAMA]["community_ship_percent"],
                          byslug[LLAMA]["community_votes"]), ("62", "412"))
        self.assertEqual((byslug[GEMINI]["community_ship_percent"],
                          byslug[GEMINI]["community_votes"]), ("", ""))
        # The samples were scanned by the injection detector and are clean.
        self.assertEqual({r["flagged"] for r in rows}, {"no"})

        def order(page):
            with open(os.path.join(site, page), encoding="utf-8") as f:
                html = f.read()
            return sorted(SLUGS, key=lambda s: html.index(
                "tools/%s.html" % s))

        self.assertEqual(order("index.html"),
                         [GEMINI, LLAMA, "offshoot", MISTRAL, "flintest",
                          "gradewright"])
        self.assertEqual(order("by-score.html"),
                         [GEMINI, LLAMA, "offshoot", MISTRAL, "flintest",
                          "gradewright"])
        self.assertEqual(order("by-name.html"),
                         [LLAMA, "flintest", GEMINI, "gradewright", MISTRAL,
                          "offshoot"])

        with open(os.path.join(site, "tools", LLAMA + ".html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn("62% ship · 412 votes", page)
        self.assertIn("Ship · 3 ship / 1 skip", page)
        self.assertIn("84/100 · ship", page)
        self.assertIn("55/100 · skip", page)
        self.assertIn("../compare/gemini-2-5-flash-lite-vs-code-llama-4.html",
                      page)
        with open(os.path.join(site, "compare",
                               "offshoot-vs-flintest.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn("Offshoot ships, Flintest is split; Offshoot carries "
                      "the stronger panel, 3/1 against 2/2.", page)

        # Rebuilding gives the same bytes: nothing time-dependent.
        before = {}
        for root, _, files in os.walk(site):
            for n in files:
                with open(os.path.join(root, n), "rb") as f:
                    before[os.path.join(root, n)] = f.read()
        r = run("site", d, "--pairs", pairs, "--compare", "Offshoot:Flintest",
                "--votes", os.path.join(d, "votes.csv"), "-q")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        for path, data in before.items():
            with open(path, "rb") as f:
                self.assertEqual(f.read(), data, path)

    def test_other_outputs_are_skipped_and_broken_reported(self):
        d = self.copy_out()
        with open(os.path.join(d, "summary.json"), "w") as f:
            json.dump({"schema": "shipskip.summary/1", "tools": []}, f)
        r = run("site", d, "-o", os.path.join(d, "pub"))
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(d, "broken.json"), "w") as f:
            f.write('{"schema": "shipskip.scorecard/1", "tool": {}}')
        r = run("site", d, "-o", os.path.join(d, "pub"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("broken.json: tool.slug is missing", r.stderr)
        self.assertEqual(len(os.listdir(os.path.join(d, "pub", "tools"))), 6)

    def test_errors(self):
        d = self.copy_out()
        pairs = os.path.join(d, "pairs.txt")
        with open(pairs, "w") as f:
            f.write("%s %s\n%s nope\n" % (GEMINI, LLAMA, GEMINI))
        r = run("site", d, "--pairs", pairs)
        self.assertEqual(r.returncode, 2)
        self.assertIn("pairs.txt:2: no scorecard has the slug or tool name "
                      "\"nope\"", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "site")))
        with open(pairs, "w") as f:
            f.write("%s\n" % GEMINI)
        r = run("site", d, "--pairs", pairs)
        self.assertEqual(r.returncode, 2)
        self.assertIn("pairs.txt:1: expected two slugs", r.stderr)
        r = run("site", d, "--compare", "nocolon")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--compare takes A:B", r.stderr)
        r = run("site", os.path.join(d, "missing"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("is not a directory of scorecards", r.stderr)
        r = run("site", d, "--votes", os.path.join(d, "none.json"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("none.json: cannot open", r.stderr)
        r = run("site")
        self.assertEqual(r.returncode, 2)
        self.assertFalse(os.path.exists(os.path.join(d, "site")))

    def test_hostile_tool(self):
        d = self.scratch()
        shutil.copy(EVIL, d)
        shutil.copy(os.path.join(self.out, GEMINI + ".json"), d)
        r = run("site", d, "--compare", "evil-tool:" + GEMINI, "-q")
        self.assertEqual(r.returncode, 0, r.stderr)
        site = os.path.join(d, "site")
        for root, _, files in os.walk(site):
            for n in files:
                with open(os.path.join(root, n), encoding="utf-8") as f:
                    text = f.read()
                if n.endswith(".html"):
                    for bad in ("<script", "<img", "href=\"javascript",
                                " onerror=\"", "<!--"):
                        self.assertNotIn(bad, text, os.path.join(root, n))
                    # The only <svg> are shipskip's own charts (panel.html).
                    self.assertEqual(
                        text.count("<svg"),
                        text.count('<svg xmlns="http://www.w3.org/2000/svg" '
                                   'class="chart chart-'),
                        os.path.join(root, n))
                    self.assertEqual(text.count("<svg") > 0,
                                     n == "panel.html")
                    self.assertEqual(text.count("<style>"), 1)
        with open(os.path.join(site, "tools", "evil-tool.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn("Flagged for the editor:</strong> this submission "
                      "looks like it addresses the model; it was reviewed "
                      "anyway.", page)
        self.assertIn("&lt;script&gt;window.__pwned=11&lt;/script&gt;", page)
        with open(os.path.join(site, "tools", GEMINI + ".html"),
                  encoding="utf-8") as f:
            self.assertNotIn("Flagged", f.read())
        with open(os.path.join(site, "index.csv"), encoding="utf-8",
                  newline="") as f:
            flags = {r["slug"]: r["flagged"] for r in csv.DictReader(f)}
        self.assertEqual(flags, {"evil-tool": "yes", GEMINI: "no"})
        with open(os.path.join(site, "index.csv"), encoding="utf-8",
                  newline="") as f:
            rows = list(csv.reader(f))
        for row in rows:
            for cell in row:
                self.assertFalse(cell[:1] in ("=", "+", "-", "@", "\t", "\r"),
                                 cell)
        r = run("compare", "evil-tool", GEMINI, "--dir", d, "--format", "md")
        self.assertEqual(r.returncode, 0, r.stderr)
        # Every '<' is escaped or opens an http(s) autolink; no ']' opens a
        # link.
        self.assertIsNone(re.search(r"(?<!\\)<(?!https?://)", r.stdout))
        self.assertIsNone(re.search(r"(?<!\\)\]\(", r.stdout))
        self.assertIn("javascript:window.\\_\\_pwned=7", r.stdout)



def wilson(k, n, z=1.959963984540054):
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return c - h, c + h


class Panel(Publish):
    """The panel figures (#19): summary.json's "panel" and the site's
    panel.html, checked against figures computed here from the scorecards
    with the textbook formulas."""

    def cards(self):
        out = []
        for s in SLUGS:
            with open(os.path.join(self.out, s + ".json")) as f:
                out.append(json.load(f))
        return out

    def test_summary_panel_matches_the_scorecards(self):
        with open(os.path.join(self.out, "summary.json")) as f:
            panel = json.load(f)["panel"]
        cards = self.cards()
        self.assertEqual(panel["tools"], len(cards))
        self.assertFalse(panel["mixed_models"])
        by = {}
        for c in cards:
            side = {"Ship": "ship", "Skip": "skip"}.get(c["panel"]["verdict"])
            for r in c["reviews"]:
                g = by.setdefault(r["persona"], {"s": [], "k": 0, "d": 0,
                                                 "c": 0})
                g["s"].append(r["score"])
                g["k"] += r["verdict"] == "ship"
                if side:
                    g["c"] += 1
                    g["d"] += r["verdict"] != side
        self.assertEqual([p["persona"] for p in panel["personas"]],
                         sorted(by))
        for p in panel["personas"]:
            g = by[p["persona"]]
            n = len(g["s"])
            self.assertEqual((p["ship_rate"]["k"], p["ship_rate"]["n"]),
                             (g["k"], n))
            lo, hi = wilson(g["k"], n)
            self.assertAlmostEqual(p["ship_rate"]["low"], lo, places=4)
            self.assertAlmostEqual(p["ship_rate"]["high"], hi, places=4)
            self.assertAlmostEqual(p["score"]["mean"],
                                   statistics.mean(g["s"]), places=4)
            self.assertAlmostEqual(p["score"]["sd"],
                                   statistics.stdev(g["s"]), places=4)
            self.assertEqual((p["disagrees_with_panel"]["k"],
                              p["disagrees_with_panel"]["n"]),
                             (g["d"], g["c"]))
        # Fleiss' kappa and Krippendorff's alpha, by their definitions.
        rows = [[r["verdict"] == "ship" for r in c["reviews"]] for c in cards]
        n = len(rows[0])
        pi = [(sum(rw) ** 2 + (n - sum(rw)) ** 2 - n) / (n * (n - 1))
              for rw in rows]
        ps = sum(map(sum, rows)) / (len(rows) * n)
        pe = ps * ps + (1 - ps) ** 2
        kappa = (sum(pi) / len(pi) - pe) / (1 - pe)
        v = panel["agreement"]["verdicts"]
        self.assertEqual((v["status"], v["tools"], v["raters"]),
                         ("ok", 6, n))
        self.assertAlmostEqual(v["kappa"], kappa, places=4)
        self.assertLessEqual(v["ci_low"], v["kappa"])
        self.assertGreaterEqual(v["ci_high"], v["kappa"])
        units = [[r["score"] for r in c["reviews"]] for c in cards]
        allv = [x for u in units for x in u]
        m = len(allv)
        do = sum(sum((a - b) ** 2 for a in u for b in u) / (len(u) - 1)
                 for u in units) / m
        de = sum((a - b) ** 2 for a in allv for b in allv) / (m * (m - 1))
        a = panel["agreement"]["scores"]
        self.assertEqual((a["status"], a["tools"], a["values"]), ("ok", 6, m))
        self.assertAlmostEqual(a["alpha"], 1 - do / de, places=4)

    def test_site_panel_page(self):
        d = self.copy_out()
        r = run("site", d)
        self.assertEqual(r.returncode, 0, r.stderr)
        site = os.path.join(d, "site")
        with open(os.path.join(site, "panel.html"), encoding="utf-8") as f:
            page = f.read()
        with open(os.path.join(site, "index.html"), encoding="utf-8") as f:
            self.assertIn('href="panel.html"', f.read())
        for c in self.cards():
            for rv in c["reviews"]:
                self.assertIn("<th scope=\"row\">%s</th>" % rv["persona"],
                              page)
        # A bar chart and one histogram per persona, inline, no script.
        self.assertEqual(page.count("<svg "), 1 + 4)
        self.assertEqual(page.count("chart-bars"), 1)
        self.assertEqual(page.count("chart-histogram"), 4)
        self.assertNotIn("<script", page)
        self.assertNotRegex(page, r"\b(nan|NaN|inf)\b")
        self.assertIn("Fleiss' kappa", page)
        self.assertIn("from 6 tools every one of 4 personas judged", page)

    def test_trend_night_by_night(self):
        # Two nightly runs (the replay twice, as nightly.sh lays them out),
        # a folder whose summary is torn and one with no summary at all.
        root = self.scratch()
        for night in ("2026-12-01", "2026-12-02"):
            shutil.copytree(self.out, os.path.join(root, night))
        os.mkdir(os.path.join(root, "2026-12-03"))
        with open(os.path.join(root, "2026-12-03", "summary.json"), "w") as f:
            f.write('{"panel": {"personas"')
        os.mkdir(os.path.join(root, "notes"))
        d = self.copy_out()
        r = run("site", d, "--trend", root)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 folder of %s without a usable summary.json panel "
                      "left out of the trend" % root, r.stderr)
        with open(os.path.join(d, "site", "panel.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn("Night by night", page)
        self.assertIn("The last 2 runs, oldest first.", page)
        # Ship rate per persona and agreement: two line charts.
        self.assertEqual(page.count("chart-lines"), 2)
        self.assertIn("2026-12-01", page)
        self.assertIn("2026-12-02", page)
        self.assertNotRegex(page, r"\b(nan|NaN|inf)\b")
        # --nights keeps the latest runs only.
        r = run("site", d, "--trend", root, "--nights", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(d, "site", "panel.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn("The last 1 run, oldest first.", page)
        self.assertNotIn("2026-12-01", page)
        # Without --trend there is no such section; a bad root is named.
        r = run("site", d)
        with open(os.path.join(d, "site", "panel.html"),
                  encoding="utf-8") as f:
            self.assertNotIn("Night by night", f.read())
        r = run("site", d, "--trend", os.path.join(root, "missing"))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(os.path.join(root, "missing") + ": cannot read",
                      r.stderr)

    def test_humans_in_summary_and_site(self):
        # Community votes for three tools: two clear majorities and a tie.
        d = self.scratch()
        votes = os.path.join(d, "votes.csv")
        with open(votes, "w") as f:
            f.write("slug,ship,skip\n%s,255,157\n%s,3,40\nflintest,5,5\n"
                    % (LLAMA, GEMINI))
        out = os.path.join(d, "out")
        r = run("review", "fixtures/tools", "-o", out, "--replay",
                "fixtures/exchanges", "-q", "--no-progress", "--votes", votes)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "summary.json")) as f:
            panel = json.load(f)["panel"]
        crowd = {LLAMA: "ship", GEMINI: "skip"}
        want_panel = [0, 0]
        want = {}
        for c in self.cards():
            slug = c["tool"]["slug"]
            if slug not in crowd:
                continue
            v = c["panel"]["verdict"]
            if v in ("Ship", "Skip"):
                want_panel[1] += 1
                want_panel[0] += v.lower() == crowd[slug]
            for rv in c["reviews"]:
                k = want.setdefault(rv["persona"], [0, 0])
                k[1] += 1
                k[0] += rv["verdict"] == crowd[slug]
        h = panel["humans"]["panel_agrees_with_community"]
        self.assertEqual([h["k"], h["n"]], want_panel)
        for p in panel["personas"]:
            a = p["agrees_with_community"]
            self.assertEqual([a["k"], a["n"]], want[p["persona"]])
            self.assertEqual(p["editor_edits"],
                             {"edited": 0, "verdict_changed": 0})
        # The site says the same from the scorecards and --votes.
        r = run("site", out, "--votes", votes)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(out, "site", "panel.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn("the same on %d of %d tools" % tuple(want_panel), page)
        self.assertIn("Do the reviewers agree with people?", page)

    def test_site_panel_edge_cases_explained(self):
        # One tool: agreement needs two; the page says why, with no number.
        d = self.scratch()
        shutil.copy(os.path.join(self.out, SLUGS[0] + ".json"), d)
        r = run("site", d)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(d, "site", "panel.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn("only one tool was rated", page)
        self.assertNotRegex(page, r"\b(nan|NaN|inf)\b")

if __name__ == "__main__":
    unittest.main()
