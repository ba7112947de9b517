#!/usr/bin/env python3
"""What a batch keeps through a power cut and a full disk (issue #17, and
item 9 of #18), against tests/fake_llm.py through the harness of
tests/test_batch.py.

- Group commit (the default): the journal is fsync'd once per window, not
  per line. SHIPSKIP_DEBUG_SYNCED_LOG makes shipskip log every journal
  length it knows to be on disk; cutting the journal back to one of them
  and tearing or deleting the scorecards that a power cut could have lost
  is a power cut at that moment. --resume must then redo only the reviews
  past the cut and write the uninterrupted run's scorecards.
- --durability strict: every line is on disk before the next is written.
- A full disk (SHIPSKIP_FAULT_ENOSPC_AFTER: files created after the first
  N fail with ENOSPC, while the journal's appends still fit): the run
  stops, only reviews that ran are journaled, and --resume with space
  again finishes every tool.

Run: python3 tests/test_durability.py [-v] [TestClass.test_name]
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import test_batch as tb  # noqa: E402

make_tool = tb.make_tool
PANEL = tb.PANEL


def synced_lengths(path):
    with open(path, encoding="ascii") as f:
        return [int(line) for line in f if line.strip()]


def journal_bytes(root):
    with open(os.path.join(root, "journal.jsonl"), "rb") as f:
        return f.read()


def complete_tools(lines):
    """Slugs whose every persona has a journal line."""
    seen = {}
    for j in lines:
        seen.setdefault(j["tool"], set()).add(j["persona"])
    return {slug for slug, ps in seen.items() if ps >= set(PANEL)}


class TestPowerCut(tb.BatchCase):

    # 30 tools x 4 personas at 8 in flight and 40 ms each: about 0.6 s,
    # a dozen 50 ms windows.
    server_opts = {"latency_ms": 40}
    NTOOLS = 30

    def batch(self):
        tools = [make_tool(f"Power Tool {i}", slug=f"power-{i:02d}")
                 for i in range(self.NTOOLS)]
        return self.write_jsonl("power.jsonl", tools)

    def test_power_cut_loses_only_the_unsynced_window(self):
        path = self.batch()
        nreviews = self.NTOOLS * len(PANEL)
        ref = self.reference([path], "--concurrency", "8")
        log_path = os.path.join(self.tmp, "synced.log")
        run = os.path.join(self.tmp, "run")
        res = self.review([path], "--concurrency", "8", out=run,
                          env=self.base_env(SHIPSKIP_DEBUG_SYNCED_LOG=log_path))
        self.assertExit(res, 0)
        data = journal_bytes(run)
        synced = synced_lengths(log_path)
        # Group commit: far fewer fsyncs than lines, each covering more,
        # the last covering the whole journal.
        self.assertEqual(synced, sorted(set(synced)), synced)
        self.assertEqual(synced[-1], len(data), synced)
        self.assertLess(len(synced), nreviews // 2, synced)
        middle = [n for n in synced if 0 < n < len(data)]
        self.assertTrue(middle, f"no sync before the end: {synced}")

        # The power cut: the journal as its last fsync left it, at a point
        # mid-batch; the scorecards of tools it does not hold complete are
        # gone, and one of a tool it holds is torn (written, never synced).
        cut = middle[len(middle) // 2]
        self.assertEqual(data[cut - 1:cut], b"\n")
        with open(os.path.join(run, "journal.jsonl"), "r+b") as f:
            f.truncate(cut)
        kept = tb.journal_lines(run)
        self.assertLess(len(kept), nreviews)
        whole = complete_tools(kept)
        for name in os.listdir(run):
            slug, ext = os.path.splitext(name)
            if ext in (".json", ".md") and slug.startswith("power-") \
                    and slug not in whole:
                os.unlink(os.path.join(run, name))
        os.unlink(os.path.join(run, "summary.json"))
        if whole:
            torn = os.path.join(run, sorted(whole)[0] + ".json")
            with open(torn, "r+b") as f:
                f.truncate(os.path.getsize(torn) // 2)

        before = len(tb.wait_log_quiet(self.server))
        res = self.review([path], "--concurrency", "8", "--resume", out=run)
        self.assertExit(res, 0)
        after = tb.wait_log_quiet(self.server)
        # Only the lost window is asked again, and the outputs are the
        # uninterrupted run's, byte for byte.
        self.assertEqual(len(after) - before, nreviews - len(kept),
                         res.stderr)
        self.assertEqual(int(tb.REUSED_RE.search(res.stderr).group(1)),
                         len(kept), res.stderr)
        self.assertSameScorecards(run, ref)
        self.assertEqual(len(tb.journal_lines(run)), nreviews)

    def test_strict_syncs_every_line(self):
        path = self.batch()
        nreviews = self.NTOOLS * len(PANEL)
        log_path = os.path.join(self.tmp, "strict.log")
        res = self.review([path], "--concurrency", "8", "--durability",
                          "strict",
                          env=self.base_env(SHIPSKIP_DEBUG_SYNCED_LOG=log_path))
        self.assertExit(res, 0)
        data = journal_bytes(self.out)
        ends = [i + 1 for i, b in enumerate(data) if b == ord("\n")]
        # One fsync per line, each before the next line is written.
        self.assertEqual(synced_lengths(log_path), ends)
        self.assertEqual(len(ends), nreviews)

    def test_kill_9_under_strict_then_resume(self):
        path = self.batch()
        nreviews = self.NTOOLS * len(PANEL)
        ref = self.reference([path], "--concurrency", "8")
        log_path = os.path.join(self.tmp, "killed.log")
        run = os.path.join(self.tmp, "run")
        env = self.base_env(SHIPSKIP_DEBUG_SYNCED_LOG=log_path)
        proc = tb.subprocess.Popen(
            [tb.BIN, "review", path, "-o", run, "--concurrency", "8",
             "--durability", "strict", "--base-url",
             f"http://127.0.0.1:{self.server.port}/v1", "--model", tb.MODEL,
             "--no-progress"], cwd=tb.REPO, env=env,
            stdin=tb.subprocess.DEVNULL, stdout=tb.subprocess.DEVNULL,
            stderr=tb.subprocess.DEVNULL)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        self.wait_for(lambda: len(tb.journal_lines(run)) >= 12, proc,
                      what="a dozen journal lines")
        proc.send_signal(tb.signal.SIGKILL)
        proc.wait()
        data = journal_bytes(run)
        whole = data[:data.rfind(b"\n") + 1]
        synced = synced_lengths(log_path)
        # Strict: every whole line but the one being fsync'd at the kill
        # was on disk before the next was written.
        self.assertLess(whole.count(b"\n"), nreviews)
        self.assertLessEqual(synced[-1], len(whole))
        self.assertLessEqual(whole[synced[-1]:].count(b"\n"), 1, synced)
        res = self.review([path], "--concurrency", "8", "--resume", out=run)
        self.assertExit(res, 0)
        self.assertSameScorecards(run, ref)

    def test_durability_usage(self):
        path = self.write_jsonl("u.jsonl", [make_tool("Usage Tool")])
        res = self.review([path, "--durability", "sometimes"])
        self.assertExit(res, 2)
        self.assertIn("--durability takes group or strict", res.stderr)
        res = self.run_cli(["review", "--help"], common=False)
        self.assertIn("(default group)", res.stdout)


class TestDiskFull(tb.BatchCase):

    # One request in flight, 50 ms each: when the first tool's scorecard
    # meets the full disk, the next tool's first review is in flight and
    # its other three are queued, never started.
    server_opts = {"latency_ms": 50}
    NTOOLS = 6

    def test_disk_full_then_resume_finishes_every_tool(self):
        tools = [make_tool(f"Full Tool {i}", slug=f"full-{i:02d}")
                 for i in range(self.NTOOLS)]
        path = self.write_jsonl("full.jsonl", tools)
        nreviews = self.NTOOLS * len(PANEL)
        ref = self.reference([path], "--concurrency", "1")
        run = os.path.join(self.tmp, "run")
        # The first file (a scorecard's JSON) fits, its Markdown does not.
        res = self.review([path], "--concurrency", "1", out=run,
                          env=self.base_env(SHIPSKIP_FAULT_ENOSPC_AFTER="1"))
        # Stopped with tools left unreviewed: exit 1, the disk named.
        self.assertExit(res, 1)
        self.assertIn("batch stopped", res.stderr)
        self.assertIn("No space left on device", res.stderr)
        lines = tb.journal_lines(run)
        self.assertGreater(len(lines), 0, res.stderr)
        self.assertLess(len(lines), nreviews, res.stderr)
        # Only reviews that ran are journaled: every one answered, none
        # failed for the disk.
        for j in lines:
            self.assertEqual((j["status"], j["errors"]), ("ok", []), j)
        ran = len(tb.wait_log_quiet(self.server))
        self.assertEqual(ran, len(lines), res.stderr)

        # Space again: the rest is done, nothing twice.
        res = self.review([path], "--concurrency", "1", "--resume", out=run)
        self.assertExit(res, 0)
        after = tb.wait_log_quiet(self.server)
        self.assertEqual(len(after), nreviews, res.stderr)
        self.assertSameScorecards(run, ref)
        totals = tb.read_summary(run)["totals"]
        self.assertEqual((totals["tools_complete"], totals["reviews_failed"]),
                         (self.NTOOLS, 0), totals)


class TestViewSync(tb.BatchCase):
    """Group commit syncs the scorecards during the run, every 2 s on the
    thread pool, so the end of the run syncs only what changed after the
    last pass began (src/review/viewsync.c)."""

    # 48 tools x 4 personas at 4 in flight and 100 ms each: about 5 s,
    # two passes.
    server_opts = {"latency_ms": 100}
    NTOOLS = 48

    def batch(self):
        tools = [make_tool(f"Synced Tool {i}", slug=f"synced-{i:02d}")
                 for i in range(self.NTOOLS)]
        return self.write_jsonl("synced.jsonl", tools)

    def read_log(self, path):
        passes, ends = [], []
        if not os.path.exists(path):
            return passes, ends
        with open(path, encoding="ascii") as f:
            for line in f:
                words = line.split()
                if words[0] == "pass":
                    passes.append(int(words[2]))
                elif words[0] == "end:":
                    ends.append(int(words[1]))
        return passes, ends

    def test_scorecards_are_synced_while_the_run_goes_on(self):
        path = self.batch()
        log_path = os.path.join(self.tmp, "views.log")
        res = self.review([path], "--concurrency", "4",
                          env=self.base_env(
                              SHIPSKIP_DEBUG_VIEWSYNC_LOG=log_path))
        self.assertExit(res, 0)
        cards = [n for n in os.listdir(self.out)
                 if n.startswith("synced-")]
        self.assertEqual(len(cards), 2 * self.NTOOLS)
        passes, ends = self.read_log(log_path)
        self.assertGreaterEqual(len(passes), 2, passes)
        self.assertEqual(len(ends), 1, ends)
        # Most scorecards were synced by the passes; the end of the run had
        # only the last couple of seconds' left.
        self.assertGreaterEqual(sum(passes), len(cards) // 2, passes)
        self.assertLess(ends[0], len(cards) // 2, ends)

    def test_strict_has_no_view_sync(self):
        path = self.batch()
        log_path = os.path.join(self.tmp, "views.log")
        res = self.review([path], "--concurrency", "8", "--durability",
                          "strict",
                          env=self.base_env(
                              SHIPSKIP_DEBUG_VIEWSYNC_LOG=log_path))
        self.assertExit(res, 0)
        self.assertEqual(self.read_log(log_path), ([], []))


if __name__ == "__main__":
    unittest.main(verbosity=2)
