#!/usr/bin/env python3
"""test_outage.py: shipskip against a server that goes away, one that was
never the right one, and one that asks for waits beyond reason (issue 18).

- Outage: a batch runs against tests/fake_llm.py; the fake is killed by PID
  mid-run, its port stays closed, then it is started again on the same port
  (in one variant answering 503 "Loading model" for a few seconds first, as
  llama-server does). No review may be lost, and the requests the outage
  costs are counted from both the fake's --log and shipskip's --log-json
  and bounded.
- Wrong endpoint: a base URL that answers 404 to everything ends the run
  with exit 2, few requests, one message naming the URL, and no scorecard.
- Retry-After beyond --max-retry-wait, as a 20-digit number or a far HTTP
  date, fails the review at once, with the reason.

Environment: SHIPSKIP_BIN (default <repo>/build/shipskip), SK_SOURCE_DIR.

Run as a script with --measure to print the figures of one outage run
(for before/after comparisons outside ctest):
    python3 tests/test_outage.py --measure --tools 60 --down 120
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e as e2e  # noqa: E402  (BIN, FAKE_LLM, make_tool, API_KEY)

PANEL = e2e.DEFAULT_PANEL


def read_port(path, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"fake_llm exited with {proc.returncode}")
        try:
            with open(path) as f:
                text = f.read()
            if text.endswith("\n"):
                return int(text)
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    raise RuntimeError("fake_llm did not write its port file in time")


def start_fake(workdir, name, port=0, latency_ms=150, loading_s=0,
               extra=()):
    """Starts fake_llm; returns (Popen, port, log path)."""
    port_file = os.path.join(workdir, f"{name}.port")
    log = os.path.join(workdir, f"{name}.requests.jsonl")
    cmd = [sys.executable, e2e.FAKE_LLM, "--port", str(port), "--port-file",
           port_file, "--log", log, "--latency-ms", str(latency_ms),
           "--api-key", e2e.API_KEY, "--loading-s", str(loading_s), *extra]
    # A restart may find the old socket still closing: try for a while.
    for _ in range(50):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            return proc, read_port(port_file, proc), log
        except RuntimeError:
            proc.wait()
            time.sleep(0.1)
    raise RuntimeError(f"fake_llm could not listen on port {port}")


def stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def read_jsonl(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except OSError:
        return []


def write_tools(path, n):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(e2e.make_tool(f"Outage Tool {i:03d}",
                                             slug=f"outage-{i:03d}")) + "\n")


def env():
    e = dict(os.environ)
    e.pop("OPENAI_BASE_URL", None)
    e["OPENAI_API_KEY"] = e2e.API_KEY
    return e


def outage_run(workdir, tools=40, concurrency=4, kill_after=30, down_s=10.0,
               loading_s=0.0, latency_ms=150, binary=None):
    """One batch through an outage. The fake is SIGKILLed (by PID) once it
    has answered kill_after requests, its port stays closed for down_s
    seconds, then it starts again on the same port (answering 503 "Loading
    model" for loading_s more). Returns a dict of figures."""
    binary = binary or e2e.BIN
    tools_path = os.path.join(workdir, "tools.jsonl")
    out = os.path.join(workdir, "out")
    log_json = os.path.join(workdir, "shipskip.log.jsonl")
    write_tools(tools_path, tools)
    fake, port, log1 = start_fake(workdir, "before", latency_ms=latency_ms)
    fake2 = None
    cmd = [binary, "review", tools_path, "-o", out, "--base-url",
           f"http://127.0.0.1:{port}/v1", "--model", e2e.MODEL,
           "--no-progress", "--concurrency", str(concurrency),
           "--log-json", log_json]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=e2e.REPO, env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    try:
        while len(read_jsonl(log1)) < kill_after:
            if proc.poll() is not None:
                raise RuntimeError("shipskip ended before the outage")
            time.sleep(0.02)
        fake.kill()  # SIGKILL by PID: the server is gone at once
        fake.wait()
        killed_at = time.monotonic() - t0
        time.sleep(down_s)
        fake2, _, log2 = start_fake(workdir, "after", port=port,
                                    latency_ms=latency_ms,
                                    loading_s=loading_s)
        back_at = time.monotonic() - t0
        _, stderr = proc.communicate(timeout=600)
        wall = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stop(fake)
        stop(fake2)
    events = read_jsonl(log_json)
    served2 = read_jsonl(log2)
    requests = sum(1 for e in events if e["event"] == "request")
    failed = [e for e in events if e["event"] == "response"
              and e["status"] != 200]
    cards = []
    for path in sorted(glob.glob(os.path.join(out, "outage-*.json"))):
        with open(path, encoding="utf-8") as f:
            cards.append(json.load(f))
    complete = sum(1 for c in cards
                   if all(r["status"] == "ok" for r in c["reviews"])
                   and len(c["reviews"]) == len(PANEL))
    reviews_ok = sum(1 for c in cards for r in c["reviews"]
                     if r["status"] == "ok")
    return {
        "exit": proc.returncode, "stderr": stderr, "wall_s": round(wall, 1),
        "killed_at_s": round(killed_at, 1), "back_at_s": round(back_at, 1),
        "tools": tools, "cards": len(cards), "tools_complete": complete,
        "reviews_lost": tools * len(PANEL) - reviews_ok,
        "requests": requests, "requests_failed": len(failed),
        "refused": sum(1 for e in failed if e["status"] == 0),
        "answered_503": sum(1 for e in failed if e["status"] == 503),
        "fake_loading_503": sum(1 for r in served2
                                if r.get("fault") == "loading"),
        "server_events": [e["state"] for e in events
                          if e["event"] == "server"],
    }


class TestOutage(unittest.TestCase):
    """The fake killed and restarted mid-run: nothing lost, little sent."""

    maxDiff = 4000

    def run_outage(self, **kw):
        with tempfile.TemporaryDirectory(prefix="sk-outage-") as tmp:
            return outage_run(tmp, **kw)

    def check(self, m):
        why = json.dumps(m, indent=1)
        self.assertEqual(m["exit"], 0, why)
        self.assertEqual(m["reviews_lost"], 0, why)
        self.assertEqual(m["tools_complete"], m["tools"], why)
        # What the outage cost: the requests in flight when the server
        # died (4), the two charged before the breaker opened and the ones
        # refused after it, and one probe per doubling pause (1+2+4+8 s
        # covers a 10 s outage): about a dozen, not one per queued review.
        self.assertLessEqual(m["requests_failed"], 14, why)
        self.assertLessEqual(m["requests"] - m["tools"] * len(PANEL), 14, why)
        self.assertEqual(m["server_events"][:1], ["waiting"], why)
        self.assertEqual(m["server_events"][-1:], ["back"], why)
        self.assertIn("waiting for the server", m["stderr"], why)

    def test_port_closed_for_ten_seconds(self):
        m = self.run_outage(down_s=10)
        self.check(m)
        self.assertGreater(m["refused"], 0, m)

    def test_restart_that_loads_a_model(self):
        # Down 4 s, then 6 s of 503 "Loading model": a probe meets the 503
        # (the breaker stays open, nothing else is sent), a later one the
        # loaded model.
        m = self.run_outage(down_s=4, loading_s=6)
        self.check(m)
        self.assertGreaterEqual(m["answered_503"], 1, m)
        self.assertLessEqual(m["fake_loading_503"], 3, m)


class TestServerGoneForGood(unittest.TestCase):
    """A server down for longer than --max-retry-time stops the run as a
    deadline does: exit 1, say so, journal nothing that did not finish."""

    def test_stops_for_resume(self):
        with tempfile.TemporaryDirectory(prefix="sk-outage-") as tmp:
            tools = os.path.join(tmp, "tools.jsonl")
            out = os.path.join(tmp, "out")
            log_json = os.path.join(tmp, "log.jsonl")
            write_tools(tools, 20)
            fake, port, log = start_fake(tmp, "gone")
            try:
                proc = subprocess.Popen(
                    [e2e.BIN, "review", tools, "-o", out, "--base-url",
                     f"http://127.0.0.1:{port}/v1", "--model", e2e.MODEL,
                     "--no-progress", "--concurrency", "4",
                     "--max-retry-time", "3", "--log-json", log_json],
                    cwd=e2e.REPO, env=env(), stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE, text=True)
                while len(read_jsonl(log)) < 8 and proc.poll() is None:
                    time.sleep(0.02)
                fake.kill()
                fake.wait()
                _, stderr = proc.communicate(timeout=60)
            finally:
                stop(fake)
            self.assertEqual(proc.returncode, 1, stderr)
            self.assertIn("has not answered for", stderr)
            self.assertIn("--resume", stderr)
            with open(os.path.join(out, "summary.json")) as f:
                self.assertEqual(json.load(f)["totals"]["stopped"], "outage")
            # Only reviews that finished are journaled: none failed.
            journal = read_jsonl(os.path.join(out, "journal.jsonl"))
            self.assertTrue(journal)
            self.assertEqual({j["status"] for j in journal}, {"ok"})
            events = read_jsonl(log_json)
            failed = [e for e in events
                      if e["event"] == "response" and e["status"] != 200]
            # At most three rounds of the 4 slots: the requests in flight at
            # the kill, the ones their freed slots started before the third
            # failure opened the breaker, and the probes until the limit.
            self.assertLessEqual(len(failed), 12, failed)


class ServerCase(e2e.E2ETestCase):
    def tools(self, n, markers=""):
        path = os.path.join(self.tmp, "tools.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i in range(n):
                f.write(json.dumps(e2e.make_tool(
                    f"Some Tool {i}", markers, slug=f"tool-{i}")) + "\n")
        return path


class TestWrongEndpoint(ServerCase):
    """A base URL that answers 404 to everything fails fast."""

    def test_404_everywhere_exits_2_naming_the_url(self):
        url = (f"http://user:hunter2@127.0.0.1:{self.server.port}/wrong/v1"
               f"?key=sk-query")
        res = self.run_cli(["review", self.tools(6), "-o", self.out,
                            "--base-url", url, "--model", e2e.MODEL,
                            "--no-progress"], common=False)
        self.assertExit(res, 2)
        log = self.server.log()
        self.assertGreaterEqual(len(log), 3, log)
        # At most the first window (--concurrency 8) and the two sent as
        # the first answers came, not 6 tools x 4 personas x 5 tries.
        self.assertLessEqual(len(log), 10, log)
        self.assertEqual({e["status"] for e in log}, {404})
        lines = [l for l in res.stderr.splitlines() if "HTTP 404" in l]
        self.assertEqual(len(lines), 1, res.stderr)
        self.assertIn(f"http://127.0.0.1:{self.server.port}/wrong/v1",
                      lines[0])
        for secret in ("hunter2", "sk-query", e2e.API_KEY):
            self.assertNotIn(secret, res.stderr)
        self.assertEqual(glob.glob(os.path.join(self.out, "tool-*")), [])
        journal = os.path.join(self.out, "journal.jsonl")
        self.assertEqual(read_jsonl(journal), [])

    def test_one_bad_model_is_not_a_wrong_endpoint(self):
        # One tool's 404 among good answers fails that review only.
        path = self.tools(3)
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(e2e.make_tool("Bad One", "fake:404-always",
                                             slug="bad-one")) + "\n")
        res = self.review([path])
        self.assertExit(res, 1)
        card = self.scorecard("bad-one")
        self.assertEqual({r["status"] for r in card["reviews"]}, {"failed"})
        for i in range(3):
            self.assertEqual(self.scorecard(f"tool-{i}")["panel"]["ships"] +
                             self.scorecard(f"tool-{i}")["panel"]["skips"], 4)
        # The site publishes it, and says so (count and names) on stderr.
        site = self.run_cli(["site", self.out, "-q"], common=False)
        self.assertExit(site, 0)
        self.assertIn("published 1 scorecard with failed reviews", site.stderr)
        self.assertIn("bad-one", site.stderr)
        self.assertNotIn("tool-0", site.stderr)


class FarRetryAfter(ServerCase):
    retry_after = None

    def start_server(self, workdir, **opts):
        if self.retry_after is None:
            return super().start_server(workdir, **opts)
        proc, port, log = start_fake(
            workdir, "far", latency_ms=0,
            extra=("--retry-after", self.retry_after))
        self.addCleanup(stop, proc)
        srv = type("S", (), {})()
        srv.port = port
        srv.log = lambda: read_jsonl(log)
        return srv

    def check_fails_at_once(self, reason):
        res = self.review([self.tools(1, "fake:429-always@skeptic")])
        self.assertExit(res, 1)
        asked = [e for e in self.server.log() if e["persona"] == "skeptic"]
        self.assertEqual(len(asked), 1, asked)
        r = self.review_of(self.scorecard("tool-0"), "skeptic")
        self.assertEqual(r["status"], "failed")
        self.assertEqual(r["retries"], 0)
        self.assertIn(reason, r["errors"][0])
        self.assertIn("--max-retry-wait", r["errors"][0])


class TestHugeRetryAfterSeconds(FarRetryAfter):
    retry_after = "99999999999999999999"

    def test_fails_at_once(self):
        self.check_fails_at_once("more than 7 days")


class TestFarRetryAfterDate(FarRetryAfter):
    retry_after = "Fri, 31 Dec 9999 23:59:59 GMT"

    def test_fails_at_once(self):
        self.check_fails_at_once("more than 7 days")


class TestRetryAfterPastMaxWait(FarRetryAfter):
    retry_after = "3600"

    def test_fails_at_once(self):
        self.check_fails_at_once("asked to wait 3600 s")


def measure(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--measure", action="store_true")
    p.add_argument("--tools", type=int, default=40)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--kill-after", type=int, default=30)
    p.add_argument("--down", type=float, default=10)
    p.add_argument("--loading", type=float, default=0)
    p.add_argument("--latency-ms", type=int, default=150)
    p.add_argument("--bin", default=None)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sk-outage-") as tmp:
        m = outage_run(tmp, tools=a.tools, concurrency=a.concurrency,
                       kill_after=a.kill_after, down_s=a.down,
                       loading_s=a.loading, latency_ms=a.latency_ms,
                       binary=a.bin)
    m.pop("stderr")
    print(json.dumps(m))


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure(sys.argv[1:])
    else:
        unittest.main(verbosity=2)
