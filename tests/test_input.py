#!/usr/bin/env python3
"""Input that never blocks the run (#18): `shipskip review -` reading tools
from a pipe its writer keeps open.

Reading standard input used to happen in read(2) on the event loop's own
thread: while the writer kept the pipe open and wrote nothing, replies were
not read, scorecards not written, and neither --deadline nor SIGTERM could
act. Now the loop waits for input like for any other event, so:
  - the tools written so far are reviewed and their scorecards written
    while standard input is still open;
  - --deadline fires on time;
  - SIGTERM stops the run within 2 s, the journal intact.
Also: a named FIFO as an input, and a record torn by a raw NUL byte in the
stream costs that record only.

Uses the harness of tests/test_e2e.py (E2ETestCase, FakeServer, make_tool).
Run: python3 tests/test_input.py [-v]
"""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import test_e2e as e2e  # noqa: E402

BIN = e2e.BIN
REPO = e2e.REPO
MODEL = e2e.MODEL
PANEL = e2e.DEFAULT_PANEL
make_tool = e2e.make_tool


class OpenPipeTest(e2e.E2ETestCase):

    def spawn(self, args, stdin=subprocess.PIPE):
        cmd = [BIN, *args, "--base-url",
               f"http://127.0.0.1:{self.server.port}/v1", "--model", MODEL,
               "--no-progress"]
        errpath = os.path.join(self.tmp, "shipskip.stderr")
        err = open(errpath, "wb")
        self.addCleanup(err.close)
        proc = subprocess.Popen(cmd, cwd=REPO, env=self.base_env(),
                                stdin=stdin, stdout=subprocess.DEVNULL,
                                stderr=err)
        proc.errpath = errpath
        proc.cmd = cmd

        def reap():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdin is not None:
                proc.stdin.close()
        self.addCleanup(reap)
        return proc

    def stderr_of(self, proc):
        with open(proc.errpath, encoding="utf-8", errors="replace") as f:
            return f.read()

    def wait_for(self, cond, proc, timeout=20.0, what="condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return
            if proc.poll() is not None:
                self.fail(f"shipskip exited before {what}: "
                          f"{proc.returncode}\n{self.stderr_of(proc)}")
            time.sleep(0.02)
        self.fail(f"timed out waiting for {what} (stdin still open?)\n"
                  f"{self.stderr_of(proc)}")

    def write_tools(self, stream, tools):
        for t in tools:
            stream.write((json.dumps(t) + "\n").encode())
        stream.flush()

    def journal(self):
        path = os.path.join(self.out, "journal.jsonl")
        with open(path, "rb") as f:
            data = f.read()
        self.assertTrue(data.endswith(b"\n"), "the journal ends mid-line")
        return [json.loads(line) for line in data.split(b"\n") if line]

    def test_reviews_finish_while_stdin_stays_open_then_sigterm(self):
        proc = self.spawn(["review", "-", "-o", self.out,
                           "--concurrency", "4"])
        tools = [make_tool("Pipe Tool One", slug="pipe-one"),
                 make_tool("Pipe Tool Two", slug="pipe-two")]
        self.write_tools(proc.stdin, tools)
        # Standard input stays open: the two scorecards are written anyway.
        for slug in ("pipe-one", "pipe-two"):
            path = os.path.join(self.out, slug + ".json")
            self.wait_for(lambda p=path: os.path.isfile(p), proc,
                          what=f"{slug}.json while stdin is open")
        self.assertIsNone(proc.poll(), "the run ended with stdin open")
        card = self.scorecard("pipe-two")
        self.assertEqual([r["status"] for r in card["reviews"]],
                         ["ok"] * len(PANEL))
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.fail("SIGTERM did not stop a run waiting on stdin\n"
                      + self.stderr_of(proc))
        took = time.monotonic() - t0
        self.assertEqual(code, 143, self.stderr_of(proc))
        self.assertLess(took, 2.0, f"SIGTERM took {took:.2f} s")
        self.assertIn("terminated (SIGTERM)", self.stderr_of(proc))
        # The journal is whole: every review of both tools, each once.
        pairs = [(j["tool"], j["persona"]) for j in self.journal()]
        self.assertEqual(sorted(pairs),
                         sorted((s, p) for s in ("pipe-one", "pipe-two")
                                for p in PANEL))
        with open(os.path.join(self.out, "summary.json")) as f:
            totals = json.load(f)["totals"]
        self.assertEqual(totals["stopped"], "SIGTERM", totals)

    def test_deadline_fires_while_stdin_stays_open(self):
        t0 = time.monotonic()
        proc = self.spawn(["review", "-", "-o", self.out, "--deadline", "2s"])
        self.write_tools(proc.stdin, [make_tool("Deadline Pipe",
                                                slug="deadline-pipe")])
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.fail("--deadline did not fire while stdin was open\n"
                      + self.stderr_of(proc))
        took = time.monotonic() - t0
        self.assertEqual(code, 1, self.stderr_of(proc))
        self.assertIn("deadline reached", self.stderr_of(proc))
        self.assertLess(took, 4.5, f"a 2 s deadline took {took:.2f} s")
        self.assertEqual(self.scorecard("deadline-pipe")["panel"]["verdict"]
                         is not None, True)

    def test_a_fifo_input_and_a_nul_byte_in_the_stream(self):
        fifo = os.path.join(self.tmp, "tools.fifo")
        os.mkfifo(fifo)
        proc = self.spawn(["review", fifo, "-o", self.out], stdin=None)
        # The writer comes after the run has started, and writes a record
        # torn by a raw NUL byte between two good ones.
        with open(fifo, "wb") as w:
            w.write((json.dumps(make_tool("Fifo One", slug="fifo-one"))
                     + "\n").encode())
            w.write(b'{"name": "Torn\x00", "description": "x"}\n')
            w.flush()
            path = os.path.join(self.out, "fifo-one.json")
            self.wait_for(lambda: os.path.isfile(path), proc,
                          what="fifo-one.json while the FIFO is open")
            w.write((json.dumps(make_tool("Fifo Two", slug="fifo-two"))
                     + "\n").encode())
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.fail("the run did not end with its FIFO\n"
                      + self.stderr_of(proc))
        err = self.stderr_of(proc)
        self.assertEqual(code, 1, err)
        self.assertIn("tools.fifo:2: NUL byte in the input (column 15)", err)
        self.assertEqual(sorted(n for n in os.listdir(self.out)
                                if n.endswith(".json")
                                and n not in e2e.RUN_FILES),
                         ["fifo-one.json", "fifo-two.json"])


if __name__ == "__main__":
    unittest.main()
