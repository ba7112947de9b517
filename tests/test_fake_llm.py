#!/usr/bin/env python3
"""Tests for tests/fake_llm.py, the fake LLM server the C tests talk to.

Each test class starts the server as a subprocess on a free port (read from
--port-file), talks to it with http.client or a raw socket, and stops it with
SIGTERM in a cleanup that runs even when an assertion fails. Every test uses
its own tool description, so per-conversation attempt counters never collide.
Standard library only; run with `python3 -m unittest tests/test_fake_llm.py`
or `python3 tests/test_fake_llm.py`.
"""

import hashlib
import http.client
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "fake_llm.py")
PERSONAS_DIR = os.path.join(os.path.dirname(HERE), "personas")
sys.path.insert(0, HERE)
import fake_llm  # noqa: E402  (for its paragraphs, to compare against)

CONTENT_RE = re.compile(
    r"\ASCORE: (\d+)/100\nVERDICT: (ship|skip)\nREVIEW: (.+)\Z", re.S)

# Sample paragraphs for the builder persona; other personas have none, so
# they fall back to the server's built-in paragraphs.
SAMPLE_REVIEWS = {
    "ship-01.txt": "Builder ship sample: the primitive is clean.\n\n",
    "skip-01.txt": "Builder skip sample one: it breaks in practice.  \n",
    "skip-02.txt": "Builder skip sample two: the DX bet misses.\n",
}


class FakeServer:
    """One fake_llm.py subprocess; stop() is safe to call more than once."""

    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="fake_llm_test_")
        self.port_file = os.path.join(self.dir, "port")
        self.log_path = os.path.join(self.dir, "requests.jsonl")
        self.stderr_path = os.path.join(self.dir, "stderr")
        self.args = [str(a) for a in args]
        self.proc = None
        self.port = None

    def start(self):
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, SCRIPT, "--port", "0",
                 "--port-file", self.port_file, "--log", self.log_path,
                 *self.args],
                stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("fake_llm exited: " + self.stderr())
            if time.monotonic() > deadline:
                raise RuntimeError("fake_llm wrote no port file")
            time.sleep(0.01)
        with open(self.port_file) as f:
            text = f.read()
        assert re.fullmatch(r"\d+\n", text), repr(text)
        self.port = int(text)

    def stop(self):
        """SIGTERM, then wait; SIGKILL if it does not go. Returns the code."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def stderr(self):
        with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def log_lines(self):
        """The request log so far (the server logs before it answers)."""
        try:
            with open(self.log_path, encoding="utf-8") as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []


def start_server(register_cleanup, *args):
    """Start a FakeServer, registering its cleanup before it can fail."""
    server = FakeServer(*args)
    register_cleanup(server.cleanup)
    server.start()
    return server


def chat_body(desc, persona="Builder", model="fake-1", reask=False, **extra):
    """A chat request for one tool description, as bytes."""
    messages = []
    if persona:
        messages.append({"role": "system",
                         "content": f"You are the {persona}: a reviewer."})
    messages.append({"role": "user",
                     "content": f"Review this tool.\n<tool>{desc}</tool>"})
    if reask:
        messages += [
            {"role": "assistant", "content": "VERDICT: ship"},
            {"role": "user", "content": "no SCORE line; answer again"}]
    return json.dumps({"model": model, "messages": messages, **extra}).encode()


def request(port, method, path, body=None, headers=None, conn=None,
            timeout=10):
    """Send one request; returns (status, HTTPResponse, body bytes)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = {"Content-Type": "application/json",
             "User-Agent": "shipskip-test/1.0"}
        h.update(headers or {})
        conn.request(method, path, body=body, headers=h)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp, data
    finally:
        if own:
            conn.close()


def post(port, body, **kw):
    return request(port, "POST", "/v1/chat/completions", body, **kw)


def content_of(data):
    return json.loads(data)["choices"][0]["message"]["content"]


def conv_key(model, persona, first_user):
    return hashlib.sha256(
        f"{model}\n{persona}\n{first_user}".encode()).hexdigest()


def raw_response(sock):
    """Read one HTTP response from a raw socket: (head text, body bytes)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before headers")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?im)^content-length: *(\d+)", head).group(1))
    while len(rest) < length:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed inside body")
        rest += chunk
    assert len(rest) == length, "extra bytes after the body"
    return head.decode(), rest


class SharedServer(unittest.TestCase):
    """Tests that share one server with sample reviews and a short stall."""

    @classmethod
    def setUpClass(cls):
        cls.reviews = tempfile.mkdtemp(prefix="fake_llm_reviews_")
        cls.addClassCleanup(shutil.rmtree, cls.reviews, True)
        folder = os.path.join(cls.reviews, "builder", "pass")
        os.makedirs(folder)
        for name, text in SAMPLE_REVIEWS.items():
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        with open(os.path.join(folder, "README"), "w") as f:
            f.write("not a review\n")
        cls.server = start_server(cls.addClassCleanup, "--reviews-dir",
                                  cls.reviews, "--stall-ms", 1500)
        cls.port = cls.server.port

    def desc(self, extra=""):
        """A tool description unique to this test."""
        return f"{self.id()} {extra}".strip()

    def post(self, body, **kw):
        return post(self.port, body, **kw)

    def ok_content(self, body, **kw):
        status, _, data = self.post(body, **kw)
        self.assertEqual(status, 200, data)
        return content_of(data)


class TestReplies(SharedServer):

    def test_health(self):
        status, resp, data = request(self.port, "GET", "/health")
        self.assertEqual((status, data), (200, b'{"status":"ok"}'))
        self.assertEqual(resp.getheader("Content-Length"), "15")

    def test_success_shape_and_determinism(self):
        body = chat_body(self.desc(), temperature=0.2, max_tokens=300, seed=7)
        status, resp, first = self.post(body)
        self.assertEqual(status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith(
            "application/json"))
        _, _, second = self.post(body)
        self.assertEqual(first, second)  # byte for byte
        reply = json.loads(first)
        self.assertEqual(list(reply), [
            "choices", "created", "model", "system_fingerprint", "object",
            "usage", "id", "timings"])
        self.assertEqual(reply["created"], 1700000000)
        self.assertEqual(reply["model"], "fake-1")
        self.assertEqual(reply["object"], "chat.completion")
        self.assertEqual(reply["system_fingerprint"], "b0000-fake")
        self.assertEqual(reply["id"], "chatcmpl-" +
                         hashlib.sha256(body).hexdigest()[:24])
        choice = reply["choices"][0]
        self.assertEqual((choice["finish_reason"], choice["index"],
                          choice["message"]["role"]), ("stop", 0, "assistant"))
        content = choice["message"]["content"]
        self.assertRegex(content, CONTENT_RE)
        chars = sum(len(m["content"]) for m in json.loads(body)["messages"])
        p, c = math.ceil(chars / 4), math.ceil(len(content) / 4)
        self.assertEqual(reply["usage"], {"completion_tokens": c,
                                          "prompt_tokens": p,
                                          "total_tokens": p + c})
        self.assertEqual(reply["timings"], {"prompt_n": p, "predicted_n": c})

    def test_reviews_dir_pick_score_and_verdict(self):
        files = sorted(SAMPLE_REVIEWS)
        verdicts = set()
        for i in range(12):
            desc = self.desc(str(i))
            content = self.ok_content(chat_body(desc))
            key = conv_key("fake-1", "builder",
                           f"Review this tool.\n<tool>{desc}</tool>")
            name = files[int(key, 16) % len(files)]
            verdict = name[:4]
            h = int(key[-8:], 16)
            score = 60 + h % 36 if verdict == "ship" else 25 + h % 35
            expected = (f"SCORE: {score}/100\nVERDICT: {verdict}\n"
                        f"REVIEW: {SAMPLE_REVIEWS[name].rstrip()}")
            self.assertEqual(content, expected)
            verdicts.add(verdict)
        self.assertEqual(verdicts, {"ship", "skip"})

    def test_builtin_reviews_when_persona_has_none(self):
        builtins = dict(fake_llm.BUILTIN_REVIEWS)
        for persona in ("Skeptic", None):
            score, verdict, review = CONTENT_RE.match(self.ok_content(
                chat_body(self.desc(), persona=persona))).groups()
            self.assertEqual(builtins[f"{verdict}-builtin"], review)
            low, high = (60, 95) if verdict == "ship" else (25, 59)
            self.assertTrue(low <= int(score) <= high, score)

    def test_persona_detection(self):
        cases = [("Builder", "builder"), ("Futurist", "futurist"),
                 (None, "generic")]
        before = len(self.server.log_lines())
        for persona, _ in cases:
            self.post(chat_body(self.desc(), persona=persona))
        lines = self.server.log_lines()[before:]
        self.assertEqual([line["persona"] for line in lines],
                         [want for _, want in cases])
        # The persona and the model are part of the conversation key.
        a = self.ok_content(chat_body(self.desc("x"), persona="Skeptic"))
        b = self.ok_content(chat_body(self.desc("x"), persona="Founder"))
        c = self.ok_content(chat_body(self.desc("x"), persona="Skeptic",
                                      model="other"))
        self.assertEqual(len({a, b, c}), 3)

    def test_seed_changes_the_pick_only_for_unstable_tools(self):
        # Without the marker the seed changes nothing.
        stable = {self.ok_content(chat_body(self.desc(), seed=s))
                  for s in range(8)}
        self.assertEqual(len(stable), 1)
        # With fake:unstable each seed is its own pick: over eight seeds
        # both verdicts come up, and one seed always gets the same reply.
        desc = self.desc("fake:unstable")
        replies = [self.ok_content(chat_body(desc, seed=s)) for s in range(8)]
        self.assertEqual(replies[3],
                         self.ok_content(chat_body(desc, seed=3)))
        verdicts = {r.split("VERDICT: ")[1].split("\n")[0] for r in replies}
        self.assertEqual(verdicts, {"ship", "skip"})
        # The marker is not a fault: nothing on stderr about it.
        self.assertNotIn("unstable", self.server.stderr())

    def test_reask_gets_same_reply(self):
        first = self.ok_content(chat_body(self.desc()))
        again = self.ok_content(chat_body(self.desc(), reask=True))
        self.assertEqual(first, again)

    def test_short_path_and_content_parts(self):
        body = json.dumps({"model": "fake-1", "messages": [
            {"role": "system",
             "content": [{"type": "text", "text": "You are the Builder: x"}]},
            {"role": "user", "content": "hello"}]}).encode()
        status, _, data = request(self.port, "POST", "/chat/completions",
                                  body)
        self.assertEqual(status, 200)
        self.assertRegex(content_of(data), CONTENT_RE)
        self.assertEqual(self.server.log_lines()[-1]["persona"], "builder")

    def test_not_found(self):
        for method, path in (("GET", "/v1/models"), ("POST", "/v1/complete"),
                             ("GET", "/v1/chat/completions")):
            status, _, data = request(self.port, method, path, b"{}")
            self.assertEqual(status, 404)
            self.assertEqual(json.loads(data), {"error": {
                "code": 404, "message": "File Not Found",
                "type": "not_found_error"}})

    def test_llama_cpp_validation_errors_are_500(self):
        for body, needle in ((b"not json", "[json.exception.parse_error.101]"),
                             (b"", "parse error"),
                             (b'{"model":"m"}', "'messages' is required"),
                             (b'{"messages":"hi"}', "'messages' is required"),
                             (b'[1,2]', "'messages' is required"),
                             (chat_body(self.desc(), n=2), "Only one")):
            status, _, data = self.post(body)
            self.assertEqual(status, 500, body)
            error = json.loads(data)["error"]
            self.assertEqual((error["code"], error["type"]),
                             (500, "server_error"))
            self.assertIn(needle, error["message"])


class TestTransportFaults(SharedServer):

    def test_429_once_and_twice(self):
        for marker, failures in (("429-once", 1), ("429-twice", 2)):
            body = chat_body(self.desc(f"fake:{marker}"))
            for _ in range(failures):
                status, resp, data = self.post(body)
                self.assertEqual(status, 429)
                self.assertEqual(resp.getheader("Retry-After"), "1")
                self.assertEqual(
                    resp.getheader("x-ratelimit-limit-requests"), "60")
                self.assertEqual(
                    resp.getheader("x-ratelimit-remaining-requests"), "0")
                self.assertEqual(
                    resp.getheader("x-ratelimit-reset-requests"), "1s")
                self.assertEqual(json.loads(data), {"error": {
                    "message": "Rate limit reached for requests",
                    "type": "requests", "param": None,
                    "code": "rate_limit_exceeded"}})
            self.assertEqual(self.post(body)[0], 200)

    def test_quota_always(self):
        body = chat_body(self.desc("fake:quota-always"))
        for _ in range(3):
            status, _, data = self.post(body)
            self.assertEqual(status, 429)
            error = json.loads(data)["error"]
            self.assertEqual((error["type"], error["code"]),
                             ("insufficient_quota", "insufficient_quota"))
            self.assertTrue(error["message"].startswith(
                "You exceeded your current quota"))

    def test_error_statuses(self):
        cases = [
            ("500-once", 500, "Internal server error", "server_error", 1),
            ("500-always", 500, "Internal server error", "server_error", 3),
            ("503-once", 503, "Loading model", "unavailable_error", 1),
            ("400-always", 400,
             "the request exceeds the available context size",
             "invalid_request_error", 3),
            ("401-always", 401, "Invalid API Key", "authentication_error", 3),
        ]
        for marker, code, message, etype, times in cases:
            with self.subTest(marker):
                body = chat_body(self.desc(f"fake:{marker}"))
                for _ in range(times):
                    status, _, data = self.post(body)
                    self.assertEqual(status, code)
                    self.assertEqual(json.loads(data), {"error": {
                        "code": code, "message": message, "type": etype}})
                if marker.endswith("-once"):
                    self.assertEqual(self.post(body)[0], 200)

    def test_drop_once(self):
        body = chat_body(self.desc("fake:drop-once"))
        with self.assertRaises((http.client.RemoteDisconnected,
                                ConnectionError)):
            self.post(body)
        self.assertEqual(self.post(body)[0], 200)
        statuses = [line["status"] for line in self.server.log_lines()
                    if line["fault"] == "drop-once"]
        self.assertEqual(statuses, ["dropped"])

    def test_malformed_once(self):
        body = chat_body(self.desc("fake:malformed-once"))
        status, resp, data = self.post(body)
        self.assertEqual(status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith(
            "application/json"))
        self.assertEqual(len(data), 40)
        with self.assertRaises(ValueError):
            json.loads(data)
        _, _, good = self.post(body)
        self.assertTrue(good.startswith(data))  # the same reply, cut short

    def test_empty_once(self):
        body = chat_body(self.desc("fake:empty-once"))
        status, _, data = self.post(body)
        self.assertEqual(status, 200)
        reply = json.loads(data)
        self.assertEqual(reply["choices"], [])
        self.assertEqual(reply["usage"]["completion_tokens"], 0)
        self.assertRegex(content_of(self.post(body)[2]), CONTENT_RE)

    def test_stall_once_blocks_only_its_own_connection(self):
        # One stalled request waits for its answer (after --stall-ms 1500);
        # another gives up like a client with a timeout and retries.
        stalled = {}

        def wait_for_stall():
            start = time.monotonic()
            stalled["status"], _, stalled["data"] = self.post(
                chat_body(self.desc("fake:stall-once a")))
            stalled["elapsed"] = time.monotonic() - start

        thread = threading.Thread(target=wait_for_stall)
        thread.start()
        try:
            time.sleep(0.1)
            start = time.monotonic()
            self.assertEqual(request(self.port, "GET", "/health")[0], 200)
            body = chat_body(self.desc("fake:stall-once b"))
            with self.assertRaises(TimeoutError):
                self.post(body, timeout=0.3)
            self.assertEqual(self.post(body)[0], 200)
            self.assertLess(time.monotonic() - start, 1.0)
        finally:
            thread.join(10)
        self.assertEqual(stalled["status"], 200)
        self.assertRegex(content_of(stalled["data"]), CONTENT_RE)
        self.assertGreaterEqual(stalled["elapsed"], 1.4)
        # Let the abandoned stall finish, so its log line lands in this test.
        deadline = time.monotonic() + 5
        while (sum(line["fault"] == "stall-once"
                   for line in self.server.log_lines()) < 2
               and time.monotonic() < deadline):
            time.sleep(0.05)

    def test_markers_form_a_schedule(self):
        body = chat_body(
            self.desc("fake:429-once fake:500-once fake:503-once"))
        self.assertEqual([self.post(body)[0] for _ in range(4)],
                         [429, 500, 503, 200])
        lines = self.server.log_lines()[-4:]
        self.assertEqual([line["attempt"] for line in lines], [0, 1, 2, 3])
        self.assertEqual([line["fault"] for line in lines],
                         ["429-once", "500-once", "503-once", None])

    def test_persona_scope(self):
        desc = self.desc("fake:500-once@skeptic")
        self.assertEqual(self.post(chat_body(desc, persona="Builder"))[0], 200)
        self.assertEqual(self.post(chat_body(desc, persona="Skeptic"))[0], 500)
        self.assertEqual(self.post(chat_body(desc, persona="Skeptic"))[0], 200)


class TestContractFaults(SharedServer):

    def assert_once(self, marker, check_bad):
        """First attempt and its HTTP retry are bad; the re-ask is clean."""
        body = chat_body(self.desc(f"fake:{marker}"))
        for _ in range(2):
            check_bad(self.ok_content(body))
        clean = self.ok_content(chat_body(self.desc(f"fake:{marker}"),
                                          reask=True))
        self.assertRegex(clean, CONTENT_RE)

    def test_no_score(self):
        def bad(content):
            self.assertNotIn("SCORE", content)
            self.assertRegex(content, r"\AVERDICT: (ship|skip)\nREVIEW: ")
        self.assert_once("no-score-once", bad)
        body = chat_body(self.desc("fake:no-score-always"), reask=True)
        bad(self.ok_content(body))

    def test_score_140(self):
        self.assert_once("score-140-once", lambda c: self.assertTrue(
            c.startswith("SCORE: 140/100\nVERDICT: ")))

    def test_bad_verdict(self):
        self.assert_once("bad-verdict-once", lambda c: self.assertRegex(
            c, r"\ASCORE: \d+/100\nVERDICT: maybe\nREVIEW: "))

    def test_short(self):
        def bad(content):
            review = content.split("REVIEW: ", 1)[1]
            self.assertEqual(len(review.split()), 12)
        self.assert_once("short-once", bad)

    def test_chatty(self):
        def bad(content):
            self.assertTrue(content.startswith("Sure! Here is my review:\n\n"))
            self.assertRegex(content, r"\*\*SCORE:\*\* \d+/100\n"
                                      r"\*\*VERDICT:\*\* (ship|skip)\n"
                                      r"\*\*REVIEW:\*\* ")
        self.assert_once("chatty-once", bad)

    def test_no_rubric(self):
        self.assert_once("no-rubric-once", lambda c: self.assertEqual(
            c.split("REVIEW: ", 1)[1], fake_llm.BLAND_REVIEW))

    def test_bland_and_builtin_paragraphs_against_persona_rubrics(self):
        if not os.path.isdir(PERSONAS_DIR):
            self.skipTest("no personas/ directory")
        patterns = []
        for name in sorted(os.listdir(PERSONAS_DIR)):
            if name.endswith(".json"):
                with open(os.path.join(PERSONAS_DIR, name)) as f:
                    persona = json.load(f)
                patterns += [(persona["name"], r["name"],
                              re.compile(r["pattern"], re.I))
                             for r in persona.get("rubric", [])]
        for persona, rubric, pattern in patterns:
            with self.subTest(persona=persona, rubric=rubric):
                self.assertIsNone(pattern.search(fake_llm.BLAND_REVIEW))
                self.assertIsNone(pattern.search(fake_llm.SHORT_REVIEW))
                for _, text in fake_llm.BUILTIN_REVIEWS:
                    self.assertIsNotNone(pattern.search(text))

    def test_contract_fault_after_transport_fault(self):
        desc = self.desc("fake:429-once fake:no-score-once fake:chatty-once")
        self.assertEqual(self.post(chat_body(desc))[0], 429)
        content = self.ok_content(chat_body(desc))
        self.assertTrue(content.startswith("Sure!"))
        self.assertNotIn("SCORE", content)
        self.assertEqual(self.server.log_lines()[-1]["fault"],
                         "no-score-once,chatty-once")
        self.assertRegex(self.ok_content(chat_body(desc, reask=True)),
                         CONTENT_RE)

    def test_contract_scope(self):
        desc = self.desc("fake:score-140-always@founder")
        self.assertTrue(self.ok_content(chat_body(
            desc, persona="Founder", reask=True)).startswith("SCORE: 140/100"))
        self.assertRegex(self.ok_content(chat_body(desc)), CONTENT_RE)


class TestLogAndConnections(SharedServer):

    def test_log_lines(self):
        before = len(self.server.log_lines())
        body = chat_body(self.desc("fake:500-once"), temperature=0.3,
                         max_tokens=512, seed=42)
        self.post(body)
        self.post(chat_body(self.desc("fake:500-once"), reask=True))
        lines = self.server.log_lines()[before:]
        self.assertEqual(len(lines), 2)
        first, second = lines
        self.assertEqual(list(first), [
            "n", "method", "path", "persona", "conv_key", "attempt",
            "messages", "assistant_turns", "auth", "fault", "status", "model",
            "temperature", "max_tokens", "seed", "user_agent"])
        key = conv_key("fake-1", "builder", f"Review this tool.\n<tool>"
                       f"{self.desc('fake:500-once')}</tool>")
        self.assertEqual(first, {
            "n": first["n"], "method": "POST", "path": "/v1/chat/completions",
            "persona": "builder", "conv_key": key[:16], "attempt": 0,
            "messages": 2, "assistant_turns": 0, "auth": "none-required",
            "fault": "500-once", "status": 500, "model": "fake-1",
            "temperature": 0.3, "max_tokens": 512, "seed": 42,
            "user_agent": "shipskip-test/1.0"})
        self.assertEqual(second["n"], first["n"] + 1)
        self.assertEqual((second["attempt"], second["messages"],
                          second["assistant_turns"], second["fault"],
                          second["status"]), (1, 4, 1, None, 200))

    def test_keep_alive_reuses_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            socks = []
            for i in range(5):
                status, resp, _ = post(self.port,
                                       chat_body(self.desc(str(i))),
                                       conn=conn)
                self.assertEqual(status, 200)
                self.assertEqual(resp.getheader("Connection"), "Keep-Alive")
                self.assertEqual(resp.getheader("Keep-Alive"),
                                 "timeout=5, max=100")
                socks.append(conn.sock)
            self.assertIsNotNone(socks[0])
            self.assertTrue(all(s is socks[0] for s in socks))
        finally:
            conn.close()


# --------------------------------------------------------------------------
# The other wire formats: the same conversation as chat_body(), in each
# vendor's request shape.
# --------------------------------------------------------------------------

def first_user_text(desc):
    return f"Review this tool.\n<tool>{desc}</tool>"


def anthropic_body(desc, persona="Builder", model="fake-1", reask=False,
                   max_tokens=1024, **extra):
    """An Anthropic Messages request for one tool description, as bytes."""
    req = {"model": model, "max_tokens": max_tokens}
    if persona:
        req["system"] = f"You are the {persona}: a reviewer."
    req["messages"] = [{"role": "user", "content": first_user_text(desc)}]
    if reask:
        req["messages"] += [
            {"role": "assistant", "content": "VERDICT: ship"},
            {"role": "user", "content": "no SCORE line; answer again"}]
    req.update(extra)
    return json.dumps(req).encode()


def gemini_body(desc, persona="Builder", reask=False, config=None, **extra):
    """A Gemini generateContent request (the model goes in the path)."""
    req = {"contents": [{"role": "user",
                         "parts": [{"text": first_user_text(desc)}]}]}
    if reask:
        req["contents"] += [
            {"role": "model", "parts": [{"text": "VERDICT: ship"}]},
            {"role": "user",
             "parts": [{"text": "no SCORE line; answer again"}]}]
    if persona:
        req["systemInstruction"] = {
            "parts": [{"text": f"You are the {persona}: a reviewer."}]}
    if config is not None:
        req["generationConfig"] = config
    req.update(extra)
    return json.dumps(req).encode()


def gemini_path(model="fake-1"):
    return f"/v1beta/models/{model}:generateContent"


def ollama_body(desc, persona="Builder", model="fake-1", reask=False,
                stream=False, **extra):
    """An Ollama /api/chat request; stream=None leaves "stream" out."""
    messages = []
    if persona:
        messages.append({"role": "system",
                         "content": f"You are the {persona}: a reviewer."})
    messages.append({"role": "user", "content": first_user_text(desc)})
    if reask:
        messages += [
            {"role": "assistant", "content": "VERDICT: ship"},
            {"role": "user", "content": "no SCORE line; answer again"}]
    req = {"model": model, "messages": messages}
    if stream is not None:
        req["stream"] = stream
    req.update(extra)
    return json.dumps(req).encode()


ANTHROPIC_HEADERS = {"anthropic-version": "2023-06-01"}
RFC3339_RE = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\Z")


def anthropic_post(port, body, headers=None, **kw):
    h = dict(ANTHROPIC_HEADERS)
    h.update(headers or {})
    return request(port, "POST", "/v1/messages", body, headers=h, **kw)


def gemini_post(port, body, model="fake-1", headers=None, **kw):
    return request(port, "POST", gemini_path(model), body, headers=headers,
                   **kw)


def ollama_post(port, body, **kw):
    return request(port, "POST", "/api/chat", body, **kw)


def anthropic_text(data):
    reply = json.loads(data)
    return "".join(b["text"] for b in reply["content"]
                   if b["type"] == "text")


def gemini_text(data):
    reply = json.loads(data)
    return "".join(p["text"] for p in
                   reply["candidates"][0]["content"]["parts"])


def ollama_text(data):
    return json.loads(data)["message"]["content"]


class TestWireFormats(SharedServer):
    """Anthropic, Gemini and Ollama: same replies, their own shapes."""

    def openai_reference(self, desc, persona="Builder", model="fake-1"):
        """The OpenAI-format reply for the same conversation: (content,
        prompt tokens, completion tokens)."""
        status, _, data = self.post(chat_body(desc, persona=persona,
                                              model=model))
        self.assertEqual(status, 200, data)
        reply = json.loads(data)
        return (content_of(data), reply["usage"]["prompt_tokens"],
                reply["usage"]["completion_tokens"])

    def test_anthropic_success_shape(self):
        desc = self.desc()
        body = anthropic_body(desc, temperature=0.2, max_tokens=300)
        status, resp, first = anthropic_post(self.port, body)
        self.assertEqual(status, 200, first)
        self.assertTrue(resp.getheader("Content-Type").startswith(
            "application/json"))
        self.assertEqual(anthropic_post(self.port, body)[2], first)
        reply = json.loads(first)
        self.assertEqual(list(reply), [
            "id", "type", "role", "model", "content", "stop_reason",
            "stop_sequence", "usage"])
        self.assertEqual(reply["id"],
                         "msg_" + hashlib.sha256(body).hexdigest()[:24])
        self.assertEqual((reply["type"], reply["role"], reply["model"],
                          reply["stop_reason"], reply["stop_sequence"]),
                         ("message", "assistant", "fake-1", "end_turn", None))
        self.assertEqual(len(reply["content"]), 1)
        self.assertEqual(reply["content"][0]["type"], "text")
        # The same conversation gets the same content and counts as in the
        # OpenAI format (persona from the top-level system).
        content, p, c = self.openai_reference(desc)
        self.assertEqual(reply["content"][0]["text"], content)
        self.assertEqual(reply["usage"], {"input_tokens": p,
                                          "output_tokens": c})
        line = self.server.log_lines()[-2]
        self.assertEqual(
            {k: line[k] for k in ("path", "persona", "messages", "model",
                                  "temperature", "max_tokens", "seed",
                                  "assistant_turns", "auth", "status")},
            {"path": "/v1/messages", "persona": "builder", "messages": 2,
             "model": "fake-1", "temperature": 0.2, "max_tokens": 300,
             "seed": None, "assistant_turns": 0, "auth": "none-required",
             "status": 200})

    def test_anthropic_system_blocks_and_reask(self):
        desc = self.desc()
        blocks = anthropic_body(desc, persona=None, system=[
            {"type": "text", "text": "You are the Skeptic: a reviewer."}])
        first = anthropic_text(anthropic_post(self.port, blocks)[2])
        self.assertEqual(self.server.log_lines()[-1]["persona"], "skeptic")
        again = anthropic_text(anthropic_post(self.port, anthropic_body(
            desc, persona="Skeptic", reask=True))[2])
        self.assertEqual(first, again)
        self.assertRegex(first, CONTENT_RE)

    def test_anthropic_rejects_what_the_real_api_rejects(self):
        desc = self.desc()
        cases = [
            ({}, anthropic_body(desc, seed=7),
             "seed: Extra inputs are not permitted"),
            ({}, json.dumps({"model": "m", "messages": [
                {"role": "user", "content": "x"}]}).encode(),
             "max_tokens: Field required"),
            ({}, json.dumps({"model": "m", "max_tokens": 5, "messages": [
                {"role": "system", "content": "You are the Builder"},
                {"role": "user", "content": "x"}]}).encode(),
             'Unexpected role "system"'),
            ({}, b"not json", "valid JSON"),
            ({"anthropic-version": ""}, anthropic_body(desc),
             "anthropic-version: header is required"),
        ]
        before = len(self.server.log_lines())
        for headers, body, needle in cases:
            with self.subTest(needle):
                status, _, data = anthropic_post(self.port, body,
                                                 headers=headers)
                self.assertEqual(status, 400)
                error = json.loads(data)
                self.assertEqual(error["type"], "error")
                self.assertEqual(error["error"]["type"],
                                 "invalid_request_error")
                self.assertIn(needle, error["error"]["message"])
        lines = self.server.log_lines()[before:]
        self.assertEqual([line["attempt"] for line in lines],
                         [None] * len(cases))

    def test_anthropic_faults(self):
        cases = [
            ("500-once", 500, "api_error", "Internal server error"),
            ("503-once", 529, "overloaded_error", "Overloaded"),
            ("400-once", 400, "invalid_request_error", "prompt is too long"),
            ("401-once", 401, "authentication_error", "invalid x-api-key"),
            ("404-once", 404, "not_found_error", "model: fake-1"),
            ("quota-once", 400, "invalid_request_error",
             "credit balance is too low"),
        ]
        for marker, code, etype, needle in cases:
            with self.subTest(marker):
                body = anthropic_body(self.desc(f"fake:{marker}"))
                status, _, data = anthropic_post(self.port, body)
                self.assertEqual(status, code)
                error = json.loads(data)
                self.assertEqual(list(error), ["type", "error"])
                self.assertEqual(error["error"]["type"], etype)
                self.assertIn(needle, error["error"]["message"])
                self.assertEqual(anthropic_post(self.port, body)[0], 200)

    def test_anthropic_429_headers(self):
        body = anthropic_body(self.desc("fake:429-once"))
        status, resp, data = anthropic_post(self.port, body)
        self.assertEqual(status, 429)
        self.assertEqual(json.loads(data)["error"]["type"],
                         "rate_limit_error")
        self.assertEqual(resp.getheader("retry-after"), "1")
        self.assertEqual(
            resp.getheader("anthropic-ratelimit-requests-limit"), "60")
        self.assertEqual(
            resp.getheader("anthropic-ratelimit-requests-remaining"), "0")
        reset = resp.getheader("anthropic-ratelimit-requests-reset")
        self.assertRegex(reset, RFC3339_RE)
        when = time.mktime(time.strptime(reset, "%Y-%m-%dT%H:%M:%SZ")) \
            - time.timezone
        self.assertTrue(time.time() < when <= time.time() + 3, reset)
        self.assertIsNone(resp.getheader("x-ratelimit-remaining-requests"))
        self.assertEqual(anthropic_post(self.port, body)[0], 200)

    def test_anthropic_empty_blocked_malformed(self):
        body = anthropic_body(self.desc("fake:empty-once"))
        reply = json.loads(anthropic_post(self.port, body)[2])
        self.assertEqual((reply["content"], reply["usage"]["output_tokens"]),
                         ([], 0))
        body = anthropic_body(self.desc("fake:blocked-once"))
        reply = json.loads(anthropic_post(self.port, body)[2])
        self.assertEqual((reply["content"], reply["stop_reason"]),
                         ([], "refusal"))
        self.assertRegex(anthropic_text(anthropic_post(self.port, body)[2]),
                         CONTENT_RE)
        body = anthropic_body(self.desc("fake:malformed-once"))
        status, _, cut = anthropic_post(self.port, body)
        self.assertEqual((status, len(cut)), (200, 40))
        self.assertTrue(anthropic_post(self.port, body)[2].startswith(cut))

    def test_gemini_success_shape(self):
        desc = self.desc()
        body = gemini_body(desc, config={"temperature": 0.2,
                                         "maxOutputTokens": 300, "seed": 7})
        status, resp, first = gemini_post(self.port, body)
        self.assertEqual(status, 200, first)
        self.assertIn(b'\n  "candidates": [', first)  # Google pretty-prints
        self.assertEqual(gemini_post(self.port, body)[2], first)
        reply = json.loads(first)
        self.assertEqual(list(reply), ["candidates", "usageMetadata",
                                       "modelVersion", "responseId"])
        cand = reply["candidates"][0]
        self.assertEqual((cand["finishReason"], cand["index"],
                          cand["content"]["role"]), ("STOP", 0, "model"))
        self.assertEqual(reply["modelVersion"], "fake-1")
        self.assertEqual(reply["responseId"],
                         hashlib.sha256(body).hexdigest()[:24])
        content, p, c = self.openai_reference(desc)
        self.assertEqual(gemini_text(first), content)
        self.assertEqual(reply["usageMetadata"], {
            "promptTokenCount": p, "candidatesTokenCount": c,
            "totalTokenCount": p + c})
        line = self.server.log_lines()[-2]
        self.assertEqual(
            {k: line[k] for k in ("path", "persona", "messages", "model",
                                  "temperature", "max_tokens", "seed")},
            {"path": gemini_path(), "persona": "builder", "messages": 2,
             "model": "fake-1", "temperature": 0.2,
             "max_tokens": 300, "seed": 7})
        # A re-ask (role "model") gets the same reply.
        again = gemini_text(gemini_post(self.port, gemini_body(
            desc, reask=True))[2])
        self.assertEqual(again, content)
        self.assertEqual(self.server.log_lines()[-1]["assistant_turns"], 1)

    def test_gemini_rejects_what_the_real_api_rejects(self):
        desc = self.desc()
        cases = [
            (gemini_body(desc, config={"max_tokens": 5}),
             'Unknown name "max_tokens" at \'generation_config\''),
            (gemini_body(desc, model="x"), 'Unknown name "model"'),
            (json.dumps({"contents": [{"role": "assistant", "parts": [
                {"text": "x"}]}]}).encode(), "valid role: user, model"),
            (json.dumps({"contents": []}).encode(), "contents is not"),
            (b"{", "Invalid JSON payload"),
        ]
        for body, needle in cases:
            with self.subTest(needle):
                status, _, data = gemini_post(self.port, body)
                self.assertEqual(status, 400)
                error = json.loads(data)["error"]
                self.assertEqual((error["code"], error["status"]),
                                 (400, "INVALID_ARGUMENT"))
                self.assertIn(needle, error["message"])

    def test_gemini_faults(self):
        cases = [
            ("500-once", 500, "INTERNAL", "internal error"),
            ("503-once", 503, "UNAVAILABLE", "overloaded"),
            ("400-once", 400, "INVALID_ARGUMENT", "input token count"),
            ("401-once", 400, "INVALID_ARGUMENT", "API key not valid"),
            ("404-once", 404, "NOT_FOUND", "models/fake-1 is not found"),
        ]
        for marker, code, gstatus, needle in cases:
            with self.subTest(marker):
                body = gemini_body(self.desc(f"fake:{marker}"))
                status, _, data = gemini_post(self.port, body)
                self.assertEqual(status, code)
                error = json.loads(data)["error"]
                self.assertEqual((error["code"], error["status"]),
                                 (code, gstatus))
                self.assertIn(needle, error["message"])
                self.assertEqual(gemini_post(self.port, body)[0], 200)

    def test_gemini_429_and_quota_say_when_in_the_body(self):
        for marker, quota_id, delay in (
                ("429-once", "GenerateRequestsPerMinutePerProjectPerModel-"
                             "FreeTier", "1s"),
                ("quota-once", "GenerateRequestsPerDayPerProjectPerModel-"
                               "FreeTier", "43200s")):
            with self.subTest(marker):
                body = gemini_body(self.desc(f"fake:{marker}"))
                status, resp, data = gemini_post(self.port, body)
                self.assertEqual(status, 429)
                self.assertIsNone(resp.getheader("Retry-After"))
                error = json.loads(data)["error"]
                self.assertEqual(error["status"], "RESOURCE_EXHAUSTED")
                types = {d["@type"].rsplit(".", 1)[-1]: d
                         for d in error["details"]}
                self.assertEqual(types["RetryInfo"]["retryDelay"], delay)
                self.assertEqual(
                    types["QuotaFailure"]["violations"][0]["quotaId"],
                    quota_id)

    def test_gemini_blocked_and_empty(self):
        body = gemini_body(self.desc("fake:blocked-once"))
        status, _, data = gemini_post(self.port, body)
        self.assertEqual(status, 200)
        reply = json.loads(data)
        self.assertNotIn("candidates", reply)
        self.assertEqual(reply["promptFeedback"]["blockReason"], "SAFETY")
        self.assertNotIn("candidatesTokenCount", reply["usageMetadata"])
        self.assertRegex(gemini_text(gemini_post(self.port, body)[2]),
                         CONTENT_RE)
        body = gemini_body(self.desc("fake:empty-once"))
        reply = json.loads(gemini_post(self.port, body)[2])
        self.assertEqual(reply["candidates"], [{
            "content": {"role": "model"}, "finishReason": "STOP",
            "index": 0}])
        self.assertEqual(reply["usageMetadata"]["candidatesTokenCount"], 0)

    def test_ollama_success_shape(self):
        desc = self.desc()
        body = ollama_body(desc, options={"temperature": 0.2,
                                          "num_predict": 300, "seed": 7})
        status, _, first = ollama_post(self.port, body)
        self.assertEqual(status, 200, first)
        self.assertEqual(ollama_post(self.port, body)[2], first)
        reply = json.loads(first)
        self.assertEqual(list(reply), [
            "model", "created_at", "message", "done_reason", "done",
            "total_duration", "load_duration", "prompt_eval_count",
            "prompt_eval_duration", "eval_count", "eval_duration"])
        self.assertEqual((reply["model"], reply["created_at"],
                          reply["done_reason"], reply["done"],
                          reply["message"]["role"]),
                         ("fake-1", "2023-11-14T22:13:20Z", "stop", True,
                          "assistant"))
        content, p, c = self.openai_reference(desc)
        self.assertEqual(reply["message"]["content"], content)
        self.assertEqual((reply["prompt_eval_count"], reply["eval_count"]),
                         (p, c))
        self.assertEqual(reply["prompt_eval_duration"], p * 1000000)
        self.assertEqual(reply["eval_duration"], c * 20000000)
        self.assertEqual(reply["total_duration"],
                         1000000 + p * 1000000 + c * 20000000)
        line = self.server.log_lines()[-2]
        self.assertEqual(
            {k: line[k] for k in ("path", "persona", "messages", "model",
                                  "temperature", "max_tokens", "seed")},
            {"path": "/api/chat", "persona": "builder", "messages": 2,
             "model": "fake-1", "temperature": 0.2, "max_tokens": 300,
             "seed": 7})

    def test_ollama_streams_unless_told_not_to(self):
        desc = self.desc()
        status, resp, data = ollama_post(self.port,
                                         ollama_body(desc, stream=None))
        self.assertEqual(status, 200)
        self.assertEqual(resp.getheader("Content-Type"),
                         "application/x-ndjson")
        lines = [json.loads(line) for line in data.decode().splitlines()]
        self.assertEqual([line["done"] for line in lines], [False, True])
        self.assertEqual(lines[1]["message"]["content"], "")
        self.assertEqual(lines[0]["message"]["content"],
                         ollama_text(ollama_post(self.port,
                                                 ollama_body(desc))[2]))

    def test_ollama_requests_and_faults(self):
        # No messages: Ollama loads the model and says so.
        status, _, data = ollama_post(self.port, json.dumps(
            {"model": "fake-1"}).encode())
        self.assertEqual(status, 200)
        reply = json.loads(data)
        self.assertEqual((reply["done_reason"], reply["message"]["content"]),
                         ("load", ""))
        for body, needle in ((json.dumps({"messages": []}).encode(),
                              "model is required"),
                             (b"nope", "invalid character")):
            status, _, data = ollama_post(self.port, body)
            self.assertEqual(status, 400)
            self.assertIn(needle, json.loads(data)["error"])
        cases = [
            ("404-once", 404, 'model "fake-1" not found, try pulling it'),
            ("503-once", 503, "server busy"),
            ("500-once", 500, "llama runner process has terminated"),
            ("400-once", 400, "context length"),
            ("429-once", 429, "too many requests"),
        ]
        for marker, code, needle in cases:
            with self.subTest(marker):
                body = ollama_body(self.desc(f"fake:{marker}"))
                status, resp, data = ollama_post(self.port, body)
                self.assertEqual(status, code)
                error = json.loads(data)
                self.assertEqual(list(error), ["error"])
                self.assertIn(needle, error["error"])
                if code == 429:
                    self.assertEqual(resp.getheader("Retry-After"), "1")
                self.assertEqual(ollama_post(self.port, body)[0], 200)
        body = ollama_body(self.desc("fake:empty-once"))
        reply = json.loads(ollama_post(self.port, body)[2])
        self.assertEqual((reply["message"]["content"], reply["eval_count"]),
                         ("", 0))
        # Ollama has no refusal shape: blocked answers normally.
        body = ollama_body(self.desc("fake:blocked-once"))
        self.assertRegex(ollama_text(ollama_post(self.port, body)[2]),
                         CONTENT_RE)

    def test_markers_schedule_and_scope_in_every_format(self):
        posts = {
            "anthropic": lambda d, p: anthropic_post(
                self.port, anthropic_body(d, persona=p)),
            "gemini": lambda d, p: gemini_post(
                self.port, gemini_body(d, persona=p)),
            "ollama": lambda d, p: ollama_post(
                self.port, ollama_body(d, persona=p)),
        }
        for api, send in posts.items():
            with self.subTest(api):
                desc = self.desc(f"{api} fake:429-once fake:500-once "
                                 f"fake:no-score-once@skeptic")
                self.assertEqual([send(desc, "Builder")[0]
                                  for _ in range(3)], [429, 500, 200])
                status, _, data = send(desc, "Skeptic")
                self.assertEqual(status, 429)
                send(desc, "Skeptic")
                status, _, data = send(desc, "Skeptic")
                self.assertEqual(status, 200)
                text = {"anthropic": anthropic_text, "gemini": gemini_text,
                        "ollama": ollama_text}[api](data)
                self.assertNotIn("SCORE", text)

    def test_fake_404_in_openai_format(self):
        body = chat_body(self.desc("fake:404-once"))
        status, _, data = self.post(body)
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(data)["error"]["code"], "model_not_found")
        body = chat_body(self.desc("fake:blocked-once"))
        message = json.loads(self.post(body)[2])["choices"][0]["message"]
        self.assertEqual((message["content"], message["refusal"]),
                         (None, fake_llm.REFUSAL))


class TestOwnServers(unittest.TestCase):
    """Tests that need a server with particular options."""

    def test_keepalive_max_closes_connection(self):
        server = start_server(self.addCleanup, "--keepalive-max", 3)
        sock = socket.create_connection(("127.0.0.1", server.port), 5)
        self.addCleanup(sock.close)
        get = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        for i in range(3):
            sock.sendall(get)
            head, body = raw_response(sock)
            self.assertEqual(body, b'{"status":"ok"}')
            if i < 2:
                self.assertIn("Connection: Keep-Alive", head)
                self.assertIn("Keep-Alive: timeout=5, max=3", head)
            else:
                self.assertIn("Connection: close", head)
                self.assertNotIn("Keep-Alive:", head)
        self.assertEqual(sock.recv(1), b"")  # the server hung up

    def test_idle_connection_is_closed(self):
        server = start_server(self.addCleanup, "--idle-timeout-s", 0.3)
        sock = socket.create_connection(("127.0.0.1", server.port), 5)
        self.addCleanup(sock.close)
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        head, _ = raw_response(sock)
        self.assertIn("Keep-Alive: timeout=0.3, max=100", head)
        start = time.monotonic()
        self.assertEqual(sock.recv(1), b"")  # closed once idle
        self.assertLess(time.monotonic() - start, 2.0)

    def test_api_key(self):
        server = start_server(self.addCleanup, "--api-key", "sekrit-123")
        body = chat_body("auth tool")
        cases = [({}, 401, "missing"),
                 ({"Authorization": "Bearer wrong"}, 401, "wrong"),
                 ({"Authorization": "Bearer sekrit-123"}, 200, "ok")]
        for headers, code, _ in cases:
            status, _, data = post(server.port, body, headers=headers)
            self.assertEqual(status, code)
            if code == 401:
                self.assertEqual(json.loads(data), {"error": {
                    "code": 401, "message": "Invalid API Key",
                    "type": "authentication_error"}})
        # /health needs no key.
        self.assertEqual(request(server.port, "GET", "/health")[0], 200)
        lines = server.log_lines()
        self.assertEqual([line["auth"] for line in lines[:3]],
                         [want for _, _, want in cases])
        # Rejected requests do not count as attempts.
        self.assertEqual([line["attempt"] for line in lines[:3]],
                         [None, None, 0])
        with open(server.log_path) as f:
            self.assertNotIn("sekrit-123", f.read())

    def test_api_keys_in_each_formats_header(self):
        server = start_server(self.addCleanup, "--api-key", "sekrit-123")
        desc = "auth tool formats"
        cases = [
            ("anthropic", {}, 401, "missing"),
            ("anthropic", {"Authorization": "Bearer sekrit-123"}, 401,
             "missing"),
            ("anthropic", {"x-api-key": "wrong"}, 401, "wrong"),
            ("anthropic", {"x-api-key": "sekrit-123"}, 200, "ok"),
            ("gemini", {}, 403, "missing"),
            ("gemini", {"x-goog-api-key": "wrong"}, 400, "wrong"),
            ("gemini", {"x-goog-api-key": "sekrit-123"}, 200, "ok"),
            ("ollama", {}, 200, "none-required"),
        ]
        for api, headers, code, _ in cases:
            with self.subTest(api=api, headers=headers):
                if api == "anthropic":
                    status, _, data = anthropic_post(
                        server.port, anthropic_body(desc), headers=headers)
                elif api == "gemini":
                    status, _, data = gemini_post(
                        server.port, gemini_body(desc), headers=headers)
                else:
                    status, _, data = ollama_post(server.port,
                                                  ollama_body(desc))
                self.assertEqual(status, code, data)
                if api == "anthropic" and code == 401:
                    self.assertEqual(json.loads(data), {
                        "type": "error", "error": {
                            "type": "authentication_error",
                            "message": "invalid x-api-key"}})
                if api == "gemini" and code != 200:
                    self.assertIn(json.loads(data)["error"]["status"],
                                  ("PERMISSION_DENIED", "INVALID_ARGUMENT"))
        # The key in a ?key= query parameter is not read.
        status, _, _ = request(server.port, "POST",
                               gemini_path() + "?key=sekrit-123",
                               gemini_body(desc))
        self.assertEqual(status, 403)
        lines = server.log_lines()
        self.assertEqual([line["auth"] for line in lines[:len(cases)]],
                         [want for _, _, _, want in cases])
        with open(server.log_path) as f:
            log = f.read()
        self.assertEqual(log.count("sekrit-123"), 1)  # only the ?key= path

    def test_latency_overlaps_across_256_connections(self):
        server = start_server(self.addCleanup, "--latency-ms", 300)
        count = 256
        barrier = threading.Barrier(count)
        results = []

        def one(i):
            conn = http.client.HTTPConnection("127.0.0.1", server.port,
                                              timeout=20)
            try:
                conn.connect()
                barrier.wait(10)
                results.append(post(server.port, chat_body(f"tool {i}"),
                                    conn=conn)[0])
            except Exception as e:  # recorded, then asserted below
                results.append(repr(e))
            finally:
                conn.close()

        threads = [threading.Thread(target=one, args=(i,))
                   for i in range(count)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        elapsed = time.monotonic() - start
        self.assertEqual(results, [200] * count)
        # Serialized, this would take 256 * 0.3 s = 77 s.
        self.assertLess(elapsed, 5.0)
        self.assertEqual(server.stderr(), "")

    def test_sigterm_exits_zero_promptly_and_quietly(self):
        server = start_server(self.addCleanup, "--stall-ms", 10000)
        # A drop, a client that hangs up mid-stall, and a stall still running.
        body = chat_body("sigterm tool fake:drop-once")
        with self.assertRaises(ConnectionError):
            post(server.port, body)
        with self.assertRaises(TimeoutError):
            post(server.port, chat_body("hang up fake:stall-once"),
                 timeout=0.2)
        def in_flight():
            try:
                post(server.port, chat_body("in flight fake:stall-once"))
            except (ConnectionError, http.client.HTTPException):
                pass  # the server went away, as intended

        threading.Thread(target=in_flight, daemon=True).start()
        time.sleep(0.2)
        start = time.monotonic()
        self.assertEqual(server.stop(), 0)
        self.assertLess(time.monotonic() - start, 2.0)
        self.assertEqual(server.stderr(), "")

    def test_unknown_marker_warns_once(self):
        server = start_server(self.addCleanup)
        for _ in range(2):
            status = post(server.port, chat_body("x fake:bogus-once"))[0]
            self.assertEqual(status, 200)
        server.stop()
        self.assertEqual(server.stderr().count("fake:bogus-once"), 1)

    def test_reuse_port_shares_one_port(self):
        first = start_server(self.addCleanup, "--reuse-port")
        second = start_server(self.addCleanup, "--reuse-port",
                              "--port", first.port)
        self.assertEqual(second.port, first.port)
        for _ in range(4):
            conn = http.client.HTTPConnection("127.0.0.1", first.port,
                                              timeout=10)
            conn.request("GET", "/health")
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
        # Without the flag the port is taken.
        proc = subprocess.run(
            [sys.executable, SCRIPT, "--port", str(first.port),
             "--port-file", os.devnull], capture_output=True, timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"cannot listen", proc.stderr)

    def test_rejects_non_loopback_host(self):
        proc = subprocess.run(
            [sys.executable, SCRIPT, "--port", "0", "--host", "0.0.0.0",
             "--port-file", os.devnull], capture_output=True, timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertIn(b"loopback", proc.stderr)


if __name__ == "__main__":
    unittest.main()
