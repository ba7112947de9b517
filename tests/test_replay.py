#!/usr/bin/env python3
"""Record and replay tests of the shipskip CLI (fixtures, see
include/shipskip/net/fixture.h and include/shipskip/net/transport.h).

Recordings are made against tests/fake_llm.py, a FRESH server for each
recording (its per-conversation attempt counters live as long as the server,
so a reused server would not fault again). Replays run with no server and no
API key, and point the base URL at a plain listening socket that checks that
nothing connected. The server harness and small helpers come from
tests/test_e2e.py.

    SHIPSKIP_BIN   the binary (default: <repo>/build/shipskip)
    SK_SOURCE_DIR  the repository (default: the parent of this directory)

Run: python3 tests/test_replay.py [-v] [TestClass.test_name]
Python 3.11 standard library only.
"""

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import test_e2e as e2e  # noqa: E402  (FakeServer, make_tool, tree, ...)

REPO = e2e.REPO
BIN = e2e.BIN
MODEL = e2e.MODEL
PANEL = e2e.DEFAULT_PANEL
KEY = "sk-e2e-KNOWN-FAKE-KEY-0123456789"
RUN_TIMEOUT = 120

SAMPLE_TOOLS = os.path.join(REPO, "fixtures", "tools")
SAMPLE_EXCHANGES = os.path.join(REPO, "fixtures", "exchanges")
SAMPLE_SLUGS = ["code-llama-4", "flintest", "gemini-2-5-flash-lite",
                "gradewright", "mistral-medium-3-2", "offshoot"]

FIXTURE_NAME_RE = re.compile(r"^[0-9a-f]{32}-\d+\.json$")
# Files an output directory holds besides the scorecards: they describe the
# run (the journal in completion order, the summary with the wall time), so
# only the scorecards (<slug>.json, <slug>.md) are reproduced byte for byte.
RUN_RECORDS = {"journal.jsonl", "journal.jsonl.old", "summary.json",
               "summary.csv"}
ISO_UTC_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def read_bytes(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for n in filenames:
            p = os.path.join(dirpath, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


def card_bytes(out):
    """{file name: bytes} of the scorecards (<slug>.json, <slug>.md) in
    out, the run records left out; {} when out does not exist."""
    if not os.path.isdir(out):
        return {}
    return {n: b for n, b in read_bytes(out).items() if n not in RUN_RECORDS}


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def fixture_key(fx):
    """The key of a fixture recomputed from its request, independently of
    the C code: sha256(schema \\n provider \\n method SP path \\n compact
    body)."""
    r = fx["request"]
    canon = json.dumps(r["body"], separators=(",", ":"), ensure_ascii=False)
    text = (f"shipskip.fixture/1\n{r['provider']}\n{r['method']} "
            f"{r['path']}\n{canon}")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fixtures_of(fxdir):
    """{file name: parsed fixture} of a fixture directory."""
    return {n: load_json(os.path.join(fxdir, n))
            for n in sorted(os.listdir(fxdir)) if n.endswith(".json")}


def find_fixture(fxs, tool, persona, attempt=1, retry=0):
    """The one (name, fixture) recorded for tool/persona/attempt/retry."""
    hits = [(n, f) for n, f in fxs.items()
            if (f["meta"]["tool"], f["meta"]["persona"], f["meta"]["attempt"],
                f["meta"]["retry"]) == (tool, persona, attempt, retry)]
    if len(hits) != 1:
        raise AssertionError(f"want one fixture for {tool}/{persona} attempt "
                             f"{attempt} retry {retry}, found "
                             f"{[n for n, _ in hits]}")
    return hits[0]


class QuietPort:
    """A plain listening socket on 127.0.0.1: a base URL for runs that must
    not send anything. connections() counts what connected."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"

    def connections(self):
        """Connections accepted by the kernel so far (they queue even when
        nobody calls accept, and stay queued after the client closes)."""
        self.sock.setblocking(False)
        n = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                break
            conn.close()
            n += 1
        return n

    def close(self):
        self.sock.close()


# --------------------------------------------------------------------------
# Base class
# --------------------------------------------------------------------------

class ReplayCase(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
            raise unittest.SkipTest(f"shipskip binary not found at {BIN} "
                                    f"(build it or set SHIPSKIP_BIN)")

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="sk-replay-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.quiet = QuietPort()
        self.addCleanup(self.quiet.close)

    # ------------------------------------------------------------ running

    @staticmethod
    def env(**changes):
        env = dict(os.environ)
        for k in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
                  "GEMINI_API_KEY", "GOOGLE_API_KEY", "MISTRAL_API_KEY"):
            env.pop(k, None)
        for k, v in changes.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    @staticmethod
    def run_cli(args, env=None):
        cmd = [BIN] + list(args)
        t0 = time.monotonic()
        res = subprocess.run(cmd, cwd=REPO, env=env or ReplayCase.env(),
                             capture_output=True, text=True,
                             timeout=RUN_TIMEOUT)
        res.seconds = time.monotonic() - t0
        res.cmd = cmd
        return res

    def replay(self, inputs, out, fxdir, *opts, model=MODEL):
        """A replay: no key, the base URL at the quiet port (via
        OPENAI_BASE_URL, as a user would have it set)."""
        args = ["review", *inputs, "-o", out, "--replay", fxdir,
                "--no-progress", *opts]
        if model:
            args += ["--model", model]
        return self.run_cli(args, env=self.env(OPENAI_BASE_URL=self.quiet.url))

    @staticmethod
    def describe(res):
        return (f"\ncommand: {' '.join(res.cmd)}\nexit: {res.returncode}\n"
                f"stderr:\n{res.stderr}\nstdout:\n{res.stdout[:3000]}")

    def assertExit(self, res, code):
        self.assertEqual(res.returncode, code, self.describe(res))

    def assertNothingSent(self):
        self.assertEqual(self.quiet.connections(), 0,
                         "the run connected to the base URL")

    # ------------------------------------------------------------ files

    def write_jsonl(self, name, tools):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            for t in tools:
                f.write(json.dumps(t, ensure_ascii=False) + "\n")
        return path

    def scorecards(self, out):
        """Slugs with a .json scorecard in out."""
        return sorted(n[:-5] for n in card_bytes(out) if n.endswith(".json"))

    def assertSameReviews(self, out1, out2):
        """The scorecards of two runs are the same bytes; the run records
        agree on everything but order and time."""
        c1, c2 = card_bytes(out1), card_bytes(out2)
        self.assertGreater(len(c1), 0)
        self.assertEqual(sorted(c2), sorted(c1))
        for name in c1:
            self.assertEqual(c2[name], c1[name],
                             f"{name} differs between {out1} and {out2}")
        r1 = set(os.listdir(out1)) & RUN_RECORDS
        r2 = set(os.listdir(out2)) & RUN_RECORDS
        self.assertEqual(r1, r2)
        if "journal.jsonl" in r1:
            # The same reviews, in completion order (which may differ).
            j1, j2 = (sorted(read_bytes(o)["journal.jsonl"].splitlines())
                      for o in (out1, out2))
            self.assertEqual(j2, j1, "journal entries differ")
        if "summary.csv" in r1:
            self.assertEqual(read_bytes(out2)["summary.csv"],
                             read_bytes(out1)["summary.csv"])
        if "summary.json" in r1:
            s1, s2 = (load_json(os.path.join(o, "summary.json"))
                      for o in (out1, out2))
            self.assertEqual(s2.get("tools"), s1.get("tools"))

    # ------------------------------------------------------------ recording

    def record(self, tools_path, fxdir, out, *opts):
        """Records a review of tools_path into fxdir with a FRESH fake
        server (stopped afterwards). Returns (result, server log)."""
        srv_dir = tempfile.mkdtemp(prefix="server-", dir=os.path.dirname(out))
        server = e2e.FakeServer(srv_dir, api_key=KEY)
        self.addCleanup(server.stop)
        server.wait_ready()
        res = self.run_cli(
            ["review", tools_path, "-o", out, "--record", fxdir, "--model",
             MODEL, "--base-url", f"http://127.0.0.1:{server.port}/v1",
             "--no-progress", *opts],
            env=self.env(OPENAI_API_KEY=KEY))
        server.stop()
        return res, server.log()


def plain_tools(*names):
    """Fault-free tools named "Replay <Name>", slug replay-<name>."""
    return [e2e.make_tool(f"Replay {n.title()}", slug=f"replay-{n}")
            for n in names]


# --------------------------------------------------------------------------
# 1, 2. Record with faults, then replay byte for byte; no credentials
# --------------------------------------------------------------------------

class TestRecordReplay(ReplayCase):
    """One recording with transport faults and a re-ask, shared by the
    tests of this class (none of them changes it)."""

    TOOLS = [
        e2e.make_tool("Replay Alpha",
                      "fake:429-once@skeptic fake:no-score-once@founder",
                      slug="replay-alpha"),
        e2e.make_tool("Replay Beta", "fake:drop-once@builder",
                      slug="replay-beta"),
        e2e.make_tool("Replay Gamma", "fake:500-once@futurist",
                      slug="replay-gamma"),
    ]
    # slug -> persona -> (attempts, retries) expected in every scorecard
    EXPECT = {
        "replay-alpha": {"skeptic": (1, 1), "founder": (2, 0)},
        "replay-beta": {"builder": (1, 1)},
        "replay-gamma": {"futurist": (1, 1)},
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tmp = tempfile.TemporaryDirectory(prefix="sk-replay-rec-")
        cls.addClassCleanup(tmp.cleanup)
        cls.root = tmp.name
        cls.tools_path = os.path.join(cls.root, "tools.jsonl")
        with open(cls.tools_path, "w", encoding="utf-8") as f:
            for t in cls.TOOLS:
                f.write(json.dumps(t) + "\n")
        cls.fx = os.path.join(cls.root, "fx")
        cls.out1 = os.path.join(cls.root, "out1")
        srv_dir = os.path.join(cls.root, "server")
        os.mkdir(srv_dir)
        server = e2e.FakeServer(srv_dir, api_key=KEY)
        cls.addClassCleanup(server.stop)
        server.wait_ready()
        cls.rec = cls.run_cli(
            ["review", cls.tools_path, "-o", cls.out1, "--record", cls.fx,
             "--model", MODEL, "--base-url",
             f"http://127.0.0.1:{server.port}/v1", "--no-progress"],
            env=cls.env(OPENAI_API_KEY=KEY))
        # The server is gone before any replay.
        server.stop()
        cls.server_log = server.log()

    def test_record_then_replay_byte_for_byte(self):
        self.assertExit(self.rec, 0)
        log = self.server_log
        # The faults really happened while recording: 12 first requests,
        # 3 HTTP retries, 1 re-ask; the key was sent and accepted.
        self.assertEqual(len(log), 16, log)
        self.assertEqual({e["auth"] for e in log}, {"ok"})
        self.assertEqual(sorted(str(e["status"]) for e in log
                                if e["status"] != 200),
                         ["429", "500", "dropped"], log)

        out2 = os.path.join(self.tmp, "out2")
        res = self.replay([self.tools_path], out2, self.fx)
        self.assertExit(res, 0)
        self.assertNothingSent()
        self.assertNotIn("OPENAI_API_KEY", res.stderr)

        files1 = card_bytes(self.out1)
        files2 = card_bytes(out2)
        self.assertEqual(sorted(files1), sorted(
            f"{t['slug']}.{ext}" for t in self.TOOLS for ext in ("json", "md")))
        self.assertEqual(sorted(files2), sorted(files1))
        for name in files1:
            with self.subTest(file=name):
                self.assertEqual(files2[name], files1[name],
                                 f"{name} differs between record and replay")
        self.assertSameReviews(self.out1, out2)

        # Same retries and attempts, in the replayed scorecards.
        for t in self.TOOLS:
            slug = t["slug"]
            card = load_json(os.path.join(out2, slug + ".json"))
            for r in card["reviews"]:
                with self.subTest(tool=slug, persona=r["persona"]):
                    want = self.EXPECT.get(slug, {}).get(r["persona"], (1, 0))
                    self.assertEqual(r["status"], "ok", r)
                    self.assertEqual((r["attempts"], r["retries"]), want, r)
            self.assertIs(card["panel"]["complete"], True)
        m1 = e2e.SUMMARY_RE.search(self.rec.stderr)
        m2 = e2e.SUMMARY_RE.search(res.stderr)
        self.assertIsNotNone(m2, self.describe(res))
        # ok, failed, bad, requests, re-asks, retries agree; connections 0.
        self.assertEqual(m2.groups()[:6], m1.groups()[:6])
        self.assertEqual(m2.groups()[:6], ("3", "0", "0", "16", "1", "3"))
        self.assertEqual(m2.group(7), "0")

    def test_fixture_files(self):
        self.assertExit(self.rec, 0)
        fxs = fixtures_of(self.fx)
        self.assertEqual(len(fxs), 16, sorted(fxs))
        for name, fx in fxs.items():
            with self.subTest(fixture=name):
                self.assertRegex(name, FIXTURE_NAME_RE)
                self.assertEqual(fx["schema"], "shipskip.fixture/1")
                self.assertEqual(fixture_key(fx), fx["key"],
                                 "key is not sha256 of the canonical request")
                self.assertEqual(name, f"{fx['key'][:32]}-"
                                       f"{fx['occurrence']}.json")
                self.assertEqual(fx["request"]["path"],
                                 "/v1/chat/completions")
                self.assertNotIn("headers", fx["request"])
                self.assertNotIn("recorded_at", fx["meta"])  # no --stamp

        # Each retried request: occurrence 0 holds the fault, KEY32-1.json
        # the answer to the retry, under the same key.
        for slug, persona, first in (
                ("replay-alpha", "skeptic", 429),
                ("replay-gamma", "futurist", 500),
                ("replay-beta", "builder", "connection")):
            with self.subTest(retried=f"{slug}/{persona}"):
                n0, f0 = find_fixture(fxs, slug, persona, 1, 0)
                n1, f1 = find_fixture(fxs, slug, persona, 1, 1)
                self.assertEqual(f0["key"], f1["key"])
                self.assertEqual(n0, f0["key"][:32] + "-0.json")
                self.assertEqual(n1, f0["key"][:32] + "-1.json")
                self.assertEqual((f0["occurrence"], f1["occurrence"]), (0, 1))
                self.assertEqual(f1["response"]["status"], 200)
                if first == "connection":
                    self.assertEqual(f0["response"]["error"], "connection")
                else:
                    self.assertEqual(f0["response"]["status"], first)
                if first == 429:
                    self.assertEqual(f0["response"]["headers"]
                                     .get("retry-after"), "1", f0["response"])
        # The re-ask is another request (a longer conversation): a key of
        # its own, occurrence 0.
        n_first, f_first = find_fixture(fxs, "replay-alpha", "founder", 1, 0)
        n_reask, f_reask = find_fixture(fxs, "replay-alpha", "founder", 2, 0)
        self.assertNotEqual(f_first["key"], f_reask["key"])
        self.assertEqual(f_reask["occurrence"], 0)
        self.assertEqual(len(f_reask["request"]["body"]["messages"]), 4)

    def test_no_credentials_anywhere(self):
        self.assertExit(self.rec, 0)
        needles = [KEY, "Authorization", "authorization", "Bearer "]
        places = {"stdout": self.rec.stdout, "stderr": self.rec.stderr}
        for root in (self.fx, self.out1):
            for name, data in read_bytes(root).items():
                places[os.path.join(os.path.basename(root), name)] = \
                    data.decode("utf-8", errors="replace")
        self.assertGreater(len(places), 20)
        for where, text in places.items():
            for needle in needles:
                self.assertNotIn(needle, text, f"{needle!r} found in {where}")

        # The checker agrees, even looking for the key's value.
        res = self.run_cli(["fixtures", "check", self.fx],
                           env=self.env(OPENAI_API_KEY=KEY))
        self.assertExit(res, 0)
        self.assertIn("16 fixtures checked, 0 bad", res.stdout)
        self.assertNotIn(KEY, res.stdout + res.stderr)


# --------------------------------------------------------------------------
# 3. A replay miss
# --------------------------------------------------------------------------

class TestReplayMiss(ReplayCase):

    def test_unrecorded_tool_stops_the_run(self):
        recorded = self.write_jsonl("ab.jsonl", plain_tools("able", "baker"))
        fx = os.path.join(self.tmp, "fx")
        res, _ = self.record(recorded, fx, os.path.join(self.tmp, "rec"))
        self.assertExit(res, 0)
        before = read_bytes(fx)

        tools = self.write_jsonl("abc.jsonl",
                                 plain_tools("able", "baker", "charlie"))
        out = os.path.join(self.tmp, "out")
        res = self.replay([tools], out, fx)
        self.assertExit(res, 2)
        self.assertNothingSent()
        self.assertRegex(
            res.stderr,
            r"replay miss: tool replay-charlie, persona "
            r"(builder|skeptic|futurist|founder), attempt 1, retry 0: "
            r"no fixture [0-9a-f]{32}-0\.json in " + re.escape(fx) + r"\b")
        self.assertIn("replay miss: tool replay-charlie, persona", res.stderr)
        self.assertIn("attempt 1", res.stderr)
        self.assertEqual(res.stderr.count("replay miss"), 1, res.stderr)
        self.assertIn("replay stopped", res.stderr)
        self.assertNotIn("replay-charlie", self.scorecards(out))
        self.assertFalse(os.path.exists(
            os.path.join(out, "replay-charlie.md")))
        # A replay never writes fixtures.
        self.assertEqual(read_bytes(fx), before)


# --------------------------------------------------------------------------
# 4. --fixture-mode new
# --------------------------------------------------------------------------

class TestFixtureModeNew(ReplayCase):

    def test_only_new_requests_are_sent_and_recorded(self):
        ab = self.write_jsonl("ab.jsonl", plain_tools("able", "baker"))
        fx = os.path.join(self.tmp, "fx")
        res, log = self.record(ab, fx, os.path.join(self.tmp, "rec"))
        self.assertExit(res, 0)
        self.assertEqual(len(log), 8)
        before = read_bytes(fx)
        self.assertEqual(len(before), 8)

        abc_tools = plain_tools("able", "baker", "charlie")
        abc = self.write_jsonl("abc.jsonl", abc_tools)
        # A FRESH server: its log holds only what this run sends.
        srv_dir = os.path.join(self.tmp, "server-new")
        os.mkdir(srv_dir)
        server = e2e.FakeServer(srv_dir, api_key=KEY)
        self.addCleanup(server.stop)
        server.wait_ready()
        out = os.path.join(self.tmp, "out")
        res = self.run_cli(
            ["review", abc, "-o", out, "--fixtures", fx, "--fixture-mode",
             "new", "--model", MODEL, "--base-url",
             f"http://127.0.0.1:{server.port}/v1", "--no-progress"],
            env=self.env(OPENAI_API_KEY=KEY))
        self.assertExit(res, 0)
        log = server.log()
        self.assertEqual(len(log), 4, log)

        # Exactly tool C's four conversations went out: the server's
        # conversation key covers the first user message.
        c_path = self.write_jsonl("c.jsonl", [abc_tools[2]])
        want = set()
        for p in PANEL:
            pr = self.run_cli(["prompts", c_path, "--persona", p])
            self.assertExit(pr, 0)
            user = e2e.parse_prompts_output(pr.stdout)[
                ("replay-charlie", p, "user")]
            want.add(e2e.conv_key(MODEL, p, user))
        self.assertEqual({e["conv_key"] for e in log}, want)
        self.assertEqual(sorted(e["persona"] for e in log), sorted(PANEL))

        after = read_bytes(fx)
        for name, data in before.items():
            with self.subTest(kept=name):
                self.assertEqual(after.get(name), data)
        new = sorted(set(after) - set(before))
        self.assertEqual(len(new), 4, new)
        self.assertEqual(
            sorted(load_json(os.path.join(fx, n))["meta"]["persona"]
                   for n in new), sorted(PANEL))
        for n in new:
            self.assertEqual(load_json(os.path.join(fx, n))["meta"]["tool"],
                             "replay-charlie")
        self.assertEqual(self.scorecards(out), ["replay-able", "replay-baker",
                                                "replay-charlie"])

        # FX now covers all three tools: a pure replay reproduces the run.
        out2 = os.path.join(self.tmp, "out2")
        res = self.replay([abc], out2, fx)
        self.assertExit(res, 0)
        self.assertNothingSent()
        self.assertSameReviews(out, out2)


class TestStampFixtures(ReplayCase):

    def test_stamp_does_not_change_keys_or_replay(self):
        tools = self.write_jsonl("a.jsonl", plain_tools("able"))
        fx = os.path.join(self.tmp, "fx")
        rec = os.path.join(self.tmp, "rec")
        t0 = datetime.now(timezone.utc).replace(microsecond=0)
        res, _ = self.record(tools, fx, rec, "--stamp-fixtures")
        t1 = datetime.now(timezone.utc)
        self.assertExit(res, 0)
        fxs = fixtures_of(fx)
        self.assertEqual(len(fxs), 4)
        for name, f in fxs.items():
            with self.subTest(fixture=name):
                stamp = f["meta"]["recorded_at"]
                self.assertRegex(stamp, ISO_UTC_RE)
                when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ") \
                    .replace(tzinfo=timezone.utc)
                self.assertTrue(t0 <= when <= t1, (t0, stamp, t1))
                self.assertEqual(fixture_key(f), f["key"])
        res = self.run_cli(["fixtures", "check", fx])
        self.assertExit(res, 0)
        out = os.path.join(self.tmp, "out")
        res = self.replay([tools], out, fx)
        self.assertExit(res, 0)
        self.assertNothingSent()
        self.assertSameReviews(rec, out)


# --------------------------------------------------------------------------
# 5. Corrupt and tampered fixtures
# --------------------------------------------------------------------------

class TestDamagedFixtures(ReplayCase):

    def setUp(self):
        super().setUp()
        self.tools = self.write_jsonl("ab.jsonl",
                                      plain_tools("able", "baker"))
        self.fx = os.path.join(self.tmp, "fx")
        res, _ = self.record(self.tools, self.fx,
                             os.path.join(self.tmp, "rec"))
        self.assertExit(res, 0)
        self.fxs = fixtures_of(self.fx)
        self.assertEqual(len(self.fxs), 8)

    def copy_fx(self, name):
        d = os.path.join(self.tmp, name)
        shutil.copytree(self.fx, d)
        return d

    def check(self, fxdir):
        return self.run_cli(["fixtures", "check", fxdir])

    def test_truncated_fixture(self):
        fx = self.copy_fx("fx-trunc")
        name, _ = find_fixture(self.fxs, "replay-baker", "skeptic")
        path = os.path.join(fx, name)
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[:len(data) // 2])

        out = os.path.join(self.tmp, "out")
        res = self.replay([self.tools], out, fx)
        self.assertExit(res, 2)
        self.assertNothingSent()
        self.assertIn(path, res.stderr)
        self.assertRegex(res.stderr, re.escape(path) +
                         r": corrupt fixture: not valid JSON")
        self.assertIn("replay stopped; nothing more was written", res.stderr)
        # All 8 requests go out before any answer is handled, so the stop
        # comes before any tool is finished: no scorecard is written.
        self.assertEqual(card_bytes(out), {})

        res = self.check(fx)
        self.assertExit(res, 1)
        self.assertIn(f"{path}: not valid JSON", res.stdout)
        self.assertIn("8 fixtures checked, 1 bad", res.stdout)

        # --fixture-mode new stops on it too: a corrupt fixture is not a
        # miss to send again and overwrite.
        out_new = os.path.join(self.tmp, "out-new")
        res = self.run_cli(
            ["review", self.tools, "-o", out_new, "--fixtures", fx,
             "--fixture-mode", "new", "--model", MODEL, "--base-url",
             self.quiet.url, "--timeout", "1", "--max-retries", "0",
             "--no-progress"],
            env=self.env(OPENAI_API_KEY=KEY))
        self.assertExit(res, 2)
        self.assertIn(f"{path}: corrupt fixture", res.stderr)
        self.assertNothingSent()
        with open(path, "rb") as f:
            self.assertEqual(f.read(), data[:len(data) // 2])
        self.assertEqual(card_bytes(out_new), {})

    def test_tampered_and_planted(self):
        fx = self.copy_fx("fx-tamper")
        # Tamper: one word of the user message, the JSON stays valid.
        t_name, _ = find_fixture(self.fxs, "replay-able", "builder")
        t_path = os.path.join(fx, t_name)
        with open(t_path, encoding="utf-8") as f:
            text = f.read()
        tampered = text.replace("Review the software tool",
                                "Review the hardware tool", 1)
        self.assertNotEqual(tampered, text)
        json.loads(tampered)
        with open(t_path, "w", encoding="utf-8") as f:
            f.write(tampered)

        # Plant: an authorization header in the request.
        p_name, planted = find_fixture(self.fxs, "replay-baker", "founder")
        p_path = os.path.join(fx, p_name)
        planted["request"]["headers"] = {
            "authorization": "Bearer sk-planted-0123456789abcdefABCDEF"}
        with open(p_path, "w", encoding="utf-8") as f:
            json.dump(planted, f, indent=2)

        # Plant: the API key's value in a response body.
        s_name, secret = find_fixture(self.fxs, "replay-able", "futurist")
        s_path = os.path.join(fx, s_name)
        secret["response"]["body"]["note"] = "key was " + KEY
        with open(s_path, "w", encoding="utf-8") as f:
            json.dump(secret, f, indent=2)

        res = self.run_cli(["fixtures", "check", fx],
                           env=self.env(OPENAI_API_KEY=KEY))
        self.assertExit(res, 1)
        lines = res.stdout.splitlines()
        by_file = {ln.split(": ", 1)[0]: ln for ln in lines if ": " in ln}
        self.assertIn(t_path, by_file, res.stdout)
        self.assertRegex(by_file[t_path], r'"key" does not match the request')
        self.assertIn(p_path, by_file, res.stdout)
        self.assertRegex(by_file[p_path], r"(?i)headers|credential|bearer")
        self.assertIn(s_path, by_file, res.stdout)
        self.assertIn("OPENAI_API_KEY", by_file[s_path])
        self.assertNotIn(KEY, res.stdout + res.stderr)
        self.assertIn("8 fixtures checked, 3 bad", res.stdout)

    def test_bearer_token_anywhere(self):
        fx = self.copy_fx("fx-bearer")
        name, fxd = find_fixture(self.fxs, "replay-able", "skeptic")
        path = os.path.join(fx, name)
        fxd["response"]["headers"]["x-ratelimit-note"] = \
            "Bearer sk-planted-0123456789abcdefABCDEF"
        with open(path, "w", encoding="utf-8") as f:
            json.dump(fxd, f, indent=2)
        res = self.check(fx)
        self.assertExit(res, 1)
        self.assertRegex(res.stdout, re.escape(path) + r": .*Bearer")

    def test_renamed_fixture(self):
        fx = self.copy_fx("fx-renamed")
        src, _ = find_fixture(self.fxs, "replay-able", "builder")
        dst, _ = find_fixture(self.fxs, "replay-able", "skeptic")
        # dst's file now holds src's exchange (src keeps its own, so the
        # first problem the replay meets is the mismatch, not a miss).
        shutil.copyfile(os.path.join(fx, src), os.path.join(fx, dst))
        dst_path = os.path.join(fx, dst)

        out = os.path.join(self.tmp, "out")
        res = self.replay([self.tools], out, fx)
        self.assertExit(res, 2)
        self.assertNothingSent()
        self.assertRegex(res.stderr, re.escape(dst_path) +
                         r': its "key" does not match its file name')
        self.assertNotIn("replay-able", self.scorecards(out))

        res = self.check(fx)
        self.assertExit(res, 1)
        self.assertIn(f"{dst_path}: file name should be {src}", res.stdout)


# --------------------------------------------------------------------------
# 6. Bad directories
# --------------------------------------------------------------------------

class TestBadDirectories(ReplayCase):

    def setUp(self):
        super().setUp()
        self.tools = self.write_jsonl("a.jsonl", plain_tools("able"))

    def test_replay_dir_missing(self):
        missing = os.path.join(self.tmp, "nonexistent")
        out = os.path.join(self.tmp, "out")
        res = self.replay([self.tools], out, missing)
        self.assertExit(res, 2)
        self.assertIn(missing, res.stderr)
        self.assertIn("does not exist", res.stderr)
        self.assertNothingSent()
        self.assertEqual(self.scorecards(out), [])
        self.assertFalse(os.path.exists(missing))

    def test_record_dir_under_a_file(self):
        blocker = os.path.join(self.tmp, "a-file")
        with open(blocker, "w") as f:
            f.write("not a directory\n")
        fxdir = os.path.join(blocker, "fx")
        out = os.path.join(self.tmp, "out")
        res = self.run_cli(
            ["review", self.tools, "-o", out, "--record", fxdir, "--model",
             MODEL, "--base-url", self.quiet.url, "--no-progress"],
            env=self.env(OPENAI_API_KEY=KEY))
        self.assertExit(res, 2)
        self.assertIn(blocker, res.stderr)
        self.assertNothingSent()
        self.assertEqual(self.scorecards(out), [])
        self.assertNotIn(KEY, res.stderr)

    def test_fixtures_commands_on_missing_dir(self):
        missing = os.path.join(self.tmp, "nonexistent")
        for sub in ("check", "list"):
            with self.subTest(sub=sub):
                res = self.run_cli(["fixtures", sub, missing])
                self.assertExit(res, 2)
                self.assertIn(missing, res.stderr)
        res = self.run_cli(["fixtures", "check", "/nonexistent"])
        self.assertExit(res, 2)
        self.assertIn("/nonexistent", res.stderr)


# --------------------------------------------------------------------------
# 7, 8. The bundled sample exchanges; --generated-at
# --------------------------------------------------------------------------

class TestBundledSamples(ReplayCase):

    # slug -> (label, ship_percent, {persona: (score, verdict)})
    PUBLISHED = {
        "gemini-2-5-flash-lite": (
            "Ship · 4 ship / 0 skip", 100,
            {"builder": (78, "ship"), "skeptic": (74, "ship"),
             "futurist": (80, "ship"), "founder": (72, "ship")}),
        "code-llama-4": (
            "Ship · 3 ship / 1 skip", 75,
            {"builder": (84, "ship"), "skeptic": (78, "ship"),
             "futurist": (81, "ship"), "founder": (55, "skip")}),
        "mistral-medium-3-2": (
            "Ship · 3 ship / 1 skip", 75,
            {"builder": (76, "ship"), "skeptic": (71, "ship"),
             "futurist": (77, "ship"), "founder": (58, "skip")}),
    }

    def test_replay_samples(self):
        before = read_bytes(SAMPLE_EXCHANGES)
        out = os.path.join(self.tmp, "out")
        res = self.replay([SAMPLE_TOOLS], out, SAMPLE_EXCHANGES, model=None)
        self.assertExit(res, 0)
        self.assertNothingSent()
        self.assertEqual(self.scorecards(out), SAMPLE_SLUGS)
        for slug, (label, pct, scores) in self.PUBLISHED.items():
            with self.subTest(tool=slug):
                card = load_json(os.path.join(out, slug + ".json"))
                self.assertEqual(card["panel"]["label"], label)
                self.assertEqual(card["panel"]["ship_percent"], pct)
                self.assertIs(card["panel"]["complete"], True)
                got = {r["persona"]: (r["score"], r["verdict"])
                       for r in card["reviews"]}
                self.assertEqual(got, scores)
                attempts = {r["persona"]: r["attempts"]
                            for r in card["reviews"]}
                if slug == "mistral-medium-3-2":
                    # The recorded re-ask is replayed.
                    self.assertEqual(attempts["skeptic"], 2)
                else:
                    self.assertEqual(set(attempts.values()), {1})
                for r in card["reviews"]:
                    self.assertEqual(r["status"], "ok")
                self.assertNotIn("generated_at", card)
                # The samples are hand-written: the scorecard and its draft
                # say so, from fixtures/exchanges/LABEL.
                self.assertTrue(card["source"].startswith(
                    "Hand-written sample replies"))
                with open(os.path.join(out, slug + ".md"),
                          encoding="utf-8") as f:
                    self.assertIn("Sample data, not a model's output",
                                  f.read())

        out2 = os.path.join(self.tmp, "out2")
        res = self.replay([SAMPLE_TOOLS], out2, SAMPLE_EXCHANGES, model=None)
        self.assertExit(res, 0)
        self.assertSameReviews(out, out2)
        self.assertEqual(read_bytes(SAMPLE_EXCHANGES), before)

    def test_a_bad_label_stops_before_any_review(self):
        fx = os.path.join(self.tmp, "fx")
        shutil.copytree(SAMPLE_EXCHANGES, fx)
        with open(os.path.join(fx, "LABEL"), "w", encoding="utf-8") as f:
            f.write("one line\nand another\n")
        out = os.path.join(self.tmp, "out")
        res = self.replay([SAMPLE_TOOLS], out, fx, model=None)
        self.assertExit(res, 2)
        self.assertIn(os.path.join(fx, "LABEL"), res.stderr)
        self.assertFalse(os.path.exists(os.path.join(out, "offshoot.json")))
        # Without a label the replies are a model's: no "source" at all.
        os.unlink(os.path.join(fx, "LABEL"))
        res = self.replay([SAMPLE_TOOLS], out, fx, model=None)
        self.assertExit(res, 0)
        self.assertNotIn("source",
                         load_json(os.path.join(out, "offshoot.json")))

    def test_check_and_list_samples(self):
        res = self.run_cli(["fixtures", "check", SAMPLE_EXCHANGES])
        self.assertExit(res, 0)
        self.assertIn("25 fixtures checked, 0 bad", res.stdout)

        res = self.run_cli(["fixtures", "list", SAMPLE_EXCHANGES])
        self.assertExit(res, 0)
        lines = res.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["FILE", "TOOL", "PERSONA",
                                            "ATTEMPT", "RETRY", "STATUS"])
        rows = [ln.split() for ln in lines[1:]]
        files = sorted(n for n in os.listdir(SAMPLE_EXCHANGES)
                       if n.endswith(".json"))
        self.assertEqual(len(files), 25)
        self.assertEqual([r[0] for r in rows], files)
        for r in rows:
            with self.subTest(row=r[0]):
                self.assertEqual(len(r), 6, r)
                self.assertIn(r[1], SAMPLE_SLUGS)
                self.assertIn(r[2], PANEL)
                self.assertEqual(r[5], "200")
        self.assertEqual(sorted((r[1], r[2]) for r in rows if r[3] == "1"),
                         sorted((s, p) for s in SAMPLE_SLUGS for p in PANEL))
        self.assertEqual([(r[1], r[2]) for r in rows if r[3] == "2"],
                         [("mistral-medium-3-2", "skeptic")])

    def test_generated_at(self):
        tool = os.path.join(SAMPLE_TOOLS, "code-llama-4.json")
        out = os.path.join(self.tmp, "stamped")
        t0 = datetime.now(timezone.utc).replace(microsecond=0)
        res = self.replay([tool], out, SAMPLE_EXCHANGES, "--generated-at",
                          model=None)
        t1 = datetime.now(timezone.utc)
        self.assertExit(res, 0)
        card = load_json(os.path.join(out, "code-llama-4.json"))
        self.assertIn("generated_at", card)
        stamp = card["generated_at"]
        self.assertRegex(stamp, ISO_UTC_RE)
        when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=timezone.utc)
        self.assertTrue(t0 <= when <= t1, (t0, stamp, t1))

        plain = os.path.join(self.tmp, "plain")
        res = self.replay([SAMPLE_TOOLS], plain, SAMPLE_EXCHANGES, model=None)
        self.assertExit(res, 0)
        for slug in SAMPLE_SLUGS:
            with self.subTest(tool=slug):
                with open(os.path.join(plain, slug + ".json"),
                          encoding="utf-8") as f:
                    text = f.read()
                self.assertNotIn("generated_at", json.loads(text))
                self.assertNotIn("generated_at", text)


# --------------------------------------------------------------------------
# 9. Usage errors
# --------------------------------------------------------------------------

class TestFixtureUsage(ReplayCase):

    def test_usage_errors(self):
        tools = self.write_jsonl("a.jsonl", plain_tools("able"))
        out = os.path.join(self.tmp, "out")
        fx = os.path.join(self.tmp, "fx")
        fx2 = os.path.join(self.tmp, "fx2")
        cases = [
            ("mode without dir", ["--fixture-mode", "new"],
             r"--fixture-mode needs --fixtures DIR"),
            ("dir without mode", ["--fixtures", fx],
             r"--fixtures DIR needs --fixture-mode"),
            ("record and replay", ["--record", fx, "--replay", fx2],
             r"one of --record, --replay or --fixtures"),
            ("replay and record", ["--replay", fx, "--record", fx2],
             r"one of --record, --replay or --fixtures"),
            ("bad mode", ["--fixtures", fx, "--fixture-mode", "sometimes"],
             r'--fixture-mode takes record, replay or new, not "sometimes"'),
        ]
        for label, opts, pattern in cases:
            with self.subTest(case=label):
                res = self.run_cli(
                    ["review", tools, "-o", out, "--model", MODEL,
                     "--base-url", self.quiet.url, "--no-progress", *opts],
                    env=self.env(OPENAI_API_KEY=KEY))
                self.assertExit(res, 2)
                self.assertRegex(res.stderr, pattern)
                self.assertTrue(res.stderr.startswith("shipskip: "),
                                res.stderr)
                self.assertFalse(os.path.exists(fx))
                self.assertFalse(os.path.exists(fx2))
                self.assertFalse(os.path.exists(out))
        self.assertNothingSent()

    def test_fixture_mode_with_record_or_replay(self):
        # --record and --replay name their own mode; --fixture-mode goes
        # only with --fixtures. Letting the last flag win would make
        # `--replay FX --fixture-mode record` send every request (with the
        # key) and write into the directory the user meant to replay from.
        # Expected: exit 2, a usage message, nothing sent, nothing written.
        tools = self.write_jsonl("a.jsonl", plain_tools("able"))
        cases = [
            ("replay then mode record", ["--replay", "FX", "--fixture-mode",
                                         "record"]),
            ("record then mode replay", ["--record", "FX", "--fixture-mode",
                                         "replay"]),
            ("mode replay then record", ["--fixture-mode", "replay",
                                         "--record", "FX"]),
        ]
        for label, opts in cases:
            with self.subTest(case=label):
                tag = label.replace(" ", "-")
                out = os.path.join(self.tmp, "out-" + tag)
                # A fixture directory of its own, empty, for each case.
                fx = os.path.join(self.tmp, "fx-" + tag)
                os.mkdir(fx)
                opts = [fx if o == "FX" else o for o in opts]
                res = self.run_cli(
                    ["review", tools, "-o", out, "--model", MODEL,
                     "--base-url", self.quiet.url, "--timeout", "1",
                     "--max-retries", "0", "--no-progress", *opts],
                    env=self.env(OPENAI_API_KEY=KEY))
                self.assertExit(res, 2)
                self.assertRegex(res.stderr,
                                 r"--fixture-mode goes with --fixtures DIR, "
                                 r"not with --record or --replay")
                self.assertEqual(self.quiet.connections(), 0,
                                 "requests were sent")
                self.assertEqual(os.listdir(fx), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
