"""Summary rows spilled to sorted runs (issue #17, src/review/rowspill.c)
write the same summary as rows kept in memory, end to end, against
tests/fake_llm.py through the harness of tests/test_batch.py.

A run of more tools than SK_SUMMARY_SPILL_ROWS (256) spills its rows to an
unlinked temporary file in OUTDIR and merges them at the end; shards of
fewer tools each keep theirs in memory, and `shipskip merge` of the shards
reads them back into memory. The full run, a --resume that takes every
review from the full run's journal, and the merge of the shards must give
one summary.csv and one list of tools in summary.json, byte for byte, and
leave nothing but their outputs in OUTDIR.

Run: python3 tests/test_summary_spill_e2e.py [-v]
"""

import os
import shutil
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import test_batch as tb  # noqa: E402

NTOOLS = 300  # > 256 rows: at least one spilled run and a tail


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def tools_text(root):
    """summary.json from its list of tools to the end: the rows' bytes."""
    data = read_bytes(os.path.join(root, "summary.json"))
    at = data.index(b'\n  "tools": [')
    return data[at:]


class TestSpilledSummary(tb.BatchCase):

    def test_spilled_resumed_and_merged_summaries_agree(self):
        tools = [tb.make_tool(f"Spill Tool {i}", slug=f"spill-{i:03d}")
                 for i in range(NTOOLS)]
        # Failed reviews, so the rows' failures travel through the spill.
        tools.append(tb.make_tool("Spill Failing",
                                  "fake:no-score-always@founder",
                                  slug="spill-failing"))
        path = self.write_jsonl("spill.jsonl", tools)
        opts = ("--max-attempts", "1", "--concurrency", "16")

        full = os.path.join(self.tmp, "full")
        res = self.review([path], *opts, out=full)
        self.assertExit(res, 1)  # the failing tool's review
        self.assertEqual(tb.read_summary(full)["totals"]["tools"],
                         len(tools))
        # The spill file was unlinked as soon as made.
        self.assertEqual(
            [n for n in os.listdir(full) if n.startswith(".")], [])

        # --resume in a folder holding only the journal: every review comes
        # from it, every row goes through the spill again.
        resumed = os.path.join(self.tmp, "resumed")
        os.mkdir(resumed)
        shutil.copy(os.path.join(full, "journal.jsonl"), resumed)
        res = self.review([path], *opts, "--resume", out=resumed)
        self.assertExit(res, 1)
        t = tb.read_summary(resumed)["totals"]
        self.assertEqual(t["reviews_resumed"], len(tools) * len(tb.PANEL), t)

        shards = []
        for i in (1, 2):
            d = os.path.join(self.tmp, f"shard{i}")
            res = self.review([path], *opts, "--shard", f"{i}/2", out=d)
            self.assertIn(res.returncode, (0, 1), self.describe(res))
            self.assertLess(tb.read_summary(d)["totals"]["tools"], 256)
            shards.append(d)
        merged = os.path.join(self.tmp, "merged")
        res = self.run_cli(["merge", *shards, "-o", merged], common=False)
        self.assertExit(res, 0)

        want_csv = read_bytes(os.path.join(merged, "summary.csv"))
        want_tools = tools_text(merged)
        for d in (full, resumed):
            self.assertEqual(read_bytes(os.path.join(d, "summary.csv")),
                             want_csv, d)
            self.assertEqual(tools_text(d), want_tools, d)
        self.assertIn(b"spill-failing", want_csv)


if __name__ == "__main__":
    unittest.main()
