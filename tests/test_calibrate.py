#!/usr/bin/env python3
"""shipskip calibrate against the fake LLM server (tests/fake_llm.py): the
panel's self-consistency (#19).

Tools with the marker fake:unstable get a reply picked with the request's
seed, so asking again with seed + 1 may flip the verdict; other tools get
the same reply whatever the seed. calibrate --repeat K must find exactly
the tools whose verdicts differ between its K repeats (read here from the
repeats' own scorecards), record each review's spread in the scorecards
it writes (which every reader, the site included, accepts), and replay
byte for byte from the fixtures it recorded.
"""

import json
import os
import statistics
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e as e2e  # noqa: E402  (the harness, not its tests)

K = 4
PERSONAS = ["builder", "skeptic", "futurist", "founder"]


def tools():
    return [e2e.make_tool(f"Wobbly {i}", "fake:unstable" if i < 2 else "")
            for i in range(5)]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_tree(root):
    out = {}
    for d, _, files in os.walk(root):
        for n in files:
            if n in ("journal.jsonl", "journal.jsonl.old", "summary.json",
                     "summary.csv"):
                continue
            with open(os.path.join(d, n), "rb") as f:
                out[os.path.relpath(os.path.join(d, n), root)] = f.read()
    return out


class TestCalibrate(e2e.E2ETestCase):
    def calibrate(self, tools_path, out, *opts, server=True):
        args = ["calibrate", tools_path, "-o", out, "--repeat", str(K),
                "--model", e2e.MODEL, "--no-progress", *opts]
        if server:
            args += ["--base-url", f"http://127.0.0.1:{self.server.port}/v1"]
        return self.run_cli(args, common=False)

    def test_unstable_tools_are_found(self):
        path = self.write_jsonl("tools.jsonl", tools())
        res = self.calibrate(path, self.out)
        self.assertExit(res, 0)
        # What the repeats say, persona by persona.
        verdicts, scores = {}, {}
        for k in range(K):
            rep = os.path.join(self.out, "repeats", str(k))
            for n in sorted(os.listdir(rep)):
                if not n.endswith(".json") or n == "summary.json":
                    continue
                card = load(os.path.join(rep, n))
                for r in card["reviews"]:
                    key = (r["persona"], card["tool"]["slug"])
                    verdicts.setdefault(key, []).append(r["verdict"])
                    scores.setdefault(key, []).append(r["score"])
        cal = load(os.path.join(self.out, "calibration.json"))
        self.assertEqual(cal["schema"], "shipskip.calibration/1")
        self.assertEqual(cal["repeats"], K)
        self.assertEqual(sorted(p["persona"] for p in cal["personas"]),
                         sorted(PERSONAS))
        flagged = set()
        for p in cal["personas"]:
            self.assertEqual((p["model"], p["tools"]), (e2e.MODEL, 5))
            want = sorted(s for (who, s), v in verdicts.items()
                          if who == p["persona"] and len(set(v)) > 1)
            self.assertEqual(p["unstable_tools"], want)
            self.assertEqual(p["unstable"], len(want))
            flagged.update(want)
            agree = statistics.mean(
                max(v.count("ship"), v.count("skip")) / K
                for (who, _), v in verdicts.items() if who == p["persona"])
            self.assertAlmostEqual(p["verdict_agreement"], agree, places=4)
            sd = statistics.mean(statistics.stdev(v) for (who, _), v in
                                 scores.items() if who == p["persona"])
            self.assertAlmostEqual(p["mean_score_sd"], sd, places=3)
        # Only the marked tools can flip, and with four repeats some do.
        self.assertTrue(flagged)
        self.assertLessEqual(flagged, {"wobbly-0", "wobbly-1"})
        for p in PERSONAS:
            self.assertIn(f"calibrate: {p} ({e2e.MODEL}): verdicts agree",
                          res.stderr)
        # Each review of DIR's scorecards carries its spread.
        for i in range(5):
            slug = f"wobbly-{i}"
            card = self.scorecard(slug)
            for r in card["reviews"]:
                v = verdicts[(r["persona"], slug)]
                self.assertEqual(r["calibration"], {
                    "repeats": K,
                    "score_sd": round(statistics.stdev(
                        scores[(r["persona"], slug)]), 4),
                    "verdicts": {"ship": v.count("ship"),
                                 "skip": v.count("skip")}})
                if i >= 2:  # unmarked: the seed changes nothing
                    self.assertEqual(r["calibration"]["score_sd"], 0)
        # Every reader takes the calibrated scorecards: the site does.
        res = self.run_cli(["site", self.out, "-o",
                            os.path.join(self.tmp, "site")], common=False)
        self.assertExit(res, 0)
        self.assertIn("5 tool pages", res.stderr)

    def test_record_then_replay(self):
        path = self.write_jsonl("tools.jsonl", tools())
        fx = os.path.join(self.tmp, "fx")
        first = os.path.join(self.tmp, "recorded")
        self.assertExit(self.calibrate(path, first, "--record", fx), 0)
        self.server.stop()  # a replay sends nothing
        again = os.path.join(self.tmp, "replayed")
        res = self.calibrate(path, again, "--replay", fx, server=False)
        self.assertExit(res, 0)
        a, b = read_tree(first), read_tree(again)
        self.assertEqual(sorted(a), sorted(b))
        self.assertIn("calibration.json", a)
        for name in a:
            self.assertEqual(a[name], b[name], name)

    def test_usage(self):
        path = self.write_jsonl("tools.jsonl", tools()[:1])
        res = self.run_cli(["calibrate", path, "-o", self.out, "--repeat",
                            "1"], common=False)
        self.assertExit(res, 2)
        res = self.run_cli(["calibrate", "-", "-o", self.out], common=False)
        self.assertExit(res, 2)
        self.assertIn("give a file, not -", res.stderr)
        res = self.run_cli(["calibrate", path], common=False)
        self.assertExit(res, 2)


if __name__ == "__main__":
    unittest.main()
