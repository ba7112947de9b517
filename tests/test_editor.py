#!/usr/bin/env python3
"""End-to-end tests of the editor's commands: apply, diff and personas.

The scorecards are the sample tools replayed offline from the bundled
exchanges (`shipskip review fixtures/tools --replay fixtures/exchanges`,
what scripts/demo.sh does), made once and copied for each test; the failed
review comes from tests/fake_llm.py (`fake:no-score-always@founder`).
Every bad draft is checked for its FILE:LINE messages, exit code 1, and for
leaving both files exactly as they were (hashed before and after).

    SHIPSKIP_BIN   the binary (default: <repo>/build/shipskip)
    SK_SOURCE_DIR  the repository (default: the parent of this directory)

Run: python3 tests/test_editor.py [-v] [TestClass.test_name]
Python 3 standard library only.
"""

import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_e2e import API_KEY, BIN, REPO, FakeServer, make_tool  # noqa: E402

SLUGS = ["code-llama-4", "flintest", "gemini-2-5-flash-lite", "gradewright",
         "mistral-medium-3-2", "offshoot"]
REVIEWS_DIR = os.path.join(REPO, "tests", "data", "reviews")
# Paragraphs that cover two of the four founder elements: below the default
# min_rubric (all but one), so apply refuses them for their rubric.
SHORT_DIR = os.path.join(REPO, "tests", "data", "replies", "short")
STAMP_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
RUN_TIMEOUT = 120


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def line_of(text, needle):
    """1-based number of the first line of text containing needle."""
    for i, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in the draft")


def run(*args, cwd=REPO, env=None):
    res = subprocess.run([BIN, *args], cwd=cwd, capture_output=True,
                         text=True, timeout=RUN_TIMEOUT, env=env)
    res.cmd = [BIN, *args]
    return res


BASE = None  # the replayed sample scorecards, made once


def setUpModule():
    global BASE
    if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
        raise unittest.SkipTest(f"shipskip binary not found at {BIN}")
    BASE = tempfile.mkdtemp(prefix="sk-editor-base-")
    res = run("review", "fixtures/tools", "-o", BASE, "--replay",
              "fixtures/exchanges", "-q")
    if res.returncode != 0:
        raise RuntimeError(f"replay failed: {res.stderr}")


def tearDownModule():
    if BASE is not None:
        shutil.rmtree(BASE, ignore_errors=True)


class EditorTestCase(unittest.TestCase):
    maxDiff = 6000

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="sk-editor-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.out = os.path.join(self.tmp, "out")
        shutil.copytree(BASE, self.out)

    def path(self, slug, ext):
        return os.path.join(self.out, f"{slug}.{ext}")

    def card(self, slug):
        return json.loads(read(self.path(slug, "json")))

    def hashes(self, slug):
        return (sha(self.path(slug, "json")), sha(self.path(slug, "md")))

    def describe(self, res):
        return (f"\ncommand: {' '.join(res.cmd)}\nexit: {res.returncode}\n"
                f"stderr:\n{res.stderr}\nstdout:\n{res.stdout[:3000]}")

    def assertExit(self, res, code):
        self.assertEqual(res.returncode, code, self.describe(res))

    def edit(self, slug, *pairs):
        """Replaces each (old, new) once in the draft; returns the text."""
        md = read(self.path(slug, "md"))
        for old, new in pairs:
            self.assertIn(old, md)
            md = md.replace(old, new, 1)
        write(self.path(slug, "md"), md)
        return md

    def apply(self, slug, *opts):
        return run("apply", self.path(slug, "md"), *opts)


# --------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------

class TestRoundTrip(EditorTestCase):

    def test_every_sample_draft_applies_unchanged(self):
        for slug in SLUGS:
            before = self.hashes(slug)
            res = self.apply(slug)
            self.assertExit(res, 0)
            self.assertEqual(res.stdout,
                             f"{self.path(slug, 'md')}: no changes; "
                             f"nothing written\n")
            self.assertEqual(res.stderr, "")
            self.assertEqual(self.hashes(slug), before, slug)

    def test_all_drafts_at_once_and_dry_run(self):
        before = {s: self.hashes(s) for s in SLUGS}
        res = run("apply", *[self.path(s, "md") for s in SLUGS], "--dry-run")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout.count("no changes"), len(SLUGS))
        self.assertEqual({s: self.hashes(s) for s in SLUGS}, before)

    def test_rewrapped_crlf_draft_is_unchanged(self):
        md = read(self.path("offshoot", "md"))
        out = []
        for line in md.split("\n"):
            if len(line) > 200 and not line.startswith("|"):
                words = line.split(" ")
                out += [" ".join(words[i:i + 9])
                        for i in range(0, len(words), 9)]
            else:
                out.append(line)
        write(self.path("offshoot", "md"), "\r\n".join(out))
        json_before = sha(self.path("offshoot", "json"))
        res = self.apply("offshoot")
        self.assertExit(res, 0)
        self.assertIn("no changes", res.stdout)
        self.assertEqual(sha(self.path("offshoot", "json")), json_before)


# --------------------------------------------------------------------------
# Edits
# --------------------------------------------------------------------------

SKEPTIC_OLD = "It is good enough today to ship, but the lead is measured " \
              "in months."
SKEPTIC_NEW = "It is good enough today to ship, and the lead should last " \
              "a year."


class TestEdit(EditorTestCase):

    def edit_llama(self):
        return self.edit("code-llama-4",
                         ("55/100 · skip", "65/100 · ship"),
                         (SKEPTIC_OLD, SKEPTIC_NEW))

    def test_edit_one_score_and_one_paragraph(self):
        orig = self.card("code-llama-4")
        orig_md = read(self.path("code-llama-4", "md"))
        self.edit_llama()
        res = self.apply("code-llama-4")
        self.assertExit(res, 0)
        md_path = self.path("code-llama-4", "md")
        self.assertEqual(res.stdout.splitlines(), [
            f"{md_path}: skeptic 78/100 ship, paragraph edited",
            f"{md_path}: founder 55/100 skip → 65/100 ship",
            f"{md_path}: panel Ship · 3 ship / 1 skip → Ship · 4 ship / 0 "
            f"skip; scorecard and draft rewritten"])
        card = self.card("code-llama-4")
        # The panel, merged again.
        self.assertEqual(card["panel"], {
            "verdict": "Ship", "label": "Ship · 4 ship / 0 skip",
            "ships": 4, "skips": 0, "failed": 0, "reviewers": 4,
            "ship_percent": 100, "mean_score": 77.0, "complete": True})
        rv = {r["persona"]: r for r in card["reviews"]}
        old = {r["persona"]: r for r in orig["reviews"]}
        self.assertEqual((rv["founder"]["score"], rv["founder"]["verdict"]),
                         (65, "ship"))
        self.assertEqual(rv["founder"]["review"], old["founder"]["review"])
        self.assertEqual(rv["skeptic"]["review"],
                         old["skeptic"]["review"].replace(SKEPTIC_OLD,
                                                          SKEPTIC_NEW))
        for p in ("founder", "skeptic"):
            self.assertIs(rv[p]["edited"], True)
            # Every other key of the review as it was, in its order, with
            # "edited" after "inputs"; the rubric coverage measured the
            # model's paragraph, so an edited review no longer carries it.
            keys = list(old[p].keys())
            keys.insert(keys.index("inputs") + 1, "edited")
            self.assertIn("rubric", keys)
            keys.remove("rubric")
            self.assertEqual(list(rv[p].keys()), keys)
            for k in old[p]:
                if k not in ("score", "verdict", "review", "rubric"):
                    self.assertEqual(rv[p][k], old[p][k], (p, k))
        for p in ("builder", "futurist"):
            self.assertEqual(rv[p], old[p])
        # Every other top-level key as it was; history last.
        self.assertEqual(list(card.keys()), list(orig.keys()) + ["history"])
        for k in orig:
            if k not in ("panel", "reviews"):
                self.assertEqual(card[k], orig[k], k)
        # History: exactly the agreed shape, in review order.
        hist = card["history"]
        self.assertEqual([h["persona"] for h in hist], ["skeptic", "founder"])
        for h in hist:
            self.assertEqual(list(h.keys()), [
                "persona", "score", "verdict", "review", "model",
                "replaced_at", "reason"])
            self.assertRegex(h["replaced_at"], STAMP_RE)
            self.assertEqual(h["reason"], "edited")
            o = old[h["persona"]]
            self.assertEqual((h["score"], h["verdict"], h["review"],
                              h["model"]),
                             (o["score"], o["verdict"], o["review"],
                              o["model"]))
        # The draft, rendered again from the scorecard.
        md = read(md_path)
        self.assertIn("| Panel verdict | Ship · 4 ship / 0 skip |", md)
        self.assertIn("| Panel ship | 100% |", md)
        self.assertIn("| Mean score | 77.0/100 |", md)
        self.assertIn("### Founder\n\n65/100 · ship\n\n", md)
        self.assertNotEqual(md, orig_md)
        # Applying it again changes nothing, byte for byte.
        before = self.hashes("code-llama-4")
        res = self.apply("code-llama-4")
        self.assertExit(res, 0)
        self.assertIn("no changes", res.stdout)
        self.assertEqual(self.hashes("code-llama-4"), before)
        # Editing back restores the draft byte for byte; history keeps all.
        self.edit("code-llama-4", ("65/100 · ship", "55/100 · skip"),
                  (SKEPTIC_NEW, SKEPTIC_OLD))
        self.assertExit(self.apply("code-llama-4"), 0)
        self.assertEqual(read(md_path), orig_md)
        card = self.card("code-llama-4")
        self.assertEqual(card["panel"], orig["panel"])
        self.assertEqual(len(card["history"]), 4)

    def test_the_old_draft_is_stale_after_an_edit(self):
        orig_md = read(self.path("code-llama-4", "md"))
        self.edit_llama()
        self.assertExit(self.apply("code-llama-4"), 0)
        write(self.path("code-llama-4", "md"), orig_md)
        before = self.hashes("code-llama-4")
        res = self.apply("code-llama-4")
        self.assertExit(res, 1)
        line = line_of(orig_md, "| Panel verdict |")
        self.assertIn(f"{self.path('code-llama-4', 'md')}:{line}: the tool's "
                      f"details, decision table and description come from "
                      f"the scorecard and cannot be edited in the draft: "
                      f"this line should read \"| Panel verdict | Ship · 4 "
                      f"ship / 0 skip |\"", res.stderr)
        self.assertEqual(self.hashes("code-llama-4"), before)

    def test_no_rubric_checks_the_rest(self):
        fail = read(os.path.join(SHORT_DIR, "founder", "01.txt")).strip()
        card = self.card("code-llama-4")
        old = [r for r in card["reviews"] if r["persona"] == "founder"][0]
        self.edit("code-llama-4", (old["review"], fail))
        res = self.apply("code-llama-4")
        self.assertExit(res, 1)
        res = self.apply("code-llama-4", "--no-rubric")
        self.assertExit(res, 0)
        self.assertIn("founder 55/100 skip, paragraph edited", res.stdout)
        self.assertEqual(
            [r["review"] for r in self.card("code-llama-4")["reviews"]
             if r["persona"] == "founder"], [fail])


# --------------------------------------------------------------------------
# Bad drafts: every problem, FILE:LINE, nothing changed
# --------------------------------------------------------------------------

class TestBadDrafts(EditorTestCase):

    def expect(self, slug, pairs, problems, text=None):
        """Applies an edited draft and checks exit 1, each expected
        (needle, message) problem at the line of needle, and that neither
        file changed."""
        before = self.hashes(slug)
        if text is not None:
            write(self.path(slug, "md"), text)
            md = text
        else:
            md = self.edit(slug, *pairs)
        before = (before[0], sha(self.path(slug, "md")))
        res = self.apply(slug)
        self.assertExit(res, 1)
        md_path = self.path(slug, "md")
        for needle, msg in problems:
            line = line_of(md, needle) if needle else 1
            self.assertIn(f"{md_path}:{line}: {msg}\n", res.stderr,
                          self.describe(res))
        for line in res.stderr.splitlines()[:-1]:
            self.assertRegex(line, r"^" + re.escape(md_path) + r":\d+: ")
        self.assertTrue(res.stderr.endswith(
            f"shipskip: apply: {md_path} not applied: nothing changed\n"))
        self.assertEqual(self.hashes(slug), before)
        self.assertEqual(res.stdout, "")
        return res

    def test_score_140(self):
        self.expect("code-llama-4", [("84/100 · ship", "140/100 · ship")],
                    [("140/100", "Builder: score 140 is out of range "
                                 "0-100")])

    def test_verdict_maybe(self):
        self.expect("code-llama-4", [("78/100 · ship", "78/100 · maybe")],
                    [("78/100 · maybe", "Skeptic: verdict \"maybe\" is not "
                                        "ship or skip")])

    def test_reviewer_not_on_the_panel(self):
        self.expect("gemini-2-5-flash-lite", [("### Futurist", "### Critic")],
                    [("### Critic", "reviewer \"Critic\" is not on this "
                                    "scorecard's panel (it has Builder, "
                                    "Skeptic, Futurist, Founder); a reviewer "
                                    "is added by a persona file and a review "
                                    "run, not in the draft"),
                     ("### Founder", "no \"### Futurist\" section: every "
                                     "reviewer of the scorecard keeps one "
                                     "(its score line and paragraph)")])

    def test_paragraph_breaking_the_rubric(self):
        for n in ("01", "02"):
            with self.subTest(sample=n):
                fail = read(os.path.join(SHORT_DIR, "founder",
                                         f"{n}.txt")).strip()
                expect = read(os.path.join(SHORT_DIR, "founder",
                                           f"{n}.expect")).split("\n")
                card = self.card("offshoot")
                old = [r for r in card["reviews"]
                       if r["persona"] == "founder"][0]["review"]
                md = read(self.path("offshoot", "md"))
                self.expect("offshoot", None,
                            [(fail[:40], f"Founder: rubric: {e}")
                             for e in expect if e],
                            text=md.replace(old, fail, 1))
                write(self.path("offshoot", "md"), md)

    def test_missing_heading(self):
        md = read(self.path("flintest", "md"))
        second = md.index("### Skeptic")
        score_line = md[second:].split("\n")[2]
        self.expect("flintest", [("### Skeptic\n\n", "")],
                    [(score_line, "Builder: a second score line in the "
                                  "section; is a \"### Reviewer\" heading "
                                  "missing above it?"),
                     ("### Futurist", "no \"### Skeptic\" section: every "
                                      "reviewer of the scorecard keeps one "
                                      "(its score line and paragraph)")])

    def test_every_problem_at_once(self):
        res = self.expect("mistral-medium-3-2",
                          [("### Builder\n\n", "### Builder\n\nx"),
                           ("· ship", "· perhaps")], [])
        self.assertGreaterEqual(len(res.stderr.splitlines()), 2)

    def test_not_a_draft_at_all(self):
        self.expect("gradewright", None,
                    [(None, "not a shipskip draft of Gradewright: no \"## "
                            "Reviewer scorecard\" heading, and the title is "
                            "\"shipskip\" (drafts are the OUTDIR/<slug>.md "
                            "files shipskip review writes)")],
                    text=read(os.path.join(REPO, "README.md")))
        self.expect("gradewright", None,
                    [(None, "not a shipskip draft: no \"# Tool name\" title "
                            "and no \"## Reviewer scorecard\" heading "
                            "(drafts are the OUTDIR/<slug>.md files shipskip "
                            "review writes)")],
                    text="just\nsome notes\n")

    def test_unreadable_files_are_exit_2(self):
        res = run("apply", self.path("nothere", "md"))
        self.assertExit(res, 2)
        self.assertIn("cannot open", res.stderr)
        res = run("apply", self.path("code-llama-4", "json"))
        self.assertExit(res, 2)
        self.assertIn("not a draft's name", res.stderr)
        shutil.copy(self.path("offshoot", "md"), self.path("lonely", "md"))
        res = run("apply", self.path("lonely", "md"))
        self.assertExit(res, 2)
        self.assertIn("no scorecard beside the draft", res.stderr)
        self.assertExit(run("apply"), 2)
        self.assertExit(run("apply", self.path("offshoot", "md"),
                            "--bogus"), 2)
        write(self.path("summary", "md"), "# x\n")
        res = run("apply", self.path("summary", "md"))
        self.assertExit(res, 2)
        self.assertIn("not a scorecard", res.stderr)

    def test_a_failed_write_is_exit_1_and_changes_nothing(self):
        self.edit("code-llama-4", ("55/100 · skip", "65/100 · ship"))
        before = self.hashes("code-llama-4")

        def small_files():
            # As a full disk would: the write fails part-way.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

        res = subprocess.run([BIN, "apply", self.path("code-llama-4", "md")],
                             cwd=REPO, capture_output=True, text=True,
                             timeout=RUN_TIMEOUT, preexec_fn=small_files)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("code-llama-4.json: write failed", res.stderr)
        self.assertEqual(self.hashes("code-llama-4"), before)


# --------------------------------------------------------------------------
# A failed review written by the editor (the fake server fails it)
# --------------------------------------------------------------------------

class TestFailedReview(unittest.TestCase):

    def test_editor_writes_the_review_a_model_never_gave(self):
        tmp = tempfile.TemporaryDirectory(prefix="sk-editor-fail-")
        self.addCleanup(tmp.cleanup)
        srv = os.path.join(tmp.name, "server")
        os.mkdir(srv)
        server = FakeServer(srv)
        self.addCleanup(server.stop)
        server.wait_ready()
        tool = os.path.join(tmp.name, "t.json")
        write(tool, json.dumps(make_tool(
            "Stubborn Tool", "fake:no-score-always@founder", slug="stubborn")))
        out = os.path.join(tmp.name, "out")
        env = dict(os.environ, OPENAI_API_KEY=API_KEY)
        env.pop("OPENAI_BASE_URL", None)
        res = run("review", tool, "-o", out, "--base-url",
                  f"http://127.0.0.1:{server.port}/v1", "--model", "fake-1",
                  "--no-progress", "-q", env=env)
        self.assertEqual(res.returncode, 1, res.stderr)
        md_path = os.path.join(out, "stubborn.md")
        json_path = os.path.join(out, "stubborn.json")
        md = read(md_path)
        self.assertIn("No review: failed after 3 attempts.", md)
        # Unchanged: nothing written.
        before = (sha(json_path), sha(md_path))
        res = run("apply", md_path)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual((sha(json_path), sha(md_path)), before)
        # The reasons are the run's record: editing them is refused.
        block = md[md.index("No review:"):md.index("\n---\n")].rstrip("\n")
        write(md_path, md.replace(block, block + " (edited)", 1))
        res = run("apply", md_path)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("Founder: why a review failed is the record of the run",
                      res.stderr)
        # Written by the editor: a hand-written review takes its place.
        text = read(os.path.join(REVIEWS_DIR, "founder", "pass",
                                 "skip-01.txt")).strip()
        write(md_path, md.replace(block, "60/100 · skip\n\n" + text, 1))
        res = run("apply", md_path)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("founder failed → 60/100 skip, paragraph edited",
                      res.stdout)
        card = json.loads(read(json_path))
        founder = [r for r in card["reviews"] if r["persona"] == "founder"][0]
        self.assertEqual((founder["status"], founder["score"],
                          founder["verdict"], founder["review"],
                          founder["edited"]),
                         ("ok", 60, "skip", " ".join(text.split()), True))
        self.assertIs(card["panel"]["complete"], True)
        self.assertEqual(card["panel"]["failed"], 0)
        h = card["history"][0]
        self.assertEqual((h["persona"], h["score"], h["verdict"], h["review"],
                          h["reason"]),
                         ("founder", None, None, None, "edited"))


# --------------------------------------------------------------------------
# diff
# --------------------------------------------------------------------------

class TestDiff(EditorTestCase):

    def setUp(self):
        super().setUp()
        self.orig = os.path.join(self.tmp, "orig.json")
        shutil.copy(self.path("code-llama-4", "json"), self.orig)
        self.edit("code-llama-4", ("55/100 · skip", "65/100 · ship"),
                  (SKEPTIC_OLD, SKEPTIC_NEW))
        res = self.apply("code-llama-4")
        self.assertExit(res, 0)
        self.edited = self.path("code-llama-4", "json")

    def test_text(self):
        res = run("diff", self.orig, self.edited)
        self.assertExit(res, 0)
        marked = ("... left. It is good enough today to ship, [-but-] "
                  "{+and+} the lead [-is measured in months.-] {+should "
                  "last a year.+}")
        self.assertEqual(res.stdout,
                         f"a: {self.orig}\n"
                         f"b: {self.edited}\n"
                         f"Tool    Code Llama 4\n"
                         f"Panel   Ship · 3/1 → Ship · 4/0\n"
                         f"Ship    75% → 100%\n"
                         f"Mean    74.5 → 77.0\n"
                         f"\n"
                         f"Skeptic: 78/100 ship, paragraph changed\n"
                         f"  {marked}\n"
                         f"\n"
                         f"Founder: 55/100 skip → 65/100 ship\n"
                         f"\n"
                         f"Unchanged: Builder 84/100 ship, Futurist 81/100 "
                         f"ship\n")
        self.assertNotIn("\033[", res.stdout)  # not a terminal: no colour

    def test_bidi_in_a_review_is_shown(self):
        # A right-to-left override in the reviewed text would reverse the
        # terminal line after it: diff's text shows it as <U+202E>.
        card = self.card("code-llama-4")
        card["reviews"][1]["review"] = card["reviews"][1]["review"].replace(
            " ", " \u202e", 1)
        b = os.path.join(self.tmp, "bidi.json")
        write(b, json.dumps(card, ensure_ascii=False, indent=2))
        res = run("diff", self.edited, b)
        self.assertExit(res, 0)
        self.assertIn("{+<U+202E>", res.stdout)
        self.assertNotIn("\u202e", res.stdout)

    def test_colour(self):
        res = run("diff", self.orig, self.edited, "--color", "always")
        self.assertExit(res, 0)
        self.assertIn("\033[31mbut\033[0m \033[32mand\033[0m", res.stdout)
        self.assertNotIn("[-", res.stdout)
        res = run("diff", self.orig, self.edited, "--color=never")
        self.assertNotIn("\033[", res.stdout)

    def test_json_shows_exactly_the_changed_reviews(self):
        res = run("diff", self.orig, self.edited, "--format", "json")
        self.assertExit(res, 0)
        d = json.loads(res.stdout)
        self.assertEqual(d["schema"], "shipskip.diff/1")
        self.assertIs(d["changed"], True)
        self.assertEqual((d["panel"]["a"]["label"], d["panel"]["b"]["label"]),
                         ("Ship · 3 ship / 1 skip", "Ship · 4 ship / 0 skip"))
        changes = {r["persona"]: r["change"] for r in d["reviews"]}
        self.assertEqual(changes, {"builder": "unchanged",
                                   "skeptic": "changed",
                                   "futurist": "unchanged",
                                   "founder": "changed"})
        sk = d["reviews"][1]
        self.assertEqual((sk["score_changed"], sk["verdict_changed"],
                          sk["review_changed"]), (False, False, True))
        self.assertEqual([w["op"] for w in sk["words"]],
                         ["same", "del", "ins", "same", "del", "ins"])
        fo = d["reviews"][3]
        self.assertEqual((fo["a"]["score"], fo["b"]["score"],
                          fo["b"]["edited"]), (55, 65, True))
        self.assertNotIn("words", fo)

    def test_history(self):
        # Before the last entry (founder): only the founder differs.
        res = run("diff", self.edited, "--history")
        self.assertExit(res, 0)
        self.assertRegex(res.stdout.splitlines()[0],
                         r"^a: .*code-llama-4\.json before history entry 2 "
                         r"\(founder, edited at \d{4}-.*Z\)$")
        self.assertIn("Founder: 55/100 skip → 65/100 ship", res.stdout)
        self.assertNotIn("Skeptic:", res.stdout.split("Unchanged:")[0])
        # Before entry 1: the scorecard as reviewed, so the same as a diff
        # against the original file but for the first line.
        res1 = run("diff", self.edited, "--history", "1", "--format", "json")
        res2 = run("diff", self.orig, self.edited, "--format", "json")
        d1 = json.loads(res1.stdout)
        d2 = json.loads(res2.stdout)
        del d1["a"]["label"], d2["a"]["label"]
        self.assertEqual(d1, d2)
        res = run("diff", self.edited, "--history=3")
        self.assertExit(res, 2)
        self.assertIn("has 2 history entries; --history takes 1 to 2",
                      res.stderr)
        res = run("diff", self.orig, "--history")
        self.assertExit(res, 2)
        self.assertIn("has no history", res.stderr)

    def test_one_sided_reviewers_and_usage(self):
        card = json.loads(read(self.orig))
        card["reviews"] = [r for r in card["reviews"]
                           if r["persona"] != "futurist"]
        three = os.path.join(self.tmp, "three.json")
        write(three, json.dumps(card, ensure_ascii=False))
        res = run("diff", self.orig, three)
        self.assertExit(res, 0)
        self.assertIn("\nFuturist: only in a (81/100 ship)\n", res.stdout)
        res = run("diff", three, self.orig)
        self.assertIn("\nFuturist: only in b (81/100 ship)\n", res.stdout)
        res = run("diff", self.orig, self.orig)
        self.assertExit(res, 0)
        self.assertTrue(res.stdout.endswith("\nNo differences.\n"))
        self.assertExit(run("diff", self.orig), 2)
        self.assertExit(run("diff", self.orig, self.edited, "--format",
                            "xml"), 2)
        self.assertExit(run("diff", self.orig, os.path.join(self.tmp,
                                                            "none.json")), 2)


# --------------------------------------------------------------------------
# personas
# --------------------------------------------------------------------------

CRITIC = {
    "name": "critic", "display_name": "Critic", "order": 50,
    "lens": "You are the Critic: you judge craft. Nothing else.",
    "rubric": [
        {"name": "craft", "ask": "judge the craft", "missing": "no craft",
         "pattern": "\\b(craft|polish(ed)?|rough edges?)\\b"},
        {"name": "zebra", "ask": "mention a zebra crossing",
         "missing": "no zebra", "pattern": "\\bzebra crossings?\\b"}],
    "model": "gpt-4o", "temperature": 0.4}


class TestPersonas(unittest.TestCase):

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="sk-editor-personas-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def test_list(self):
        res = run("personas", "list")
        self.assertEqual(res.returncode, 0, res.stderr)
        heads = [line.split()[0] for line in res.stdout.splitlines()
                 if line and not line.startswith(" ")]
        self.assertEqual(heads, ["builder", "skeptic", "futurist", "founder"])
        self.assertIn("skeptic  Skeptic  (order 20, personas/skeptic.json)\n"
                      "  lens:   You are the Skeptic: a hard-nosed analyst "
                      "who has watched many tools launch and die.\n"
                      "  rubric: category: place the tool in its category\n",
                      res.stdout)
        self.assertIn("  overrides: none", res.stdout)
        d = os.path.join(self.tmp, "panel")
        shutil.copytree(os.path.join(REPO, "personas"), d)
        write(os.path.join(d, "critic.json"), json.dumps(CRITIC))
        res = run("personas", "list", "--personas-dir", d)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertTrue(res.stdout.split("\n\n")[-1].startswith(
            "critic  Critic  (order 50"))
        self.assertIn("  lens:   You are the Critic: you judge craft.\n",
                      res.stdout)
        self.assertIn("  overrides: model gpt-4o, temperature 0.4\n",
                      res.stdout)

    def test_check_bundled(self):
        for p in ("builder", "skeptic", "futurist", "founder"):
            res = run("personas", "check", f"personas/{p}.json")
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertIn(": valid: persona", res.stdout)
            self.assertIn("; 0 elements no sample hits\n", res.stdout)
            # Its own hand-written samples hit every element.
            for line in res.stdout.splitlines():
                if f"reviews/{p}/pass/" in line:
                    m = re.search(r"  (\d+)/(\d+)", line)
                    self.assertEqual(m.group(1), m.group(2), line)

    def test_check_new_file(self):
        path = os.path.join(self.tmp, "critic.json")
        write(path, json.dumps(CRITIC))
        res = run("personas", "check", path)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn(f"{path}: valid: persona \"critic\" (Critic), order 50, "
                      f"2 rubric elements, every pattern compiles\n",
                      res.stdout)
        self.assertRegex(res.stdout, r"\n  zebra +0/\d+  <- no sample hits "
                                     r"it: the pattern may be too narrow\n")
        self.assertRegex(res.stdout, r"tests/data/reviews/builder/pass/"
                                     r"ship-01\.txt +\d/2")
        self.assertNotIn("/fail/", res.stdout)
        samples = os.path.join(self.tmp, "samples")
        os.mkdir(samples)
        write(os.path.join(samples, "one.txt"),
              "Polished, with a zebra crossing.\n")
        res = run("personas", "check", path, "--samples", samples)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertIn("Samples (1): elements hit\n", res.stdout)
        self.assertIn("1 sample, 1 covering every element; 0 elements no "
                      "sample hits\n", res.stdout)

    def test_check_invalid_files(self):
        bad = dict(CRITIC)
        bad["rubric"] = [dict(CRITIC["rubric"][0], pattern="(unclosed")]
        cases = {
            "critic.json": (bad, "rubric \"craft\": pattern does not "
                                 "compile"),
            "other.json": (CRITIC, "\"name\" must match the file name "
                                   "\"other\""),
        }
        for name, (obj, msg) in cases.items():
            path = os.path.join(self.tmp, name)
            write(path, json.dumps(obj))
            res = run("personas", "check", path)
            self.assertEqual(res.returncode, 2, res.stdout)
            self.assertIn(msg, res.stderr)
            self.assertEqual(res.stdout, "")
        path = os.path.join(self.tmp, "broken.json")
        write(path, "{\"name\": ")
        self.assertEqual(run("personas", "check", path).returncode, 2)
        self.assertEqual(run("personas", "check",
                             os.path.join(self.tmp, "none.json")).returncode,
                         2)
        self.assertEqual(run("personas").returncode, 2)
        self.assertEqual(run("personas", "check").returncode, 2)


# --------------------------------------------------------------------------
# personas check --replies: whole replies of ours, checked as review would
# --------------------------------------------------------------------------

REJECTS_DIR = os.path.join(REPO, "tests", "data", "replies", "rejects")
FOUNDER_FAIL_DIR = os.path.join(REVIEWS_DIR, "founder", "fail")


def tally(out, persona):
    """(accepted, re-asked, rejected) from the report's table row."""
    m = re.search(r"^%s +(\d+) +(\d+) +(\d+)$" % persona, out, re.M)
    if m is None:
        raise AssertionError(f"no {persona} row in:\n{out}")
    return tuple(int(g) for g in m.groups())


class TestPersonasReplies(unittest.TestCase):

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="sk-editor-replies-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def founder_replies(self):
        """Founder replies of ours: the five fail/ paragraphs (each misses
        one element: accepted under the default policy, re-asked under
        strict) and the two short/ ones (miss two: re-asked unless off)."""
        d = os.path.join(self.tmp, "founder-replies")
        os.makedirs(os.path.join(d, "some-tool"))
        srcs = [(FOUNDER_FAIL_DIR, "fail"),
                (os.path.join(SHORT_DIR, "founder"), "short")]
        for src, label in srcs:
            for name in sorted(os.listdir(src)):
                if not name.endswith(".txt"):
                    continue
                para = read(os.path.join(src, name)).strip()
                write(os.path.join(d, "some-tool", "founder.%s-%s" %
                                   (label, name)),
                      f"SCORE: 40/100\nVERDICT: skip\nREVIEW: {para}\n")
        return d

    def test_rejects_all_refused_or_reasked(self):
        res = run("personas", "check", "--replies", REJECTS_DIR, "--tools",
                  "fixtures/tools")
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertEqual(res.stderr, "")
        self.assertTrue(res.stdout.startswith(
            f"{REJECTS_DIR}: replies checked with rubric policy default\n"))
        cases = sorted(n[:-len(".expect")] for n in os.listdir(
            os.path.join(REJECTS_DIR, "code-llama-4")) if n.endswith(".expect"))
        self.assertEqual(len(cases), 11)
        for case in cases:
            expect = read(os.path.join(REJECTS_DIR, "code-llama-4",
                                       case + ".expect")).splitlines()
            outcome = expect[0].split(":")[0]
            line = re.search(r"^  code-llama-4/%s\.txt  (.*)$" %
                             re.escape(case), res.stdout, re.M)
            self.assertIsNotNone(line, case)
            self.assertTrue(line.group(1).startswith(outcome), line.group(0))
            if outcome == "rejected":
                self.assertEqual(line.group(1), expect[0], case)
        self.assertEqual(tally(res.stdout, "builder"), (0, 2, 9))
        self.assertIn("\n11 replies: 0 accepted on the first attempt; 0 not "
                      "on the panel\n", res.stdout)

    def test_accepted_replies_exit_0(self):
        # The bundled replies, without the recorded first attempt that
        # review re-asked (skeptic.first.txt).
        d = os.path.join(self.tmp, "reviews")
        shutil.copytree(os.path.join(REPO, "fixtures", "reviews"), d,
                        ignore=shutil.ignore_patterns("*.first.txt"))
        res = run("personas", "check", "--replies", d, "--tools",
                  "fixtures/tools")
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertEqual(len(re.findall(r"^  [a-z0-9-]+/[a-z]+\.txt  accepted"
                                        r"  \d+/100 (ship|skip)  rubric",
                                        res.stdout, re.M)), 24)
        for p in ("builder", "skeptic", "futurist", "founder"):
            self.assertEqual(tally(res.stdout, p), (6, 0, 0), p)
        self.assertIn("\n24 replies: 24 accepted on the first attempt; 0 not "
                      "on the panel\n", res.stdout)
        # With the first attempt back, the run is not all accepted.
        res = run("personas", "check", "--replies", "fixtures/reviews")
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertEqual(tally(res.stdout, "skeptic"), (6, 0, 1))
        self.assertRegex(res.stdout, r"mistral-medium-3-2/skeptic\.first\.txt"
                                     r"  rejected: no VERDICT line")

    def test_rubric_policy_changes_the_counts(self):
        d = self.founder_replies()
        want = {"default": ((5, 2, 0), 1), "strict": ((0, 7, 0), 1),
                "off": ((7, 0, 0), 0)}
        for policy, (counts, code) in want.items():
            args = ["personas", "check", "--replies", d]
            if policy != "default":
                args += ["--rubric", policy]
            res = run(*args)
            self.assertEqual(res.returncode, code, policy + res.stderr)
            self.assertIn(f"replies checked with rubric policy {policy}\n",
                          res.stdout)
            self.assertEqual(tally(res.stdout, "founder"), counts, policy)
        res = run("personas", "check", "--replies", d, "--rubric", "strict")
        self.assertRegex(res.stdout, r"some-tool/founder\.fail-01\.txt  "
                                     r"re-asked  rubric 3/4 \(needs 4\), "
                                     r"missing: buyer\n")

    def test_unknown_persona_and_empty_dir_exit_1(self):
        d = os.path.join(self.tmp, "odd")
        os.makedirs(os.path.join(d, "some-tool"))
        write(os.path.join(d, "some-tool", "critic.txt"), "SCORE: 1/100\n")
        res = run("personas", "check", "--replies", d)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("; 1 not on the panel\n", res.stdout)
        os.remove(os.path.join(d, "some-tool", "critic.txt"))
        res = run("personas", "check", "--replies", d)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("0 replies", res.stdout)

    def test_usage_errors_exit_2(self):
        missing = os.path.join(self.tmp, "no-such-dir")
        res = run("personas", "check", "--replies", missing)
        self.assertEqual(res.returncode, 2)
        self.assertIn(missing, res.stderr)
        self.assertEqual(res.stdout, "")
        res = run("personas", "check", "--replies", REJECTS_DIR,
                  "--personas-dir", missing)
        self.assertEqual(res.returncode, 2)
        self.assertIn(missing, res.stderr)
        for args, msg in (
                (["--replies", REJECTS_DIR, "--rubric", "loose"],
                 "--rubric: \"loose\" is not strict, default or off"),
                (["personas/founder.json", "--replies", REJECTS_DIR],
                 "it takes no FILE"),
                (["--replies", REJECTS_DIR, "--samples", REVIEWS_DIR],
                 "no --samples"),
                (["personas/founder.json", "--rubric", "strict"],
                 "go with --replies DIR"),
                (["personas/founder.json", "--tools", "fixtures/tools"],
                 "go with --replies DIR")):
            res = run("personas", "check", *args)
            self.assertEqual(res.returncode, 2, args)
            self.assertIn(msg, res.stderr)
            self.assertEqual(res.stdout, "")


if __name__ == "__main__":
    unittest.main(verbosity=2)
