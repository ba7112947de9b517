#!/usr/bin/env python3
"""Batch-level tests of `shipskip review`: retries under injected faults,
crashes and --resume, signals, --deadline, --shard and `shipskip merge`,
--rpm/--tpm, journal invalidation, --log-json and the run summary.

Every test starts its own tests/fake_llm.py (through the harness in
tests/test_e2e.py: E2ETestCase, FakeServer, make_tool, tree...). Reference
runs ("REF") go to a second, zero-latency server: the fake's replies depend
only on the request, never on timing, so a REF made there is what any
correct run must write.

    SHIPSKIP_BIN    the binary (default: <repo>/build/shipskip)
    SK_SOURCE_DIR   the repository (default: the parent of this directory)
    SK_CRASH_SEED   seed of the crash test's kill points (default: random,
                    printed in every failure message)

Run: python3 tests/test_batch.py [-v] [TestClass.test_name]
Python 3.11 standard library only.
"""

import csv
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import test_e2e as e2e  # noqa: E402  (E2ETestCase, FakeServer, make_tool...)

REPO = e2e.REPO
BIN = e2e.BIN
MODEL = e2e.MODEL
API_KEY = e2e.API_KEY
PANEL = e2e.DEFAULT_PANEL
REVIEWS_DIR = e2e.REVIEWS_DIR
PERSONAS_DIR = e2e.PERSONAS_DIR
make_tool = e2e.make_tool
fold = e2e.fold

RUN_TIMEOUT = 120
CAUSES = ("429", "5xx", "408", "timeout", "connection", "stale-connection",
          "malformed", "batch", "other")
CSV_HEADER = ("slug,verdict,ships,skips,failed,ship_percent,mean_score,"
              "prompt_tokens,completion_tokens,failures")
SUMMARY_NUMBERS = ("tools", "tools_complete", "tools_with_failed_reviews",
                   "records_bad", "tools_unfinished", "tools_skipped_by_shard",
                   "reviews_ok", "reviews_failed", "reviews_resumed",
                   "attempts", "reasks", "requests", "retries",
                   "prompt_tokens", "completion_tokens")
REUSED_RE = re.compile(r"shipskip: (\d+) reviews taken from the journal, "
                       r"not requested again")
RESUMING_RE = re.compile(r"shipskip: resuming: (\d+) reviews in ")


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

_BANK = {}


def review_bank(persona):
    """[(stem, text)] the fake server picks replies from (its ReviewBank)."""
    if persona not in _BANK:
        folder = os.path.join(REVIEWS_DIR, persona, "pass")
        found = []
        for name in sorted(os.listdir(folder)):
            if re.match(r"^(ship|skip)-.*\.txt$", name):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    text = f.read().rstrip()
                if text:
                    found.append((name[:-4], text))
        _BANK[persona] = found
    return _BANK[persona]


def full_key(persona, first_user, model=MODEL):
    return hashlib.sha256(
        f"{model}\n{persona}\n{first_user}".encode()).hexdigest()


def fake_answer(persona, first_user, model=MODEL):
    """(score, verdict, folded paragraph) the fake server answers with, per
    the rules in its docstring ("Deterministic replies")."""
    key = full_key(persona, first_user, model)
    bank = review_bank(persona)
    stem, text = bank[int(key, 16) % len(bank)]
    verdict = "ship" if stem.startswith("ship-") else "skip"
    h = int(key[-8:], 16)
    score = 60 + h % 36 if verdict == "ship" else 25 + h % 35
    # The sample is opened with the asked tool's name when it lacks it.
    name = re.search(r"^BEGIN TOOL-DATA-[0-9a-f]{16}\r?\nName: (.+?)\r?$",
                     first_user, re.M)
    if name and name.group(1).lower() not in text.lower():
        text = f"On {name.group(1)}: {text}"
    return score, verdict, fold(text)


def scorecard_files(root):
    """{name: bytes} of the scorecards (<slug>.json, <slug>.md) in root:
    not the run's own files, not hidden temporary files."""
    out = {}
    for name in os.listdir(root):
        if name.startswith(".") or name in e2e.RUN_FILES:
            continue
        if name.endswith(".json") or name.endswith(".md"):
            with open(os.path.join(root, name), "rb") as f:
                out[name] = f.read()
    return out


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_summary(root):
    return read_json(os.path.join(root, "summary.json"))


def journal_lines(root):
    """The complete lines of root/journal.jsonl, parsed (a last line with no
    newline, torn by a crash, is left out)."""
    path = os.path.join(root, "journal.jsonl")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    lines = data.split(b"\n")[:-1]  # what follows the last \n is torn
    return [json.loads(line) for line in lines if line.strip()]


def journal_pairs(root):
    return [(j["tool"], j["persona"]) for j in journal_lines(root)]


def log_lines(server):
    """The server's request log, complete lines only (it may be mid-write)."""
    try:
        with open(server.log_path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in data.split(b"\n")[:-1]
            if line.strip()]


def wait_log_quiet(server, quiet=0.4, timeout=10.0):
    """Waits until the server's log has not grown for `quiet` seconds (a
    killed client's requests are logged when their latency ends)."""
    deadline = time.monotonic() + timeout
    last = len(log_lines(server))
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        n = len(log_lines(server))
        if n != last:
            last, since = n, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return log_lines(server)


def wait_log_count(server, count, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = log_lines(server)
        if len(log) >= count:
            return log
        time.sleep(0.05)
    return log_lines(server)


def events_of(path_or_text, from_text=False):
    """--log-json events: every line must be a JSON object."""
    if from_text:
        text = path_or_text
    else:
        with open(path_or_text, encoding="utf-8") as f:
            text = f.read()
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --------------------------------------------------------------------------
# Base class
# --------------------------------------------------------------------------

class BatchCase(e2e.E2ETestCase):
    """E2ETestCase plus a reference server, background runs and the
    prompts-derived conversation keys."""

    def ref_server(self):
        if getattr(self, "_ref_server", None) is None:
            d = os.path.join(self.tmp, "ref-server")
            os.mkdir(d)
            self._ref_server = self.start_server(d)
        return self._ref_server

    def run_on(self, server, args, **kw):
        """run_cli against another server."""
        saved = self.server
        self.server = server
        try:
            return self.run_cli(args, **kw)
        finally:
            self.server = saved

    def reference(self, inputs, *opts, name="ref"):
        """A complete run on the zero-latency reference server; returns its
        output directory."""
        out = os.path.join(self.tmp, name)
        res = self.run_on(self.ref_server(),
                          ["review", *inputs, "-o", out, *opts])
        self.assertIn(res.returncode, (0, 1), self.describe(res))
        return out

    def spawn(self, args, server=None):
        """Starts shipskip in the background; stderr goes to a file."""
        server = server or self.server
        self._spawned = getattr(self, "_spawned", 0) + 1
        cmd = [BIN, *args, "--base-url",
               f"http://127.0.0.1:{server.port}/v1", "--model", MODEL,
               "--no-progress"]
        errpath = os.path.join(self.tmp, f"spawn-{self._spawned}.stderr")
        err = open(errpath, "wb")
        proc = subprocess.Popen(cmd, cwd=REPO, env=self.base_env(),
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        proc.cmd = cmd
        proc.errpath = errpath
        proc.t0 = time.monotonic()

        def reap():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            err.close()
        self.addCleanup(reap)
        return proc

    def stderr_of(self, proc):
        with open(proc.errpath, encoding="utf-8", errors="replace") as f:
            return f.read()

    def describe_proc(self, proc):
        return (f"\ncommand: {' '.join(proc.cmd)}\nexit: {proc.returncode}"
                f"\nstderr:\n{self.stderr_of(proc)}")

    def wait_exit(self, proc, timeout=RUN_TIMEOUT):
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self.fail(f"shipskip did not exit within {timeout} s"
                      + self.describe_proc(proc))

    def wait_for(self, cond, proc=None, timeout=20.0, what="condition"):
        """Polls cond() until true; fails if proc exits first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return
            if proc is not None and proc.poll() is not None:
                self.fail(f"shipskip exited before {what}"
                          + self.describe_proc(proc))
            time.sleep(0.02)
        self.fail(f"timed out waiting for {what}"
                  + (self.describe_proc(proc) if proc else ""))

    def first_users(self, path, *opts):
        """{(slug, persona): first user message} from `shipskip prompts`."""
        res = self.run_cli(["prompts", path, *opts])
        self.assertExit(res, 0)
        msgs = e2e.parse_prompts_output(res.stdout)
        return {(slug, persona): text
                for (slug, persona, kind), text in msgs.items()
                if kind == "user"}

    def conv_keys(self, path, *opts):
        """{(slug, persona): the fake's 16-hex conversation key}."""
        return {k: full_key(k[1], v)[:16]
                for k, v in self.first_users(path, *opts).items()}

    def assertSameScorecards(self, got_dir, want_dir, msg=""):
        got = scorecard_files(got_dir)
        want = scorecard_files(want_dir)
        self.assertEqual(sorted(got), sorted(want), msg)
        differ = [n for n in sorted(want) if got[n] != want[n]]
        self.assertEqual(differ, [], f"scorecards differ from the reference "
                         f"{want_dir}: {differ[:5]}{msg}")


# --------------------------------------------------------------------------
# 1. Faults are retried and counted by cause
# --------------------------------------------------------------------------

# slug -> (markers, {persona: [(cause, logged status of that request)]})
FAULTS = {
    "burst-1": ("fake:429-twice@builder",
                {"builder": [("429", 429), ("429", 429)]}),
    "burst-2": ("fake:429-twice@skeptic",
                {"skeptic": [("429", 429), ("429", 429)]}),
    "burst-3": ("fake:429-twice@futurist",
                {"futurist": [("429", 429), ("429", 429)]}),
    "burst-4": ("fake:429-once",
                {p: [("429", 429)] for p in PANEL}),
    "burst-5": ("fake:429-once@founder fake:500-once@founder",
                {"founder": [("429", 429), ("5xx", 500)]}),
    "err-500": ("fake:500-once@futurist", {"futurist": [("5xx", 500)]}),
    "err-503": ("fake:503-once@founder", {"founder": [("5xx", 503)]}),
    "err-503-drop": ("fake:503-once@builder fake:drop-once@builder",
                     {"builder": [("5xx", 503), ("drop", "dropped")]}),
    "dropped": ("fake:drop-once@skeptic", {"skeptic": [("drop", "dropped")]}),
    "stalled": ("fake:stall-once@skeptic", {"skeptic": [("timeout", 200)]}),
    "garbled": ("fake:malformed-once@builder",
                {"builder": [("malformed", 200)]}),
    "clean": ("", {}),
}


class TestFaultInjection(BatchCase):

    # The stall outlasts --timeout 1 three times over.
    server_opts = {"stall_ms": 3000}

    def test_faults_retried_and_counted_by_cause(self):
        tools = [make_tool(f"Fault Tool {slug}", markers, slug=slug)
                 for slug, (markers, _) in FAULTS.items()]
        path = self.write_jsonl("faults.jsonl", tools)
        users = self.first_users(path)
        res = self.review([path], "--timeout", "1")
        self.assertExit(res, 0)

        want_causes = dict.fromkeys(CAUSES, 0)
        drops = 0
        for _, (_, per) in FAULTS.items():
            for faults in per.values():
                for cause, _ in faults:
                    if cause == "drop":
                        drops += 1
                    else:
                        want_causes[cause] += 1
        nretries = sum(want_causes.values()) + drops
        nreviews = len(tools) * len(PANEL)

        # Every scorecard is what a fault-free server would have produced.
        for slug, (_, per) in FAULTS.items():
            card = self.scorecard(slug)
            for persona in PANEL:
                with self.subTest(tool=slug, persona=persona):
                    r = self.review_of(card, persona)
                    self.assertEqual((r["status"], r["attempts"],
                                      r["errors"]), ("ok", 1, []), r)
                    self.assertEqual(r["retries"],
                                     len(per.get(persona, [])), r)
                    score, verdict, text = fake_answer(
                        persona, users[(slug, persona)])
                    self.assertEqual((r["score"], r["verdict"]),
                                     (score, verdict), r)
                    self.assertEqual(fold(r["review"]), text)
            self.assertPanelConsistent(card)
            self.assertIs(card["panel"]["complete"], True)

        # The server saw each faulty conversation as injected. The stalled
        # request is logged when its 3 s sleep ends, after the run.
        log = wait_log_count(self.server, nreviews + nretries)
        self.assertEqual(len(log), nreviews + nretries, log)
        by_key = {}
        for e in log:
            by_key.setdefault(e["conv_key"], []).append(e)
        for slug, (_, per) in FAULTS.items():
            for persona in PANEL:
                key = full_key(persona, users[(slug, persona)])[:16]
                conv = sorted(by_key.get(key, []), key=lambda e: e["attempt"])
                want = [s for _, s in per.get(persona, [])] + [200]
                with self.subTest(tool=slug, persona=persona, check="log"):
                    self.assertEqual([e["status"] for e in conv], want, conv)

        totals = read_summary(self.out)["totals"]
        causes = totals["retries_by_cause"]
        self.assertEqual(sorted(causes), sorted(CAUSES), causes)
        got = dict(causes)
        # A drop is "connection" on a fresh connection, "stale-connection"
        # on a reused keep-alive one (http.c: resend_refused); either way
        # each drop is one retry.
        got_drops = got.pop("connection") + got.pop("stale-connection")
        want = {k: v for k, v in want_causes.items()
                if k not in ("connection", "stale-connection")}
        self.assertEqual(got, want, f"retries_by_cause {causes}")
        self.assertEqual(got_drops, drops, f"retries_by_cause {causes}")
        self.assertEqual(totals["retries"], nretries, totals)
        self.assertEqual(totals["retries"], sum(causes.values()), totals)
        self.assertEqual(totals["reasks"], 0, totals)
        self.assertEqual(totals["requests"],
                         totals["reviews_ok"] + totals["reviews_failed"]
                         + totals["reasks"] + totals["retries"], totals)
        self.assertEqual(totals["requests"], len(log), totals)
        self.assertEqual((totals["tools"], totals["tools_complete"],
                          totals["reviews_ok"], totals["reviews_failed"]),
                         (len(tools), len(tools), nreviews, 0), totals)
        s = self.summary(res)
        self.assertEqual((s["requests"], s["retries"]),
                         (len(log), nretries), res.stderr)


# --------------------------------------------------------------------------
# 2. kill -9 and --resume
# --------------------------------------------------------------------------

class TestCrashResume(BatchCase):

    # 800 requests at 16 in flight and 100 ms each take at least 5 s, so
    # three kills within 3 x 1.5 s of running time always land mid-batch.
    server_opts = {"latency_ms": 100}
    NTOOLS = 200

    def test_kill_9_and_resume(self):
        seed = int(os.environ.get("SK_CRASH_SEED")
                   or random.randrange(1 << 30))
        rng = random.Random(seed)
        note = f" (SK_CRASH_SEED={seed})"
        tools = [make_tool(f"Crash Tool {i}", slug=f"crash-{i:03d}")
                 for i in range(self.NTOOLS)]
        path = self.write_jsonl("crash.jsonl", tools)
        keys = self.conv_keys(path)
        self.assertEqual(len(keys), self.NTOOLS * len(PANEL))
        ref = self.reference([path], "--concurrency", "16")
        self.assertEqual(len(scorecard_files(ref)), 2 * self.NTOOLS)

        run = os.path.join(self.tmp, "run")
        snapshots = []  # (journal pairs at the kill, log length after it)
        resumed_stderr = []
        torn_checked = False
        kills = 0
        for attempt in range(5):
            if kills >= 4:
                break
            args = ["review", path, "-o", run, "--concurrency", "16"]
            if attempt > 0:
                args.append("--resume")
            torn_now = kills == 2 and not torn_checked
            if torn_now:
                # A crash mid-write: half a journal line, no newline.
                half = json.dumps({
                    "tool": "crash-199", "persona": "founder",
                    "inputs": "0" * 64, "status": "ok", "score": 99,
                    "verdict": "ship", "review": "torn"})
                with open(os.path.join(run, "journal.jsonl"), "a") as f:
                    f.write(half[:len(half) // 2])
            before = len(journal_pairs(run)) if os.path.isdir(run) else 0
            proc = self.spawn(args)
            # The kill point is random, but counted from this run's first
            # journaled review, not from the start: on a loaded machine a
            # fixed delay could land before the run had done anything.
            deadline = time.monotonic() + 60
            while (proc.poll() is None and time.monotonic() < deadline
                   and (not os.path.isdir(run)
                        or len(journal_pairs(run)) <= before)):
                time.sleep(0.02)
            delay = rng.uniform(0.0, 1.2)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                pass
            finished = proc.poll() is not None
            if not finished:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            err = self.stderr_of(proc)
            if torn_now:
                torn_checked = True
                self.assertIn("torn last line", err, err + note)
                self.assertIn("journal.jsonl", err, err + note)
            if finished:
                # It ended before its kill point: nothing left to crash.
                self.assertEqual(proc.returncode, 0,
                                 self.describe_proc(proc) + note)
                self.assertGreaterEqual(kills, 3, "the batch finished "
                                        "before three kills" + note)
                break
            kills += 1
            log = wait_log_quiet(self.server)
            snapshots.append((set(journal_pairs(run)), len(log)))
            if attempt > 0:
                resumed_stderr.append((err, snapshots[-2][0]))
        self.assertGreaterEqual(kills, 3, note)
        self.assertTrue(torn_checked, note)
        # Each kill landed mid-batch: some reviews done, not all.
        for i, (pairs, _) in enumerate(snapshots[:3]):
            self.assertLess(len(pairs), len(keys),
                            f"kill {i + 1} came after the end{note}")
        self.assertGreater(len(snapshots[0][0]), 0,
                           f"nothing journaled before the first kill{note}")

        # Resume to completion (the last run may have ended by itself).
        at_final = set(journal_pairs(run))
        res = self.review([path], "--concurrency", "16", "--resume",
                          out=run)
        self.assertExit(res, 0)
        resumed_stderr.append((res.stderr, at_final))
        final_log = wait_log_quiet(self.server)

        # Every resume indexed the whole journal it found.
        for err, pairs in resumed_stderr:
            m = RESUMING_RE.search(err)
            self.assertIsNotNone(m, err + note)
            self.assertEqual(int(m.group(1)), len(pairs), err + note)
        self.assertEqual(int(REUSED_RE.search(res.stderr).group(1)),
                         len(at_final), res.stderr + note)

        # The outputs are the uninterrupted run's, byte for byte.
        self.assertSameScorecards(run, ref, note)

        # A review journaled at a kill is never requested again afterwards.
        pair_of = {v: k for k, v in keys.items()}
        for i, (pairs, nlog) in enumerate(snapshots):
            journaled = {keys[p] for p in pairs}
            again = [(pair_of.get(e["conv_key"]), e["n"])
                     for e in final_log[nlog:]
                     if e["conv_key"] in journaled]
            self.assertEqual(again, [], f"journaled before kill {i + 1} "
                             f"but requested again{note}")

        # The journal holds each review exactly once, and every review was
        # requested at least once (a kill costs only what was in flight).
        final = journal_pairs(run)
        self.assertEqual(len(final), len(set(final)), note)
        self.assertEqual(set(final), set(keys), note)
        seen = {e["conv_key"] for e in final_log if e["conv_key"]}
        self.assertEqual(seen, set(keys.values()), note)
        for j in journal_lines(run):
            self.assertEqual(j["status"], "ok", j)
        # The last run's summary covers the whole batch, resumed or not.
        self.assertEqual(read_summary(run)["tools"],
                         read_summary(ref)["tools"], note)
        summ = read_summary(run)["totals"]
        self.assertEqual(summ["reviews_resumed"], len(at_final), summ)
        self.assertEqual(summ["requests"], len(keys) - len(at_final), summ)
        self.assertIsNone(summ["stopped"], summ)


# --------------------------------------------------------------------------
# 3, 4. Signals and --deadline
# --------------------------------------------------------------------------

class TestStops(BatchCase):

    # 6 tools x 4 personas at 4 in flight and 300 ms each: at least 1.8 s.
    server_opts = {"latency_ms": 300}

    def slow_batch(self, prefix):
        tools = [make_tool(f"{prefix.title()} Tool {i}", slug=f"{prefix}-{i}")
                 for i in range(6)]
        return tools, self.write_jsonl(f"{prefix}.jsonl", tools)

    def assertResumeCompletes(self, path, run, ref, keys, before_log,
                              journaled):
        """Resumes run; checks it ends like ref and requests only the rest."""
        res = self.review([path], "--concurrency", "4", "--resume", out=run)
        self.assertExit(res, 0)
        self.assertSameScorecards(run, ref)
        log = wait_log_quiet(self.server, quiet=0.2)
        new = [e["conv_key"] for e in log[before_log:]]
        done = {keys[p] for p in journaled}
        self.assertEqual([k for k in new if k in done], [],
                         "a review journaled before the stop was requested "
                         "again")
        self.assertEqual(sorted(new), sorted(set(keys.values()) - done))
        if journaled:
            m = REUSED_RE.search(res.stderr)
            self.assertIsNotNone(m, res.stderr)
            self.assertEqual(int(m.group(1)), len(journaled))
        summ = read_summary(run)
        self.assertEqual(summ["tools"], read_summary(ref)["tools"])
        totals = summ["totals"]
        self.assertIsNone(totals["stopped"], totals)
        self.assertEqual(totals["reviews_resumed"], len(journaled), totals)
        return res

    def test_sigint_then_resume(self):
        tools, path = self.slow_batch("sigint")
        keys = self.conv_keys(path)
        ref = self.reference([path], "--concurrency", "4")
        run = os.path.join(self.tmp, "run")
        proc = self.spawn(["review", path, "-o", run, "--concurrency", "4"])
        # Stop once some reviews are journaled, long before the end.
        self.wait_for(lambda: len(journal_pairs(run)) >= 4, proc,
                      what="4 journaled reviews")
        self.assertIsNone(proc.poll())
        proc.send_signal(signal.SIGINT)
        code = self.wait_exit(proc, timeout=20)
        err = self.stderr_of(proc)
        self.assertEqual(code, 130, self.describe_proc(proc))
        self.assertIn("interrupted (SIGINT)", err)
        self.assertIn("--resume", err)
        totals = read_summary(run)["totals"]
        self.assertEqual(totals["stopped"], "SIGINT", totals)
        journaled = journal_pairs(run)
        self.assertLess(len(journaled), len(keys), "the stop came too late")
        # Requests in flight at the signal were let finish (grace 30 s) and
        # journaled; a written scorecard has all its reviews journaled.
        self.assertEqual(len(journaled), len(set(journaled)))
        for name in scorecard_files(run):
            if name.endswith(".json"):
                slug = name[:-5]
                self.assertTrue(all((slug, p) in journaled for p in PANEL),
                                slug)
        log = wait_log_quiet(self.server, quiet=0.2)
        self.assertResumeCompletes(path, run, ref, keys, len(log), journaled)

    def test_sigterm_exits_143(self):
        tools, path = self.slow_batch("sigterm")
        run = os.path.join(self.tmp, "run")
        proc = self.spawn(["review", path, "-o", run, "--concurrency", "4"])
        self.wait_for(lambda: len(journal_pairs(run)) >= 4, proc,
                      what="4 journaled reviews")
        proc.send_signal(signal.SIGTERM)
        code = self.wait_exit(proc, timeout=20)
        err = self.stderr_of(proc)
        self.assertEqual(code, 143, self.describe_proc(proc))
        self.assertIn("terminated (SIGTERM)", err)
        self.assertIn("--resume", err)
        self.assertEqual(read_summary(run)["totals"]["stopped"], "SIGTERM")

    def test_deadline_then_resume(self):
        tools, path = self.slow_batch("deadline")
        keys = self.conv_keys(path)
        ref = self.reference([path], "--concurrency", "4")
        run = os.path.join(self.tmp, "run")
        res = self.review([path], "--concurrency", "4", "--deadline", "1s",
                          out=run)
        self.assertExit(res, 1)
        self.assertIn("deadline", res.stderr)
        self.assertIn("--resume", res.stderr)
        # Work in flight at the deadline may finish (300 ms), no more; that
        # the run stopped short is proven below (fewer journaled reviews
        # than keys), so the clock bound only needs to catch a run that
        # ignores the deadline, with room for a loaded CI machine.
        self.assertLess(res.seconds, 5.0, res.stderr)
        self.assertGreaterEqual(res.seconds, 1.0, res.stderr)
        totals = read_summary(run)["totals"]
        self.assertEqual(totals["stopped"], "deadline", totals)
        journaled = journal_pairs(run)
        self.assertGreater(len(journaled), 0)
        self.assertLess(len(journaled), len(keys))
        log = wait_log_quiet(self.server, quiet=0.2)
        self.assertEqual(len(log), totals["requests"], totals)
        self.assertResumeCompletes(path, run, ref, keys, len(log), journaled)

    def test_deadline_as_utc_time_in_any_timezone(self):
        tools, path = self.slow_batch("utc")
        run = os.path.join(self.tmp, "run")
        # 24 requests one at a time take 7.2 s; the deadline is 2 s away in
        # UTC, whatever the local zone (here UTC+5:30, no tzdata needed).
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                             time.gmtime(time.time() + 2))
        res = self.review([path], "--concurrency", "1", "--deadline", when,
                          out=run, env=self.base_env(TZ="XYZ-5:30"))
        self.assertExit(res, 1)
        self.assertIn("deadline reached", res.stderr)
        self.assertLess(res.seconds, 4.0, res.stderr)
        self.assertEqual(read_summary(run)["totals"]["stopped"], "deadline")

    def test_deadline_usage_errors(self):
        path = self.write_json("d.json", make_tool("Deadline One",
                                                   slug="deadline-one"))
        for bad in ("soon", "2020-01-01T00:00:00Z", "9000h", "-5m",
                    "2026-13-01"):
            with self.subTest(deadline=bad):
                res = self.review([path], "--deadline", bad)
                self.assertExit(res, 2)
                self.assertIn("--deadline", res.stderr)
        self.assertEqual(self.log(), [])

    def test_stop_does_not_count_unsent_reviews_as_failed(self):
        # Reviews a stop abandons unsent (queued, waiting on --rpm or a
        # retry, or canceled in flight) did not fail: --resume redoes them.
        # (Regression: finish_tool() in src/review/engine.c once counted them in
        # reviews_failed and reported each as "review failed after 0
        # attempts, 0 retries: unknown error"; SK_REVIEW_PENDING fixed it.)
        path = self.write_json("q.json", make_tool("Queued Tool",
                                                   slug="queued"))
        run = os.path.join(self.tmp, "run")
        # --rpm 6: a burst of one request, then one every 10 s, so the other
        # three reviews wait in the queue when SIGINT comes.
        proc = self.spawn(["review", path, "-o", run, "--rpm", "6"])
        self.wait_for(lambda: len(journal_pairs(run)) >= 1, proc,
                      what="the first review")
        proc.send_signal(signal.SIGINT)
        code = self.wait_exit(proc, timeout=10)
        err = self.stderr_of(proc)
        self.assertEqual(code, 130, self.describe_proc(proc))
        totals = read_summary(run)["totals"]
        self.assertEqual((totals["requests"], totals["tools"],
                          totals["tools_unfinished"]), (1, 0, 1), totals)
        # The three unsent reviews are redone by --resume.
        res = self.review([path], "--resume", out=run)
        self.assertExit(res, 0)
        self.assertEqual(read_summary(run)["totals"]["requests"], 3)
        self.assertEqual(len(self.log()), 4)
        # What the stop itself reported:
        self.assertNotIn("review failed", err, err)
        self.assertEqual(totals["reviews_failed"], 0, totals)


class TestSecondSignal(BatchCase):

    server_opts = {"stall_ms": 10000}

    def test_second_sigint_cancels_stalled_requests(self):
        tools = [make_tool("Quick Tool A", slug="quick-a"),
                 make_tool("Quick Tool B", slug="quick-b"),
                 make_tool("Stuck Tool A", "fake:stall-always",
                           slug="stuck-a"),
                 make_tool("Stuck Tool B", "fake:stall-always",
                           slug="stuck-b")]
        path = self.write_jsonl("stall.jsonl", tools)
        run = os.path.join(self.tmp, "run")
        events = os.path.join(self.tmp, "events.jsonl")
        proc = self.spawn(["review", path, "-o", run, "--concurrency", "8",
                           "--grace", "30", "--log-json", events])

        def requests_sent():
            try:
                return sum(1 for e in events_of(events)
                           if e["event"] == "request")
            except (OSError, ValueError):
                return 0
        # The quick tools end at once; then 8 stalled requests are in flight.
        self.wait_for(lambda: len(journal_pairs(run)) >= 8
                      and requests_sent() >= 16, proc,
                      what="8 stalled requests in flight")
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        # The first SIGINT lets requests in flight run (grace 30 s).
        time.sleep(0.7)
        self.assertIsNone(proc.poll(), "exited on the first SIGINT while "
                          "requests were in flight" + self.describe_proc(proc))
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = self.wait_exit(proc, timeout=30)
        took = time.monotonic() - t0
        err = self.stderr_of(proc)
        self.assertLess(took, 3.0, f"{took:.1f} s after the second SIGINT"
                        + self.describe_proc(proc))
        self.assertEqual(code, 130, self.describe_proc(proc))
        self.assertIn("second SIGINT", err)
        self.assertIn("--resume", err)
        # Canceled reviews are not results: not journaled, not written.
        pairs = journal_pairs(run)
        self.assertEqual(sorted(pairs), sorted(
            (s, p) for s in ("quick-a", "quick-b") for p in PANEL))
        self.assertEqual(sorted(scorecard_files(run)), sorted(
            f"{s}.{x}" for s in ("quick-a", "quick-b")
            for x in ("json", "md")))
        totals = read_summary(run)["totals"]
        self.assertEqual(totals["stopped"], "SIGINT", totals)
        self.assertEqual(totals["tools_unfinished"], 2, totals)
        # Canceled is not failed.
        self.assertEqual((totals["reviews_ok"], totals["reviews_failed"]),
                         (8, 0), totals)
        self.assertNotIn("review failed", err)


# --------------------------------------------------------------------------
# 5. --shard and merge
# --------------------------------------------------------------------------

def written(d):
    """The files merge wrote into d (its lock file aside), [] when none."""
    if not os.path.isdir(d):
        return []
    return sorted(n for n in os.listdir(d) if n != ".lock")


class TestShards(BatchCase):

    def test_shards_cover_the_batch_and_merge(self):
        tools = [make_tool(f"Shard Tool {i}", slug=f"shard-{i:02d}")
                 for i in range(14)]
        # One failed review, so failures travel through the merge too.
        tools.append(make_tool("Shard Failing", "fake:no-score-always@founder",
                               slug="shard-failing"))
        slugs = sorted(t["slug"] for t in tools)
        path = self.write_jsonl("shards.jsonl", tools)
        ref = self.reference([path], "--max-attempts", "1")
        shards = []
        for i in (1, 2, 3):
            d = os.path.join(self.tmp, f"s{i}")
            res = self.review([path], "--shard", f"{i}/3", "--max-attempts",
                              "1", out=d)
            self.assertIn(res.returncode, (0, 1), self.describe(res))
            shards.append(d)
        owned = []
        for d in shards:
            names = scorecard_files(d)
            mine = sorted(n[:-5] for n in names if n.endswith(".json"))
            self.assertEqual(sorted(names), sorted(
                f"{s}.{x}" for s in mine for x in ("json", "md")))
            owned.append(mine)
            t = read_summary(d)["totals"]
            self.assertEqual(t["tools"], len(mine), t)
            self.assertEqual(t["tools_skipped_by_shard"],
                             len(tools) - len(mine), t)
        everything = [s for mine in owned for s in mine]
        self.assertEqual(sorted(everything), slugs,
                         f"each tool in exactly one shard: {owned}")
        self.assertGreaterEqual(sum(1 for mine in owned if mine), 2, owned)
        # Across the shards, each review was requested exactly once.
        self.assertEqual(len(self.log()), len(tools) * len(PANEL))

        merged = os.path.join(self.tmp, "merged")
        res = self.run_cli(["merge", *shards, "-o", merged], common=False)
        self.assertExit(res, 0)
        self.assertSameScorecards(merged, ref)
        self.assertFalse(os.path.exists(os.path.join(merged,
                                                     "journal.jsonl")))
        m = read_summary(merged)
        parts = [read_summary(d) for d in shards]
        self.assertEqual([r["slug"] for r in m["tools"]], slugs)
        self.assertEqual(m["tools"], read_summary(ref)["tools"])
        for k in SUMMARY_NUMBERS:
            if k == "tools_skipped_by_shard":
                continue  # what one shard skipped, another reviewed
            self.assertEqual(m["totals"][k],
                             sum(p["totals"][k] for p in parts), k)
        self.assertEqual(m["totals"]["tools_skipped_by_shard"], 0)
        # Each summary records its shard and the input it read.
        for i, p in enumerate(parts, 1):
            self.assertEqual((p["shard"]["index"], p["shard"]["count"],
                              p["shard"]["input_tools"]),
                             (i, 3, len(tools)))
            self.assertEqual(p["inputs_digest"], parts[0]["inputs_digest"])
        self.assertRegex(parts[0]["inputs_digest"], "^[0-9a-f]{64}$")
        self.assertEqual(m["shard"], {"count": 3, "merged": [1, 2, 3],
                                      "missing": [], "input_tools": 15,
                                      "input_records_bad": 0})
        self.assertEqual(m["inputs_digest"], parts[0]["inputs_digest"])
        for c in CAUSES:
            self.assertEqual(m["totals"]["retries_by_cause"][c],
                             sum(p["totals"]["retries_by_cause"][c]
                                 for p in parts), c)
        self.assertEqual((m["totals"]["tools"], m["totals"]["reviews_ok"],
                          m["totals"]["reviews_failed"]),
                         (len(tools), len(tools) * 4 - 1, 1))
        with open(os.path.join(merged, "summary.csv"), encoding="utf-8") as f:
            merged_csv = f.read()
        with open(os.path.join(ref, "summary.csv"), encoding="utf-8") as f:
            self.assertEqual(merged_csv, f.read())

    def test_merge_refuses_overlapping_different_dirs(self):
        tools = [make_tool(f"Overlap Tool {i}", slug=f"overlap-{i}")
                 for i in range(3)]
        path = self.write_jsonl("overlap.jsonl", tools)
        a = os.path.join(self.tmp, "a")
        self.assertExit(self.review([path], out=a), 0)
        b = os.path.join(self.tmp, "b")
        shutil.copytree(a, b)
        card = read_json(os.path.join(b, "overlap-1.json"))
        card["reviews"][0]["score"] = (card["reviews"][0]["score"] + 1) % 100
        with open(os.path.join(b, "overlap-1.json"), "w") as f:
            json.dump(card, f, indent=2)
        merged = os.path.join(self.tmp, "merged")
        # Two runs of the whole batch are shard 1/1 twice: not a set.
        res = self.run_cli(["merge", a, b, "-o", merged], common=False)
        self.assertExit(res, 1)
        self.assertIn(f"shard 1/1 is in both {a} and {b}", res.stderr)
        self.assertEqual(written(merged), [])
        # Taken as a repeated shard anyway, the copies must agree.
        res = self.run_cli(["merge", a, b, "-o", merged, "--allow-partial"],
                           common=False)
        self.assertExit(res, 1)
        self.assertIn("overlap-1.json", res.stderr)
        self.assertIn(b, res.stderr)
        self.assertIn("differs", res.stderr)

    def shard_set(self, name, tools, count, *which, bad_line=False):
        """Reviews shards `which` of `count` of tools; returns their dirs."""
        path = os.path.join(self.tmp, f"{name}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for t in tools:
                f.write(json.dumps(t) + "\n")
            if bad_line:
                f.write("{not json}\n")
        dirs = []
        for i in which:
            d = os.path.join(self.tmp, f"{name}-{i}of{count}-{len(dirs)}")
            res = self.review([path], "--shard", f"{i}/{count}", out=d)
            self.assertIn(res.returncode, (0, 1), self.describe(res))
            dirs.append(d)
        return dirs

    def merge(self, dirs, *opts):
        merged = os.path.join(self.tmp, "merged")
        shutil.rmtree(merged, ignore_errors=True)
        return merged, self.run_cli(["merge", *dirs, "-o", merged, *opts],
                                    common=False)

    def test_merge_refuses_incomplete_and_mixed_sets(self):
        tools = [make_tool(f"Set Tool {i}", slug=f"set-{i:02d}")
                 for i in range(8)]
        s1, s2 = self.shard_set("x", tools, 2, 1, 2, bad_line=True)
        (t1,) = self.shard_set("x", tools, 3, 1, bad_line=True)
        (y2,) = self.shard_set("y", tools[:5], 2, 2)
        one = read_summary(s1)["totals"]
        self.assertGreater(one["tools_skipped_by_shard"], 0)
        self.assertEqual(one["records_bad"], 1)

        # A complete set: nothing skipped, the bad line counted once.
        merged, res = self.merge([s2, s1])
        self.assertExit(res, 0)
        m = read_summary(merged)
        self.assertEqual(m["totals"]["tools_skipped_by_shard"], 0)
        self.assertEqual(m["totals"]["records_bad"], 1)
        self.assertEqual(m["totals"]["tools"], len(tools))
        self.assertEqual(m["shard"]["missing"], [])

        # A shard stopped early (what --deadline leaves: input_done false,
        # no digest) is not a whole shard.
        stopped = os.path.join(self.tmp, "stopped")
        shutil.copytree(s2, stopped)
        doc = read_summary(stopped)
        doc["totals"].update(input_done=False, stopped="deadline")
        doc["inputs_digest"] = None
        with open(os.path.join(stopped, "summary.json"), "w") as f:
            json.dump(doc, f, indent=2)
        cases = [
            ([s1], "shard 2/2 is missing"),
            ([s1, stopped], f"{stopped} did not read its whole input "
                            "(stopped: deadline)"),
            ([s1, s1, s2], f"shard 1/2 is in both {s1} and {s1}; taken once"),
            ([s1, s2, t1], f"{t1} is a shard of 3, but {s1} of 2; left out"),
            ([s1, y2], f"{s1} and {y2} were made from different inputs "
                       "(their inputs_digest differs)"),
        ]
        for dirs, msg in cases:
            with self.subTest(msg=msg):
                merged, res = self.merge(dirs)
                self.assertExit(res, 1)
                self.assertIn(f"shipskip: merge: {msg}\n", res.stderr)
                self.assertIn("not a complete set of shards", res.stderr)
                self.assertIn("--allow-partial", res.stderr)
                self.assertEqual(written(merged), [])

        # --allow-partial merges what there is and says what is missing;
        # the tools of the missing shard are the ones skipped.
        merged, res = self.merge([s1], "--allow-partial")
        self.assertExit(res, 0)
        self.assertIn("shard 2/2 is missing (merged anyway: "
                      "--allow-partial)", res.stderr)
        m = read_summary(merged)
        self.assertEqual(m["shard"]["merged"], [1])
        self.assertEqual(m["shard"]["missing"], [2])
        self.assertEqual(m["totals"]["tools_skipped_by_shard"],
                         one["tools_skipped_by_shard"])
        self.assertIsNone(m["inputs_digest"])
        self.assertIs(m["totals"]["input_done"], False)

    def test_bad_shard_is_usage_error(self):
        path = self.write_json("one.json", make_tool("Shard One", slug="one"))
        for bad in ("0/3", "4/3", "x", "1/0", "2/3x"):
            with self.subTest(shard=bad):
                res = self.review([path], "--shard", bad)
                self.assertExit(res, 2)
                self.assertIn("--shard", res.stderr)
        self.assertEqual(self.log(), [])


# --------------------------------------------------------------------------
# 6. --rpm and --tpm
# --------------------------------------------------------------------------

class TestRateLimits(BatchCase):

    def batch(self):
        tools = [make_tool(f"Rate Tool {i}", slug=f"rate-{i}")
                 for i in range(7)]
        return self.write_jsonl("rate.jsonl", tools)

    def check_run(self, res, out):
        self.assertExit(res, 0)
        totals = read_summary(out)["totals"]
        self.assertEqual((totals["reviews_ok"], totals["requests"],
                          totals["retries"]), (28, 28, 0), totals)

    def test_rpm(self):
        path = self.batch()
        free = self.review([path], out=os.path.join(self.tmp, "free"))
        self.check_run(free, os.path.join(self.tmp, "free"))
        self.assertLess(free.seconds, 2.0, "an unlimited run is not fast")

        out = os.path.join(self.tmp, "rpm")
        events = os.path.join(self.tmp, "rpm-events.jsonl")
        # 120 rpm: a burst of 20 (ten seconds' worth), then 2 a second, so
        # the 28th request goes out at about 4 s.
        res = self.review([path], "--rpm", "120", "--log-json", events,
                          out=out)
        self.check_run(res, out)
        self.assertGreaterEqual(res.seconds, 3.0, res.stderr)
        self.assertLess(res.seconds, 15.0, res.stderr)
        sent = sorted(e["ms"] for e in events_of(events)
                      if e["event"] == "request")
        self.assertEqual(len(sent), 28)
        self.assertLessEqual(sum(1 for ms in sent if ms < 1000), 22, sent)
        self.assertGreaterEqual(sent[-1], 3000, sent)
        log = self.log()
        self.assertEqual(len(log), 56)
        self.assertNotIn(429, [e["status"] for e in log])
        self.assertSameScorecards(out, os.path.join(self.tmp, "free"))

    def test_tpm(self):
        path = self.batch()
        free_dir = os.path.join(self.tmp, "free")
        free = self.review([path], out=free_dir)
        self.check_run(free, free_dir)
        self.assertLess(free.seconds, 2.0)
        t = read_summary(free_dir)["totals"]
        per_request = (t["prompt_tokens"] + t["completion_tokens"]) / 28
        # Capacity is ten seconds' worth (tpm / 6); 28 requests of A tokens
        # at tpm = 112 A need 60 * 28 A / tpm - 10 = 5 s.
        tpm = int(112 * per_request)
        out = os.path.join(self.tmp, "tpm")
        res = self.review([path], "--tpm", str(tpm), out=out)
        self.check_run(res, out)
        self.assertGreaterEqual(res.seconds, 3.0,
                                f"--tpm {tpm}: {res.stderr}")
        self.assertLess(res.seconds, 20.0, res.stderr)
        self.assertNotIn(429, [e["status"] for e in self.log()])
        self.assertSameScorecards(out, free_dir)


# --------------------------------------------------------------------------
# 7. A journaled review is reused only for the same inputs
# --------------------------------------------------------------------------

class TestJournalInvalidation(BatchCase):

    def test_changed_tool_and_persona_are_redone(self):
        tools = [make_tool(f"Journal Tool {i}", slug=f"journal-{i}")
                 for i in range(4)]
        path = self.write_jsonl("j.jsonl", tools)
        res = self.review([path])
        self.assertExit(res, 0)
        self.assertEqual(len(self.log()), 16)
        before = scorecard_files(self.out)

        # One description changes: only that tool is asked again.
        tools[2]["description"] += " It now also watches the lockfile."
        path = self.write_jsonl("j.jsonl", tools)
        keys = self.conv_keys(path)
        res = self.review([path], "--resume")
        self.assertExit(res, 0)
        new = self.log()[16:]
        self.assertEqual(sorted(e["conv_key"] for e in new),
                         sorted(keys[("journal-2", p)] for p in PANEL), new)
        self.assertEqual(int(REUSED_RE.search(res.stderr).group(1)), 12,
                         res.stderr)
        after = scorecard_files(self.out)
        self.assertEqual(sorted(n for n in after if after[n] != before[n]),
                         ["journal-2.json", "journal-2.md"])
        self.assertEqual(self.scorecard("journal-2")["tool"]["description"],
                         tools[2]["description"])

        # A persona changes: every review of that persona is redone.
        pdir = os.path.join(self.tmp, "personas")
        shutil.copytree(PERSONAS_DIR, pdir)
        skeptic = read_json(os.path.join(pdir, "skeptic.json"))
        skeptic["lens"] += " You read the changelog before the launch post."
        with open(os.path.join(pdir, "skeptic.json"), "w") as f:
            json.dump(skeptic, f, indent=2)
        res = self.review([path], "--resume", "--personas-dir", pdir)
        self.assertExit(res, 0)
        new = self.log()[20:]
        self.assertEqual(len(new), 4, new)
        self.assertEqual({e["persona"] for e in new}, {"skeptic"})
        self.assertEqual(sorted(e["conv_key"] for e in new),
                         sorted(keys[(t["slug"], "skeptic")] for t in tools))
        self.assertEqual(int(REUSED_RE.search(res.stderr).group(1)), 12,
                         res.stderr)
        totals = read_summary(self.out)["totals"]
        self.assertEqual((totals["reviews_resumed"], totals["requests"]),
                         (12, 4), totals)


    def test_unreadable_middle_line_is_redone(self):
        tools = [make_tool(f"Garbled Journal {i}", slug=f"garbled-{i}")
                 for i in range(2)]
        path = self.write_jsonl("g.jsonl", tools)
        self.assertExit(self.review([path]), 0)
        before = scorecard_files(self.out)
        jpath = os.path.join(self.out, "journal.jsonl")
        with open(jpath, encoding="utf-8") as f:
            lines = f.readlines()
        lost = json.loads(lines[3])
        lines[3] = "{not json\n"
        with open(jpath, "w", encoding="utf-8") as f:
            f.writelines(lines)
        keys = self.conv_keys(path)
        res = self.review([path], "--resume")
        self.assertExit(res, 0)
        self.assertIn(f"{jpath}:4: unreadable journal line ignored",
                      res.stderr)
        new = self.log()[8:]
        self.assertEqual([e["conv_key"] for e in new],
                         [keys[(lost["tool"], lost["persona"])]])
        self.assertEqual(int(REUSED_RE.search(res.stderr).group(1)), 7)
        self.assertEqual(scorecard_files(self.out), before)


# --------------------------------------------------------------------------
# 8. --log-json
# --------------------------------------------------------------------------

class TestLogJson(BatchCase):

    def test_events(self):
        tools = [make_tool("Log Tool Clean", slug="log-clean"),
                 make_tool("Log Tool Retry", "fake:500-once@builder",
                           slug="log-retry"),
                 make_tool("Log Tool Reask", "fake:no-score-once@skeptic",
                           slug="log-reask")]
        path = self.write_jsonl("log.jsonl", tools)
        events_path = os.path.join(self.tmp, "events.jsonl")
        res = self.review([path], "--log-json", events_path)
        self.assertExit(res, 0)
        with open(events_path, encoding="utf-8") as f:
            raw = f.read()
        self.assertNotIn(API_KEY, raw)
        events = events_of(events_path)
        for ev in events:
            self.assertIsInstance(ev, dict)
            self.assertIsInstance(ev.get("event"), str, ev)
            self.assertIsInstance(ev.get("ms"), (int, float), ev)
        ms = [ev["ms"] for ev in events]
        self.assertEqual(ms, sorted(ms), "ms goes backwards")
        kinds = {}
        for ev in events:
            kinds.setdefault(ev["event"], []).append(ev)
        for k in ("request", "response", "review", "tool", "retry", "reask"):
            self.assertIn(k, kinds, sorted(kinds))
        log = self.log()
        self.assertEqual(len(kinds["request"]), len(log))
        self.assertEqual(len(kinds["response"]), len(log))
        self.assertEqual(len(kinds["review"]), 12)
        self.assertEqual(sorted(e["tool"] for e in kinds["tool"]),
                         sorted(t["slug"] for t in tools))
        self.assertEqual([(e["tool"], e["persona"], e["cause"])
                          for e in kinds["retry"]],
                         [("log-retry", "builder", "5xx")])
        self.assertEqual([(e["tool"], e["persona"]) for e in kinds["reask"]],
                         [("log-reask", "skeptic")])
        self.assertTrue(any(r.startswith("no SCORE line")
                            for r in kinds["reask"][0]["reasons"]),
                        kinds["reask"])
        for e in kinds["review"]:
            self.assertEqual(e["status"], "ok", e)
        self.assertNotIn("stop", kinds)

        # "-" writes the same events to stderr.
        before = len(log)
        res = self.review([path], "--log-json", "-",
                          out=os.path.join(self.tmp, "out2"))
        self.assertExit(res, 0)
        lines = [l for l in res.stderr.splitlines() if l.startswith("{")]
        events = events_of("\n".join(lines), from_text=True)
        for ev in events:
            self.assertIn("event", ev)
            self.assertIn("ms", ev)
        new = len(self.log()) - before
        self.assertEqual(sum(1 for e in events if e["event"] == "request"),
                         new)
        self.assertEqual(sum(1 for e in events if e["event"] == "review"),
                         12)
        self.assertNotIn(API_KEY, res.stderr)


# --------------------------------------------------------------------------
# 9. summary.json and summary.csv
# --------------------------------------------------------------------------

class TestSummary(BatchCase):

    def test_csv_rows_match_json_and_scorecards(self):
        # Written out of slug order, to see the rows sorted.
        tools = [
            make_tool("Delta Summary", "fake:401-always", slug="delta"),
            make_tool("Alpha Summary", slug="alpha"),
            make_tool("Charlie Summary",
                      "fake:400-always@builder fake:no-score-always@founder",
                      slug="charlie"),
            make_tool("Bravo Summary", "fake:no-score-always@founder",
                      slug="bravo"),
        ]
        path = self.write_jsonl("sum.jsonl", tools)
        res = self.review([path], "--max-attempts", "2")
        self.assertExit(res, 1)
        summ = read_summary(self.out)
        rows = summ["tools"]
        slugs = sorted(t["slug"] for t in tools)
        self.assertEqual([r["slug"] for r in rows], slugs)
        with open(os.path.join(self.out, "summary.csv"),
                  encoding="utf-8", newline="") as f:
            text = f.read()
        self.assertTrue(text.endswith("\n"))
        table = list(csv.reader(io.StringIO(text)))
        header = table[0]
        self.assertEqual(text.split("\n", 1)[0], ",".join(header),
                         "the header is not quoted")
        # The documented columns, in order, slug first and failures last;
        # a column added since (cost_usd) must be a summary.json row key.
        documented = CSV_HEADER.split(",")
        self.assertEqual([c for c in header if c in documented], documented,
                         header)
        self.assertEqual((header[0], header[-1]), ("slug", "failures"))
        extra = [c for c in header if c not in documented]
        body = table[1:]
        self.assertEqual([r[0] for r in body], slugs)
        for row, js in zip(body, rows):
            slug = js["slug"]
            with self.subTest(tool=slug):
                card = self.scorecard(slug)
                panel = card["panel"]
                self.assertEqual(len(row), len(header), row)
                cells = dict(zip(header, row))
                self.assertEqual(cells["verdict"], js["verdict"] or "")
                for k in ("ships", "skips", "failed", "prompt_tokens",
                          "completion_tokens"):
                    self.assertEqual(int(cells[k]), js[k], k)
                if js["ship_percent"] is None:
                    self.assertEqual((cells["ship_percent"],
                                      cells["mean_score"]), ("", ""))
                else:
                    self.assertEqual(int(cells["ship_percent"]),
                                     js["ship_percent"])
                    self.assertEqual(cells["mean_score"],
                                     f"{js['mean_score']:.1f}")
                for k in extra:
                    self.assertIn(k, js, f"CSV column {k} is not in "
                                  f"summary.json")
                    if js[k] is None:
                        self.assertEqual(cells[k], "", k)
                    elif isinstance(js[k], (int, float)):
                        self.assertAlmostEqual(float(cells[k]), js[k],
                                               places=6, msg=k)
                self.assertEqual(cells["failures"], "|".join(js["failures"]))
                # And summary.json says what the scorecard says.
                self.assertEqual(js["verdict"], panel["verdict"])
                for k in ("ships", "skips", "failed", "ship_percent",
                          "mean_score"):
                    self.assertEqual(js[k], panel[k], k)
                self.assertEqual(js["prompt_tokens"],
                                 card["usage"]["prompt_tokens"])
                self.assertEqual(js["completion_tokens"],
                                 card["usage"]["completion_tokens"])
                want = [f"{r['persona']}: " + "; ".join(r["errors"])
                        for r in card["reviews"] if r["status"] != "ok"]
                self.assertEqual(js["failures"], want)
        cells = {r[0]: r[-1] for r in body}
        self.assertEqual(cells["alpha"], "")
        self.assertRegex(cells["bravo"], r"^founder: .*no SCORE line")
        self.assertRegex(cells["charlie"],
                         r"^builder: .*HTTP 400.*\|founder: .*no SCORE line")
        self.assertEqual(cells["delta"].count("|"), 3)
        self.assertIn("HTTP 401", cells["delta"])
        t = summ["totals"]
        self.assertEqual((t["tools"], t["tools_complete"],
                          t["tools_with_failed_reviews"], t["reviews_ok"],
                          t["reviews_failed"]), (4, 1, 3, 9, 7), t)
        self.assertEqual(t["requests"], len(self.log()))
        self.assertEqual(t["reasks"], 2, t)  # bravo's and charlie's founder
        self.assertEqual(t["attempts"], 16 + 2, t)
        self.assertIsNone(t["stopped"])
        self.assertIs(t["input_done"], True)

    def test_wall_seconds_is_the_run_time(self):
        # Regression: sk_engine_run (src/review/engine.c) once read uv_now() for
        # totals.wall_seconds after uv_loop_close(); Debian's libuv (built
        # without NDEBUG) fills a closed loop with 0xff, so every summary
        # said "wall_seconds": -9223372036854776 (the (long) cast in
        # totals_json overflowing) and `merge`, keeping the largest, said 0.
        path = self.write_json("w.json", make_tool("Wall Tool", slug="wall"))
        res = self.review([path])
        self.assertExit(res, 0)
        wall = read_summary(self.out)["totals"]["wall_seconds"]
        self.assertGreaterEqual(wall, 0, f"wall_seconds {wall}")
        self.assertLessEqual(wall, res.seconds + 0.5, f"wall_seconds {wall}")
        merged = os.path.join(self.tmp, "merged")
        res = self.run_cli(["merge", self.out, "-o", merged], common=False)
        self.assertExit(res, 0)
        self.assertEqual(read_summary(merged)["totals"]["wall_seconds"], wall)


if __name__ == "__main__":
    unittest.main(verbosity=2)
