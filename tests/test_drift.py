#!/usr/bin/env python3
"""review --baseline DIR against the fake LLM server (tests/fake_llm.py):
drift between two runs (#19).

The fake server picks each reply from a hash of the model name, the persona
and the prompt, so the same tools reviewed under another model name get
other verdicts: a baseline run with model fake-1, then runs with fake-2,
must name exactly the tools whose panel verdict differs between the two
runs' scorecards, write them to summary.json's "drift", warn in one line,
and exit 1 only with --fail-on-drift. Reviewing with the baseline's own
model finds no drift.
"""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e as e2e  # noqa: E402  (the harness, not its tests)

TOOLS = 20


class TestDrift(e2e.E2ETestCase):
    def run_model(self, tools, out, model, *opts):
        return self.run_cli(
            ["review", tools, "-o", out, "--base-url",
             f"http://127.0.0.1:{self.server.port}/v1", "--model", model,
             "--no-progress", *opts], common=False)

    def verdicts(self, out):
        got = {}
        for n in os.listdir(out):
            if n.endswith(".json") and n != "summary.json":
                with open(os.path.join(out, n), encoding="utf-8") as f:
                    card = json.load(f)
                got[card["tool"]["slug"]] = card["panel"]["verdict"]
        return got

    def drift(self, out):
        with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
            return json.load(f)["drift"]

    def test_nightly_takes_the_previous_run_as_baseline(self):
        inbox = os.path.join(self.tmp, "inbox")
        os.mkdir(inbox)
        self.write_jsonl(os.path.join("inbox", "tools.jsonl"), [
            e2e.make_tool(f"Nightly {i:02d}") for i in range(6)])
        root = os.path.join(self.tmp, "nightly")
        env = self.base_env()
        env["SHIPSKIP_BIN"] = e2e.BIN
        url = f"http://127.0.0.1:{self.server.port}/v1"
        script = os.path.join(e2e.REPO, "scripts", "nightly.sh")
        for day, model in (("2026-12-01", "fake-1"), ("2026-12-02", "fake-2"),
                           ("2026-11-30", "fake-1")):
            env["SHIPSKIP_DATE"] = day
            env["SHIPSKIP_ARGS"] = f"--base-url {url} --model {model}"
            res = subprocess.run(["bash", script, inbox, root], env=env,
                                 capture_output=True, text=True, timeout=120)
            self.assertEqual(res.returncode, 0, res.stderr)
            with open(os.path.join(root, day, "summary.json"),
                      encoding="utf-8") as f:
                summary = json.load(f)
            if day == "2026-12-02":
                # The previous night, not the first one.
                self.assertIn("--baseline %s/2026-12-01" % root, res.stderr)
                self.assertEqual(summary["drift"]["baseline"],
                                 os.path.join(root, "2026-12-01"))
            else:
                # The first night (and a night dated before every other
                # run) has nothing earlier to compare with.
                self.assertNotIn("--baseline", res.stderr)
                self.assertNotIn("drift", summary)

    def test_flipped_tools_are_named(self):
        tools = self.write_jsonl("tools.jsonl", [
            e2e.make_tool(f"Drifter {i:02d}") for i in range(TOOLS)])
        base = os.path.join(self.tmp, "base")
        res = self.run_model(tools, base, "fake-1")
        self.assertExit(res, 0)

        now = os.path.join(self.tmp, "now")
        res = self.run_model(tools, now, "fake-2", "--baseline", base)
        self.assertExit(res, 0)  # drift alone does not fail the run
        vb, vn = self.verdicts(base), self.verdicts(now)
        want = sorted(s for s in vb if vb[s] != vn[s])
        self.assertGreater(len(want), 0, "the two models should differ")
        d = self.drift(now)
        self.assertEqual(d["baseline"], base)
        self.assertEqual(d["tools_compared"], TOOLS)
        self.assertEqual([f["slug"] for f in d["flipped"]], want)
        for f in d["flipped"]:
            self.assertEqual((f["baseline"], f["now"]),
                             (vb[f["slug"]], vn[f["slug"]]))
        warn = [ln for ln in res.stderr.splitlines() if "drift against" in ln]
        self.assertEqual(len(warn), 1, res.stderr)
        self.assertIn("%d of %d tools flipped verdict" % (len(want), TOOLS),
                      warn[0])
        self.assertIn(want[0], warn[0])
        # Each persona: the ship rates tested are the two runs' own, and a
        # figure is "moved" exactly when its p-value is below 0.01.
        self.assertEqual(sorted(p["persona"] for p in d["personas"]),
                         ["builder", "founder", "futurist", "skeptic"])
        for p in d["personas"]:
            for key in ("ship_rate", "mean_score"):
                t = p[key]
                self.assertEqual(t["moved"],
                                 t["status"] in ("ok", "no_variance")
                                 and t["p_value"] < 0.01, t)
            self.assertIn(p["ship_rate"]["test"],
                          ("fisher_exact", "two_proportion_z"))
            self.assertEqual(p["mean_score"]["test"], "welch_t")

        # --fail-on-drift turns the same drift into exit 1.
        res = self.run_model(tools, os.path.join(self.tmp, "now2"), "fake-2",
                             "--baseline", base, "--fail-on-drift")
        self.assertExit(res, 1)
        self.assertIn("drift against", res.stderr)

        # The baseline's own model: no drift, exit 0 even when failing on it.
        res = self.run_model(tools, os.path.join(self.tmp, "same"), "fake-1",
                             "--baseline", base, "--fail-on-drift")
        self.assertExit(res, 0)
        self.assertIn("no drift against", res.stderr)
        d = self.drift(os.path.join(self.tmp, "same"))
        self.assertEqual(d["flipped"], [])
        self.assertFalse(any(p[k]["moved"] for p in d["personas"]
                             for k in ("ship_rate", "mean_score")))

    def test_unreadable_baseline_warns(self):
        tools = self.write_jsonl("tools.jsonl", [e2e.make_tool("Lonely")])
        res = self.run_model(tools, self.out, "fake-1", "--baseline",
                             os.path.join(self.tmp, "nowhere"))
        self.assertExit(res, 0)
        self.assertIn("--baseline:", res.stderr)
        with open(os.path.join(self.out, "summary.json")) as f:
            self.assertNotIn("drift", json.load(f))

    def test_fail_on_drift_needs_a_baseline(self):
        tools = self.write_jsonl("tools.jsonl", [e2e.make_tool("Lonely")])
        res = self.run_model(tools, self.out, "fake-1", "--fail-on-drift")
        self.assertExit(res, 2)
        self.assertIn("--fail-on-drift needs --baseline", res.stderr)


if __name__ == "__main__":
    unittest.main()
