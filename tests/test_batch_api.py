#!/usr/bin/env python3
"""test_batch_api.py: `review --batch` through the providers' batch APIs
(issue 14), end to end against tests/fake_llm.py's batch endpoints.

- Each provider (OpenAI files + batches, Anthropic message batches, Gemini
  batchGenerateContent): a batch run gives the same scorecards as the
  online run of the same replies, apart from cost (half) and the summary.
- Without --wait the run exits 75 once its batches are sent, and --resume
  collects them when they have ended.
- A kill -9 at every step between sealing a batch and handing its results
  out, then --resume: nothing lost, nothing submitted twice (the fake
  server counts every custom id it was sent).
- Re-asks go out as a second round; per-line errors and expired lines are
  retried; a batch that fails as a whole is resubmitted once, and fails its
  reviews with the reason when it fails again; the provider's limits split
  a run into several batches.
- `batch status` and `batch cancel`, and a recorded batch run replayed
  offline byte for byte.

Environment: SHIPSKIP_BIN (default <repo>/build/shipskip).
Run with --tools N --provider P --measure to print one run's figures.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e as e2e  # noqa: E402
from test_outage import start_fake, stop  # noqa: E402

KEY = e2e.API_KEY
BASES = {"openai": "/v1", "anthropic": "", "gemini": ""}
KEY_VARS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY",
            "gemini": "GEMINI_API_KEY"}
KILL_STEPS = ["sealed", "uploading", "uploaded", "creating",
              "created-answer", "created", "polled", "downloaded",
              "collected"]


def write_tools(path, n, markers=None, prefix="batchtool"):
    with open(path, "w") as f:
        for i in range(n):
            extra = markers(i) if markers else ""
            f.write(json.dumps(e2e.make_tool(f"{prefix}-{i:05d}", extra)))
            f.write("\n")


def env_for(provider, port):
    env = dict(os.environ)
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
                "GEMINI_API_KEY", "GOOGLE_API_KEY",
                "SHIPSKIP_FAULT_BATCH_KILL"):
        env.pop(var, None)
    env[KEY_VARS[provider]] = KEY
    env["NO_PROXY"] = "*"
    return env


def review(provider, port, tools, outdir, *args, env_extra=None,
           timeout=300, model="fake-1"):
    env = env_for(provider, port)
    if env_extra:
        env.update(env_extra)
    cmd = [e2e.BIN, "review", tools, "-o", outdir, "--provider", provider,
           "--base-url", f"http://127.0.0.1:{port}{BASES[provider]}",
           "--model", model, "--no-progress", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env,
                          timeout=timeout)


def stats(port):
    with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/__batch_stats", timeout=10) as r:
        return json.load(r)


def cards(outdir):
    """Every scorecard of outdir without what differs by design: cost."""
    out = {}
    for path in sorted(glob.glob(os.path.join(outdir, "*.json"))):
        name = os.path.basename(path)
        if name.startswith("summary"):
            continue
        with open(path) as f:
            card = json.load(f)
        drop_cost(card)
        out[name] = card
    return out


def drop_cost(node):
    if isinstance(node, dict):
        for k in [k for k in node if "cost" in k]:
            del node[k]
        for v in node.values():
            drop_cost(v)
    elif isinstance(node, list):
        for v in node:
            drop_cost(v)


def summary(outdir):
    with open(os.path.join(outdir, "summary.json")) as f:
        return json.load(f)


class BatchCase(unittest.TestCase):
    fake_args = ("--batch-polls-pending", "1", "--batch-polls-running", "1")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sk-batchapi-")
        self.proc, self.port, _ = start_fake(self.tmp, "fake", latency_ms=0,
                                             extra=self.fake_args)

    def tearDown(self):
        stop(self.proc)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def tools(self, n, markers=None, name="tools.jsonl", prefix="batchtool"):
        path = os.path.join(self.tmp, name)
        write_tools(path, n, markers, prefix)
        return path

    def run_ok(self, provider, tools, outdir, *args, rc=0, **kw):
        """Runs review and checks its exit status."""
        r = review(provider, self.port, tools, outdir, *args, **kw)
        self.assertEqual(r.returncode, rc, r.stderr[-3000:])
        return r

    def assert_no_duplicates(self):
        st = stats(self.port)
        self.assertEqual(st["duplicate_custom_ids"], {}, st)
        return st


class SameAsOnline(BatchCase):
    def test_each_provider_gives_the_online_scorecards(self):
        tools = self.tools(30, lambda i: "fake:no-score-once@skeptic"
                           if i % 7 == 0 else "")
        for provider in ("openai", "anthropic", "gemini"):
            with self.subTest(provider=provider):
                online = os.path.join(self.tmp, f"{provider}-online")
                batch = os.path.join(self.tmp, f"{provider}-batch")
                model = {"openai": "gpt-4o-mini",
                         "anthropic": "claude-3-5-haiku-latest",
                         "gemini": "gemini-2.5-flash-lite"}[provider]
                self.run_ok(provider, tools, online, "--concurrency", "16",
                            model=model)
                self.run_ok(provider, tools, batch, "--batch", "--wait",
                            "--batch-poll", "0.02", model=model)
                self.assertEqual(cards(online), cards(batch))
                s_on, s_b = summary(online), summary(batch)
                b = s_b["batch"]
                self.assertEqual(b["requests"] + 0, 120 + 5)  # 5 re-asks
                self.assertEqual(b["rounds"], 2)
                self.assertEqual(b["discount"], 0.5)
                self.assertEqual(b["pending_batches"], 0)
                self.assertAlmostEqual(s_b["totals"]["cost_usd"] * 2,
                                       s_on["totals"]["cost_usd"], places=5)
        self.assert_no_duplicates()

    def test_limits_split_the_run_into_batches(self):
        tools = self.tools(12)
        out = os.path.join(self.tmp, "out")
        self.run_ok("anthropic", tools, out, "--batch", "--wait",
                    "--batch-poll", "0.02", "--batch-max-requests", "10")
        b = summary(out)["batch"]
        self.assertEqual(b["batches"], 5)  # 48 requests, 10 per batch
        self.assertEqual(stats(self.port)["batches_created"], 5)

    def test_a_byte_limit_splits_the_run_too(self):
        tools = self.tools(40)
        out = os.path.join(self.tmp, "out")
        self.run_ok("openai", tools, out, "--batch", "--wait",
                    "--batch-poll", "0.02", "--batch-max-bytes", "65536")
        sizes = [os.path.getsize(p) for p in
                 glob.glob(os.path.join(out, "batches", "*.input"))]
        self.assertGreaterEqual(len(sizes), 2, sizes)
        self.assertTrue(all(s <= 65536 for s in sizes), sizes)
        self.assertEqual(summary(out)["totals"]["reviews_ok"], 160)


class Budget(BatchCase):
    def test_budget_counts_the_batch_price_and_sends_what_it_allows(self):
        tools = self.tools(20)
        sent = {}
        for mode, extra in (("online", ()),
                            ("batch", ("--batch", "--wait", "--batch-poll",
                                       "0.02"))):
            out = os.path.join(self.tmp, mode)
            self.run_ok("openai", tools, out, "--budget", "0.004", *extra,
                        model="gpt-4o-mini", rc=1)  # stopped: tools left
            s = summary(out)
            self.assertEqual(s["totals"]["stopped"], "budget")
            self.assertLessEqual(s["totals"]["cost_usd"], 0.004)
            sent[mode] = s["totals"]["requests"]
        # Half the price: about twice the requests, every one of them sent
        # (the batch's queued requests went out after the stop).
        self.assertGreater(sent["batch"], 1.5 * sent["online"], sent)
        self.assertEqual(stats(self.port)["requests_submitted"],
                         sent["batch"])


class ReaskOnline(BatchCase):
    def test_reasks_go_online_with_batch_reask_online(self):
        tools = self.tools(4, lambda i: "fake:no-score-once@builder")
        out = os.path.join(self.tmp, "out")
        self.run_ok("openai", tools, out, "--batch", "--wait",
                    "--batch-poll", "0.02", "--batch-reask", "online")
        s = summary(out)
        self.assertEqual(s["totals"]["reviews_ok"], 16)
        self.assertEqual(s["totals"]["reasks"], 4)
        self.assertEqual(s["batch"]["batches"], 1)
        self.assertEqual(s["batch"]["requests"], 16)
        self.assertEqual(s["totals"]["requests"], 20)  # 16 batched + 4


class NoWait(BatchCase):
    def test_exit_75_then_resume_collects(self):
        tools = self.tools(8)
        out = os.path.join(self.tmp, "out")
        r = self.run_ok("openai", tools, out, "--batch", rc=75)
        self.assertIn("--resume", r.stderr)
        self.assertEqual(glob.glob(os.path.join(out, "batchtool-*.json")), [])
        status = subprocess.run(
            [e2e.BIN, "batch", "status", out, "--provider", "openai",
             "--base-url", f"http://127.0.0.1:{self.port}/v1", "--refresh"],
            capture_output=True, text=True,
            env=env_for("openai", self.port))
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn("b1", status.stdout)
        self.assertIn("1 still at the provider", status.stdout)
        rcs = []
        for _ in range(6):
            r = review("openai", self.port, tools, out, "--batch", "--resume")
            rcs.append(r.returncode)
            if r.returncode == 0:
                break
        self.assertEqual(rcs[-1], 0, rcs)
        self.assertEqual(len(glob.glob(os.path.join(out, "batchtool-*.json"))),
                         8)
        st = self.assert_no_duplicates()
        self.assertEqual(st["requests_submitted"], 32)

    def test_a_fresh_run_refuses_an_outdir_with_pending_batches(self):
        tools = self.tools(2)
        out = os.path.join(self.tmp, "out")
        self.run_ok("gemini", tools, out, "--batch", rc=75)
        r = review("gemini", self.port, tools, out, "--batch")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("still at the provider", r.stderr)
        c = subprocess.run(
            [e2e.BIN, "batch", "cancel", out, "--provider", "gemini",
             "--base-url", f"http://127.0.0.1:{self.port}"],
            capture_output=True, text=True, env=env_for("gemini", self.port))
        self.assertEqual(c.returncode, 0, c.stderr)
        self.assertEqual(stats(self.port)["cancels"], 1)
        # The canceled requests are asked again by --resume.
        self.run_ok("gemini", tools, out, "--batch", "--resume", "--wait",
                    "--batch-poll", "0.02")
        self.assertEqual(len(glob.glob(os.path.join(out, "batchtool-*.json"))),
                         2)


class Kills(BatchCase):
    def test_kill_at_every_step_then_resume(self):
        for provider in ("openai", "anthropic"):
            for step in KILL_STEPS:
                if step.startswith("upload") and provider != "openai":
                    continue
                with self.subTest(provider=provider, step=step):
                    self.kill_then_resume(provider, step)

    def kill_then_resume(self, provider, step):
        # Tools of their own, so no other run's batch holds the same
        # requests: exactly 24 must reach the server, once each.
        tools = self.tools(6, name=f"{provider}-{step}.jsonl",
                           prefix=f"{provider}-{step}")
        base = os.path.join(self.tmp, f"{provider}-{step}-online")
        out = os.path.join(self.tmp, f"{provider}-{step}")
        self.run_ok(provider, tools, base)
        before = stats(self.port)["apis"][provider]
        r = review(provider, self.port, tools, out, "--batch", "--wait",
                   "--batch-poll", "0.02",
                   env_extra={"SHIPSKIP_FAULT_BATCH_KILL": step})
        self.assertEqual(r.returncode, -9, r.stderr[-2000:])
        self.run_ok(provider, tools, out, "--batch", "--resume", "--wait",
                    "--batch-poll", "0.02", timeout=60)
        self.assertEqual(len(glob.glob(os.path.join(out, f"{provider}-*.json"))),
                         6)
        after = stats(self.port)["apis"][provider]
        self.assertEqual(after["duplicate_custom_ids"], {})
        self.assertEqual(after["requests_submitted"] -
                         before["requests_submitted"], 24, step)
        self.assertEqual(cards(out), cards(base))


class Faults(BatchCase):
    fake_args = ("--batch-polls-pending", "1", "--batch-polls-running", "1",
                 "--batch-line-error-every", "5", "--batch-expire-every",
                 "7")

    def test_line_errors_and_expired_lines_are_retried(self):
        tools = self.tools(10)
        for provider in ("openai", "anthropic", "gemini"):
            with self.subTest(provider=provider):
                out = os.path.join(self.tmp, provider)
                self.run_ok(provider, tools, out, "--batch", "--wait",
                            "--batch-poll", "0.02")
                s = summary(out)
                b = s["batch"]
                self.assertEqual(s["totals"]["reviews_ok"], 40)
                # Lines 7, 14, ... expire (Gemini: an error line), every
                # 5th fails once: asked again in later rounds, each
                # round's retries in one batch.
                self.assertGreaterEqual(b["expired"] + b["line_errors"], 10)
                if provider != "gemini":
                    self.assertGreaterEqual(b["expired"], 5)
                self.assertGreaterEqual(b["rounds"], 2)
                self.assertEqual(b["batches"], b["rounds"])
                # Expired lines retry as "batch"; a line's 5xx as "5xx".
                self.assertEqual(
                    s["totals"]["retries_by_cause"]["batch"] +
                    s["totals"]["retries_by_cause"]["5xx"],
                    s["totals"]["retries"])


class FailsOnce(BatchCase):
    fake_args = ("--batch-polls-pending", "1", "--batch-polls-running", "1",
                 "--batch-fail-first", "1")

    def test_a_failed_batch_is_sent_again_once(self):
        tools = self.tools(3)
        out = os.path.join(self.tmp, "out")
        r = self.run_ok("openai", tools, out, "--batch", "--wait",
                        "--batch-poll", "0.02")
        self.assertIn("failed as a whole", r.stderr)
        s = summary(out)
        self.assertEqual(s["totals"]["reviews_ok"], 12)
        self.assertEqual(s["batch"]["resubmitted"], 1)
        self.assertEqual(stats(self.port)["batches_created"], 2)


class FailsTwice(BatchCase):
    fake_args = ("--batch-polls-pending", "0", "--batch-polls-running", "0",
                 "--batch-fail-first", "2")

    def test_a_batch_that_fails_twice_fails_its_reviews(self):
        tools = self.tools(2)
        out = os.path.join(self.tmp, "out")
        r = self.run_ok("openai", tools, out, "--batch", "--wait",
                        "--batch-poll", "0.02", rc=1)
        self.assertIn("failed twice", r.stderr)
        self.assertEqual(summary(out)["totals"]["reviews_failed"], 8)


class Replay(BatchCase):
    def test_a_recorded_batch_run_replays_offline(self):
        tools = self.tools(5, lambda i: "fake:no-score-once" if i == 1
                           else "")
        fx = os.path.join(self.tmp, "fixtures")
        rec = os.path.join(self.tmp, "rec")
        self.run_ok("anthropic", tools, rec, "--batch", "--wait",
                    "--batch-poll", "0.02", "--record", fx)
        stop(self.proc)
        self.proc = None
        rep = os.path.join(self.tmp, "rep")
        self.run_ok("anthropic", tools, rep, "--batch", "--wait",
                    "--replay", fx)
        for name in sorted(os.listdir(rec)):
            path = os.path.join(rec, name)
            if not name.endswith((".json", ".md")) or name == "summary.json":
                continue
            with open(path, "rb") as a, open(os.path.join(rep, name),
                                             "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        chk = subprocess.run([e2e.BIN, "fixtures", "check", fx],
                             capture_output=True, text=True)
        self.assertEqual(chk.returncode, 0, chk.stdout + chk.stderr)


def measure(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--tools", type=int, default=1000)
    p.add_argument("--provider", default="openai")
    p.add_argument("--measure", action="store_true")
    a = p.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="sk-batchapi-")
    proc, port, _ = start_fake(tmp, "fake", latency_ms=0,
                               extra=BatchCase.fake_args)
    try:
        tools = os.path.join(tmp, "tools.jsonl")
        write_tools(tools, a.tools, lambda i: "fake:no-score-once@skeptic"
                    if i % 50 == 0 else "")
        online, batch = os.path.join(tmp, "online"), os.path.join(tmp, "b")
        r = review(a.provider, port, tools, online, "--concurrency", "32")
        r2 = review(a.provider, port, tools, batch, "--batch", "--wait",
                    "--batch-poll", "0.05", timeout=1800)
        same = cards(online) == cards(batch)
        so, sb = summary(online), summary(batch)
        print(json.dumps({"provider": a.provider, "tools": a.tools,
                          "rc": [r.returncode, r2.returncode],
                          "same_scorecards": same,
                          "online_requests": so["totals"]["requests"],
                          "online_cost": so["totals"]["cost_usd"],
                          "batch": sb["batch"],
                          "batch_cost": sb["totals"]["cost_usd"],
                          "server": stats(port)["apis"][a.provider]},
                         indent=1))
    finally:
        stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure(sys.argv[1:])
    else:
        unittest.main()
