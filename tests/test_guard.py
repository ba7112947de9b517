#!/usr/bin/env python3
"""Hostile conditions around a run, end to end (issue 18, items 4, 10, 11):

- a server that echoes the API key (tests/fake_llm.py --echo-key) in error
  bodies and in reply text: the key reaches no file under OUTDIR, no
  recorded fixture, not stderr, not the --log-json file;
- every output we were asked to write is checked: --log-json, -o FILE and
  standard output onto /dev/full fail with a message naming the file and
  errno, and a non-zero exit;
- one run per output folder: a second run into a busy OUTDIR exits 2 naming
  the holder's pid and start time, a kill -9'd run's lock is taken over,
  reading commands (site) need no lock, and a finished OUTDIR holds no lock
  file (replays stay byte-identical under diff -r).

    SHIPSKIP_BIN    the binary (default: <repo>/build/shipskip)
    SK_SOURCE_DIR   the repository (default: the parent of this directory)

Run: python3 tests/test_guard.py [-v] [TestClass.test_name]
Python 3 standard library only.
"""

import fcntl
import filecmp
import json
import os
import signal
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import test_batch as batch  # noqa: E402  (BatchCase: spawn, wait_for...)
import test_e2e as e2e  # noqa: E402  (FakeServer, make_tool...)

REPO = e2e.REPO
BIN = e2e.BIN
FIXTURE_TOOLS = os.path.join(REPO, "fixtures", "tools")
FIXTURE_EXCHANGES = os.path.join(REPO, "fixtures", "exchanges")

# A key with a quote in it, so its JSON-escaped form (sk-echo\"quoted...)
# must be found as well as the raw one.
ECHO_KEY = 'sk-echo"quoted-0123456789abcdef'
ECHO_KEY_JSON = json.dumps(ECHO_KEY)[1:-1]
MARK = "[redacted]"
LOCK = ".lock"


class EchoServer(e2e.FakeServer):
    """The fake server started with --echo-key: every answer repeats the
    credential its request carried. (FakeServer's own start, plus the
    option.)"""

    def __init__(self, workdir, api_key=ECHO_KEY, latency_ms=0):
        self.dir = workdir
        self.port_file = os.path.join(workdir, "port")
        self.log_path = os.path.join(workdir, "requests.jsonl")
        self.err_path = os.path.join(workdir, "fake_llm.stderr")
        cmd = [sys.executable, e2e.FAKE_LLM, "--port", "0",
               "--port-file", self.port_file, "--log", self.log_path,
               "--latency-ms", str(latency_ms), "--api-key", api_key,
               "--echo-key"]
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=self.err)
        self.port = None


def files_under(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for dirpath, _, filenames in os.walk(root):
        for n in filenames:
            path = os.path.join(dirpath, n)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = f.read()
    return out


# --------------------------------------------------------------------------
# 4. Secrets the server echoes
# --------------------------------------------------------------------------

class TestEchoedSecrets(e2e.E2ETestCase):

    def start_server(self, workdir, **opts):
        server = EchoServer(workdir, **opts)
        self.addCleanup(server.stop)
        server.wait_ready()
        return server

    def assertNoKey(self, where, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        for form in (ECHO_KEY, ECHO_KEY_JSON):
            self.assertNotIn(form.encode("utf-8"), data,
                             f"the API key ({form}) leaked into {where}")

    def test_echoed_key_is_written_nowhere(self):
        tools = self.write_jsonl("tools.jsonl", [
            e2e.make_tool("Echo Retry", "fake:500-once"),
            e2e.make_tool("Echo Final", "fake:400-always@skeptic"),
            e2e.make_tool("Echo Clean"),
        ])
        rec = os.path.join(self.tmp, "rec")
        log = os.path.join(self.tmp, "log.jsonl")
        env = self.base_env(OPENAI_API_KEY=ECHO_KEY)
        res = self.review([tools], "--record", rec, "--log-json", log,
                          env=env)
        # The skeptic of Echo Final fails for good (a 400): exit 1.
        self.assertExit(res, 1)

        self.assertNoKey("stderr", res.stderr)
        self.assertNoKey("stdout", res.stdout)
        with open(log, "rb") as f:
            logged = f.read()
        self.assertNoKey("the --log-json file", logged)
        outputs = files_under(self.out)
        self.assertIn("summary.json", outputs)
        self.assertIn("journal.jsonl", outputs)
        for name, data in outputs.items():
            self.assertNoKey(f"OUTDIR/{name}", data)
        fixtures = files_under(rec)
        self.assertGreater(len(fixtures), 0)
        for name, data in fixtures.items():
            self.assertNoKey(f"fixture {name}", data)

        # The server did echo it, and what it echoed is marked, not lost:
        # in a review text, in a final error, in the log's retry message.
        clean = self.scorecard("echo-clean")
        self.assertIn(f"Seen with key {MARK}.",
                      self.review_of(clean, "builder")["review"])
        final = self.review_of(self.scorecard("echo-final"), "skeptic")
        self.assertEqual(final["status"], "failed")
        self.assertIn(f"(key {MARK})", " ".join(final["errors"]))
        self.assertIn(f"(key {MARK})".encode(), logged)
        self.assertTrue(any(MARK.encode() in d for d in fixtures.values()))

        # The recorded fixtures replay, and the replay leaks nothing either.
        out2 = os.path.join(self.tmp, "out2")
        res2 = self.run_cli(["review", tools, "-o", out2, "--replay", rec],
                            env=env)
        self.assertExit(res2, 1)
        self.assertNoKey("replay stderr", res2.stderr)
        for name, data in files_under(out2).items():
            self.assertNoKey(f"replayed OUTDIR/{name}", data)
        self.assertEqual(batch.scorecard_files(out2),
                         batch.scorecard_files(self.out))


# --------------------------------------------------------------------------
# 10. Every write is checked
# --------------------------------------------------------------------------

class TestCheckedWrites(e2e.E2ETestCase):

    def replay_args(self, out):
        return ["review", FIXTURE_TOOLS, "-o", out, "--replay",
                FIXTURE_EXCHANGES]

    def test_log_json_on_full_disk_fails(self):
        res = self.run_cli(self.replay_args(self.out) + ["--log-json",
                                                         "/dev/full"],
                           common=False)
        self.assertExit(res, 1)
        self.assertIn("shipskip: /dev/full: error writing --log-json: "
                      "No space left on device", res.stderr)
        # The scorecards themselves were written.
        self.assertTrue(os.path.exists(
            os.path.join(self.out, "code-llama-4.json")))

    def test_output_file_on_full_device_fails(self):
        res = self.run_cli(self.replay_args(self.out), common=False)
        self.assertExit(res, 0)
        # A link to /dev/full: an atomic write would rename a file over the
        # link (and, run as root, over /dev/full itself).
        link = os.path.join(self.tmp, "full")
        os.symlink("/dev/full", link)
        res = self.run_cli(["compare",
                            os.path.join(self.out, "code-llama-4.json"),
                            os.path.join(self.out, "flintest.json"),
                            "-o", link], common=False)
        self.assertExit(res, 1)
        self.assertIn(f"{link}: write failed: No space left on device",
                      res.stderr)
        self.assertTrue(os.path.islink(link))

    def test_stdout_on_full_disk_fails(self):
        with open("/dev/full", "w") as full:
            res = subprocess.run([BIN, "prompts", FIXTURE_TOOLS], cwd=REPO,
                                 stdout=full, stderr=subprocess.PIPE,
                                 text=True, timeout=60)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("shipskip: error writing standard output: No space "
                      "left on device", res.stderr)


# --------------------------------------------------------------------------
# 11. One run per output folder
# --------------------------------------------------------------------------

class TestOutdirLock(batch.BatchCase):

    server_opts = {"latency_ms": 1500}

    def tools(self):
        return self.write_jsonl("tools.jsonl", [
            e2e.make_tool("Lock One"), e2e.make_tool("Lock Two")])

    def lock_path(self, out=None):
        return os.path.join(out or self.out, LOCK)

    def lock_text(self):
        try:
            with open(self.lock_path(), encoding="utf-8") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def test_second_run_exits_2_naming_the_holder(self):
        tools = self.tools()
        first = self.spawn(["review", tools, "-o", self.out])
        self.wait_for(lambda: self.lock_text().startswith(
            f"pid {first.pid} started "), first, what="the lock")
        started = self.lock_text().split()[3]
        res = self.review([tools])
        self.assertExit(res, 2)
        self.assertIn(f"shipskip: {self.out} is in use by another run (pid "
                      f"{first.pid}, started {started})", res.stderr)
        self.assertEqual(self.wait_exit(first), 0,
                         self.describe_proc(first))
        # The second run sent nothing: 2 tools x 4 personas, once.
        self.assertEqual(len(self.server.log()), 8)
        # A clean end removes the lock: OUTDIR holds only outputs.
        self.assertFalse(os.path.exists(self.lock_path()))

    def test_killed_run_lock_is_taken_over(self):
        tools = self.tools()
        first = self.spawn(["review", tools, "-o", self.out])
        self.wait_for(lambda: self.lock_text().startswith("pid "), first,
                      what="the lock")
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        self.assertTrue(os.path.exists(self.lock_path()))  # left behind
        res = self.review([tools], "--resume")
        self.assertExit(res, 0)
        self.assertFalse(os.path.exists(self.lock_path()))
        self.assertEqual(len(batch.scorecard_files(self.out)), 4)


class TestLockHolders(e2e.E2ETestCase):
    """The lock held by another process (this test): writers refuse,
    readers do not care."""

    def hold(self, out, text):
        os.makedirs(out, exist_ok=True)
        fd = os.open(os.path.join(out, LOCK), os.O_RDWR | os.O_CREAT)
        self.addCleanup(os.close, fd)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, text.encode())
        return fd

    def replay(self, out):
        return self.run_cli(["review", FIXTURE_TOOLS, "-o", out, "--replay",
                             FIXTURE_EXCHANGES], common=False)

    def test_writers_refuse_readers_proceed(self):
        self.assertExit(self.replay(self.out), 0)
        self.hold(self.out, "pid 4242 started 2026-01-02T03:04:05Z\n")
        busy = (f"{self.out} is in use by another run (pid 4242, started "
                f"2026-01-02T03:04:05Z)")
        for args in (["review", FIXTURE_TOOLS, "-o", self.out, "--replay",
                      FIXTURE_EXCHANGES, "--resume"],
                     ["review", FIXTURE_TOOLS, "-o", self.out, "--replay",
                      FIXTURE_EXCHANGES, "--redo", "skeptic"],
                     ["calibrate", FIXTURE_TOOLS, "-o", self.out,
                      "--replay", FIXTURE_EXCHANGES, "--repeat", "2"]):
            res = self.run_cli(args, common=False)
            self.assertExit(res, 2)
            self.assertIn(busy, res.stderr)
        res = self.run_cli(["merge", self.tmp + "/none", "-o", self.out],
                           common=False)
        self.assertExit(res, 2)
        self.assertIn(busy, res.stderr)
        # Nothing was touched: the journal was not moved aside.
        self.assertFalse(os.path.exists(
            os.path.join(self.out, "journal.jsonl.old")))
        site = os.path.join(self.tmp, "site")
        res = self.run_cli(["site", self.out, "-o", site], common=False)
        self.assertExit(res, 0)

    def test_replays_stay_identical(self):
        other = os.path.join(self.tmp, "other")
        self.assertExit(self.replay(self.out), 0)
        self.assertExit(self.replay(other), 0)
        self.assertNotIn(LOCK, os.listdir(self.out))
        cmp = filecmp.dircmp(self.out, other, ignore=["summary.json"])
        self.assertEqual((cmp.left_only, cmp.right_only), ([], []))
        _, mismatch, errors = filecmp.cmpfiles(
            self.out, other, [n for n in os.listdir(self.out)
                              if n != "summary.json"], shallow=False)
        self.assertEqual((mismatch, errors), ([], []))


if __name__ == "__main__":
    unittest.main()
