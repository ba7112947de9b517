#!/usr/bin/env python3
"""End-to-end tests of reaching an API the way a company network does:
HTTPS with a private CA, a proxy, a gateway that wants its own headers and
query parameters, Azure OpenAI, and the reports a CI job reads.

Each test starts tests/fake_llm.py with the options it needs:
--tls-cert/--tls-key (a CA and a server certificate for 127.0.0.1 made here
with the openssl command), --require-header/--require-query (the gateway's
checks), --api-key (also checked on the Azure route, in `api-key`). A tiny
forward proxy (CONNECT tunnels and absolute-URI requests) runs in a thread
and counts what passes through it.

Also here: the list prices shipped with shipskip (a cost without a price in
the config, marked as an estimate with its date; the config's price wins),
`--junit` (parsed with xml.etree, structure checked), and a config with
comments and one whose error is named by line and column.

    SHIPSKIP_BIN   the binary (default: <repo>/build/shipskip)

Run: python3 tests/test_gateway.py [-v] [TestClass.test_name]
Python 3.11 standard library only, plus the openssl command.
"""

import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import test_e2e as e2e  # noqa: E402

REPO = e2e.REPO
BIN = e2e.BIN
FAKE_LLM = os.path.join(HERE, "fake_llm.py")
KEY = "sk-gw-test-0000"
GW_SECRET = "gw-secret-SHOULD-NOT-LEAK-42"
PANEL = ["builder", "skeptic"]
# The built-in list price of gpt-4o-mini (src/model/pricetable.c).
LIST_MINI = (0.15, 0.60)
CLEAR_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_API_KEY",
             "AZURE_OPENAI_ENDPOINT", "CURL_CA_BUNDLE", "SSL_CERT_FILE",
             "SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
             "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy",
             "GW_KEY")


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True,
                   capture_output=True, timeout=60)


def make_ca_and_server_cert(d):
    """A CA (ca.pem) and a server certificate for IP 127.0.0.1 signed by it
    (server.pem, server.key), in d. Returns (ca, cert, key) paths."""
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=shipskip test CA", "-keyout", "ca.key",
            "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem",
            "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", "ext.cnf", "-out", "server.pem", cwd=d)
    return (os.path.join(d, "ca.pem"), os.path.join(d, "server.pem"),
            os.path.join(d, "server.key"))


class Proxy:
    """A forward proxy on 127.0.0.1: CONNECT host:port tunnels (HTTPS) and
    absolute-URI requests (plain HTTP, passed on with Connection: close).
    Counts the requests it was asked to carry."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connects = 0
        self.forwards = 0
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self.serve, daemon=True).start()

    def close(self):
        self.closed = True
        self.sock.close()

    def serve(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn,),
                             daemon=True).start()

    @staticmethod
    def read_head(conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        return head.decode("latin-1"), rest

    def handle(self, conn):
        try:
            head, rest = self.read_head(conn)
            if head is None:
                return
            method, target, _ = head.split("\r\n")[0].split(" ", 2)
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                up = socket.create_connection((host, int(port)), timeout=30)
                with self.lock:
                    self.connects += 1
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self.pipe(conn, up, rest)
            else:
                self.forward(conn, head, rest, target)
        except OSError:
            pass
        finally:
            conn.close()

    def forward(self, conn, head, rest, target):
        """One plain-HTTP request for an absolute URI, then close."""
        hostport, _, path = target.removeprefix("http://").partition("/")
        host, _, port = hostport.partition(":")
        lines = head.split("\r\n")
        length = 0
        kept = []
        for line in lines[1:]:
            name = line.split(":", 1)[0].strip().lower()
            if name == "content-length":
                length = int(line.split(":", 1)[1])
            if name not in ("connection", "proxy-connection", "keep-alive"):
                kept.append(line)
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return
            rest += chunk
        with self.lock:
            self.forwards += 1
        method = lines[0].split(" ", 1)[0]
        req = "\r\n".join([f"{method} /{path} HTTP/1.1", *kept,
                           "Connection: close"]) + "\r\n\r\n"
        up = socket.create_connection((host, int(port or 80)), timeout=30)
        up.sendall(req.encode("latin-1") + rest)
        self.pipe(conn, up, b"", close_after_reply=True)

    @staticmethod
    def pipe(a, b, first, close_after_reply=False):
        if first:
            b.sendall(first)
        socks = [a, b]
        try:
            while True:
                ready, _, _ = select.select(socks, [], [], 30)
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        finally:
            b.close()


class GatewayCase(unittest.TestCase):
    """A temp dir per test; servers started on demand, stopped after."""

    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        if not (os.path.isfile(BIN) and os.access(BIN, os.X_OK)):
            raise unittest.SkipTest(f"shipskip binary not found at {BIN}")

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="sk-gw-")
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.out = os.path.join(self.tmp, "out")
        self.tool = self.write_json("tool.json",
                                    e2e.make_tool("Gateway Tool",
                                                  slug="gateway-tool"))

    def start_fake(self, *args, name="server"):
        """Starts fake_llm.py with args; returns (port, log_path)."""
        d = os.path.join(self.tmp, name)
        os.mkdir(d)
        port_file = os.path.join(d, "port")
        log = os.path.join(d, "requests.jsonl")
        err = open(os.path.join(d, "stderr"), "wb")
        proc = subprocess.Popen(
            [sys.executable, FAKE_LLM, "--port", "0", "--port-file",
             port_file, "--log", log, *args],
            stdout=subprocess.DEVNULL, stderr=err)

        def stop():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            err.close()
        self.addCleanup(stop)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.fail(f"fake_llm exited {proc.returncode}")
            try:
                with open(port_file) as f:
                    text = f.read()
                if text.endswith("\n"):
                    return int(text), log
            except OSError:
                pass
            time.sleep(0.02)
        self.fail("fake_llm did not start")

    def read_log(self, log):
        try:
            with open(log, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def env(self, **changes):
        env = dict(os.environ)
        for k in CLEAR_ENV:
            env.pop(k, None)
        env["OPENAI_API_KEY"] = KEY
        env.update({k: v for k, v in changes.items() if v is not None})
        return env

    def write_json(self, name, obj):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(obj, f)
        return path

    def write_text(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def sk(self, *args, env=None):
        res = subprocess.run([BIN, *args], cwd=self.tmp,
                             env=env or self.env(), capture_output=True,
                             text=True, timeout=e2e.RUN_TIMEOUT)
        res.cmd = [BIN, *args]
        return res

    def review(self, *args, env=None, inputs=None, out=None):
        return self.sk("review", *(inputs or [self.tool]), "-o",
                       out or self.out, "--personas", ",".join(PANEL),
                       "--no-progress", "--max-retries", "0", *args, env=env)

    def assertExit(self, res, code):
        self.assertEqual(res.returncode, code,
                         f"\ncommand: {' '.join(res.cmd)}\nexit: "
                         f"{res.returncode}\nstderr:\n{res.stderr}")

    def card(self, out=None):
        with open(os.path.join(out or self.out, "gateway-tool.json"),
                  encoding="utf-8") as f:
            return json.load(f)

    def totals(self):
        with open(os.path.join(self.out, "summary.json"),
                  encoding="utf-8") as f:
            return json.load(f)["totals"]


# --------------------------------------------------------------------------
# TLS like curl, and proxies
# --------------------------------------------------------------------------

@unittest.skipIf(shutil.which("openssl") is None, "no openssl command")
class TestTLS(GatewayCase):

    def setUp(self):
        super().setUp()
        self.ca, cert, key = make_ca_and_server_cert(self.tmp)
        self.port, self.log = self.start_fake("--api-key", KEY,
                                              "--tls-cert", cert,
                                              "--tls-key", key)
        self.url = f"https://127.0.0.1:{self.port}/v1"

    def test_private_ca_from_each_source(self):
        # Without the CA the server cannot be verified: every review fails
        # with the TLS error, and no request reached the server.
        res = self.review("--base-url", self.url, "--model", "fake-1")
        self.assertExit(res, 1)
        card = self.card()
        errors = " ".join(e for r in card["reviews"] for e in r["errors"])
        self.assertRegex(errors, r"(?i)certificate", card)
        self.assertEqual(self.read_log(self.log), [])

        for how, args, env in (
                ("--cacert", ["--cacert", self.ca], {}),
                ("CURL_CA_BUNDLE", [], {"CURL_CA_BUNDLE": self.ca}),
                ("SSL_CERT_FILE", [], {"SSL_CERT_FILE": self.ca}),
                ("config ca_file", ["--config", self.write_json(
                    "ca.json", {"ca_file": self.ca})], {})):
            with self.subTest(how=how):
                out = os.path.join(self.tmp, "out-" + how.replace(" ", "-"))
                res = self.review("--base-url", self.url, "--model",
                                  "fake-1", *args, env=self.env(**env),
                                  out=out)
                self.assertExit(res, 0)
                self.assertEqual(
                    [r["status"] for r in self.card(out)["reviews"]],
                    ["ok", "ok"])

    def test_cacert_wins_over_the_variables(self):
        # curl's order: --cacert, then CURL_CA_BUNDLE, then SSL_CERT_FILE.
        bogus = self.write_text("bogus.pem", "not a certificate\n")
        res = self.review("--base-url", self.url, "--model", "fake-1",
                          "--cacert", self.ca,
                          env=self.env(CURL_CA_BUNDLE=bogus,
                                       SSL_CERT_FILE=bogus))
        self.assertExit(res, 0)
        res = self.review("--base-url", self.url, "--model", "fake-1",
                          env=self.env(CURL_CA_BUNDLE=self.ca,
                                       SSL_CERT_FILE=bogus),
                          out=os.path.join(self.tmp, "out2"))
        self.assertExit(res, 0)

    def test_missing_ca_file_is_a_startup_error(self):
        missing = os.path.join(self.tmp, "no-such-ca.pem")
        for args, env, origin in (
                (["--cacert", missing], {}, "--cacert"),
                ([], {"CURL_CA_BUNDLE": missing}, "CURL_CA_BUNDLE"),
                ([], {"SSL_CERT_FILE": missing}, "SSL_CERT_FILE")):
            with self.subTest(origin=origin):
                res = self.review("--base-url", self.url, "--model",
                                  "fake-1", *args, env=self.env(**env))
                self.assertExit(res, 2)
                self.assertIn(f"CA file {missing}", res.stderr)
                self.assertIn(origin, res.stderr)
                self.assertIn("No such file", res.stderr)
        self.assertEqual(self.read_log(self.log), [])

    def test_https_proxy_tunnels_and_no_proxy_bypasses(self):
        proxy = Proxy()
        self.addCleanup(proxy.close)
        purl = f"http://127.0.0.1:{proxy.port}"
        res = self.review("--base-url", self.url, "--model", "fake-1",
                          "--cacert", self.ca,
                          env=self.env(HTTPS_PROXY=purl))
        self.assertExit(res, 0)
        self.assertGreaterEqual(proxy.connects, 1)
        self.assertEqual(len(self.read_log(self.log)), 2)
        seen = proxy.connects
        res = self.review("--base-url", self.url, "--model", "fake-1",
                          "--cacert", self.ca,
                          env=self.env(HTTPS_PROXY=purl,
                                       NO_PROXY="127.0.0.1"),
                          out=os.path.join(self.tmp, "out2"))
        self.assertExit(res, 0)
        self.assertEqual(proxy.connects, seen)
        self.assertEqual(len(self.read_log(self.log)), 4)


class TestHTTPProxy(GatewayCase):

    def test_http_proxy_forwards_and_no_proxy_bypasses(self):
        port, log = self.start_fake("--api-key", KEY)
        proxy = Proxy()
        self.addCleanup(proxy.close)
        purl = f"http://127.0.0.1:{proxy.port}"
        url = f"http://127.0.0.1:{port}/v1"
        # libcurl reads the lower-case http_proxy only (an upper-case
        # HTTP_PROXY can be set by a CGI request header), as curl does.
        res = self.review("--base-url", url, "--model", "fake-1",
                          env=self.env(http_proxy=purl))
        self.assertExit(res, 0)
        self.assertEqual(proxy.forwards, 2)
        res = self.review("--base-url", url, "--model", "fake-1",
                          env=self.env(http_proxy=purl, no_proxy="127.0.0.1"),
                          out=os.path.join(self.tmp, "out2"))
        self.assertExit(res, 0)
        self.assertEqual(proxy.forwards, 2)
        self.assertEqual(len(self.read_log(log)), 4)


# --------------------------------------------------------------------------
# Gateways: headers, query, a base URL with a query, Azure
# --------------------------------------------------------------------------

class TestGatewayHeaders(GatewayCase):

    def config(self, port, **provider):
        p = {"type": "openai",
             "base_url": f"http://127.0.0.1:{port}/v1?route=eu"}
        p.update(provider)
        return self.write_json("gw.json", {
            "providers": {"gw": p},
            "default": {"provider": "gw", "model": "fake-1"}})

    def test_headers_and_query_reach_the_gateway(self):
        port, log = self.start_fake(
            "--api-key", KEY,
            "--require-header", "X-Title:shipskip panel",
            "--require-header", f"X-Gateway-Key:{GW_SECRET}",
            "--require-query", "route=eu",
            "--require-query", "tenant=a b&c")
        cfg = self.config(port,
                          headers={"X-Title": "shipskip panel",
                                   "X-Gateway-Key": "${GW_KEY}"},
                          query={"tenant": "a b&c"})
        fixtures = os.path.join(self.tmp, "fixtures")
        res = self.review("--config", cfg, "--record", fixtures,
                          "--log-json", os.path.join(self.tmp, "log.jsonl"),
                          env=self.env(GW_KEY=GW_SECRET))
        self.assertExit(res, 0)
        entries = self.read_log(log)
        self.assertEqual(len(entries), 2)
        for e in entries:
            # The base URL's query stays after the path; the configured
            # parameter follows it, encoded.
            self.assertEqual(e["path"], "/v1/chat/completions?route=eu&"
                             "tenant=a%20b%26c")
            self.assertEqual(e["status"], 200)
        # The gateway's key is a credential: in no file the run wrote.
        self.assertNotIn(GW_SECRET, res.stderr + res.stdout)
        for root in (self.out, fixtures, self.tmp):
            for dirpath, _, files in os.walk(root):
                for n in files:
                    if n.endswith((".pem", ".key")) or "server" in dirpath:
                        continue
                    with open(os.path.join(dirpath, n), "rb") as f:
                        self.assertNotIn(GW_SECRET.encode(), f.read(),
                                         os.path.join(dirpath, n))

    def test_without_the_headers_the_gateway_refuses(self):
        port, log = self.start_fake(
            "--api-key", KEY, "--require-header", f"X-Gateway-Key:{GW_SECRET}")
        res = self.review("--config", self.config(port))
        self.assertExit(res, 1)
        self.assertTrue(all(e["status"] == 400 for e in self.read_log(log)))

    def test_unset_header_variable_is_reported_before_sending(self):
        port, log = self.start_fake("--api-key", KEY)
        cfg = self.config(port, headers={"X-Gateway-Key": "${GW_KEY}"})
        res = self.review("--config", cfg)
        self.assertExit(res, 2)
        self.assertIn("GW_KEY is not set", res.stderr)
        self.assertEqual(self.read_log(log), [])

    def test_literal_credential_header_is_refused(self):
        cfg = self.write_json("bad.json", {"providers": {"gw": {
            "type": "openai", "headers": {"X-Api-Key": GW_SECRET}}}})
        res = self.review("--config", cfg, "--provider", "gw")
        self.assertExit(res, 2)
        self.assertIn("credentials do not belong in the config", res.stderr)
        self.assertNotIn(GW_SECRET, res.stderr)


class TestAzure(GatewayCase):

    def test_azure_deployment_path_key_and_api_version(self):
        port, log = self.start_fake("--api-key", KEY)
        cfg = self.write_json("az.json", {
            "providers": {"az": {"type": "azure",
                                 "base_url": f"http://127.0.0.1:{port}"}},
            "default": {"provider": "az", "model": "my-gpt4o"}})
        res = self.review("--config", cfg,
                          env=self.env(OPENAI_API_KEY=None,
                                       AZURE_OPENAI_API_KEY=KEY))
        self.assertExit(res, 0)
        entries = self.read_log(log)
        self.assertEqual(len(entries), 2)
        for e in entries:
            self.assertEqual(e["path"], "/openai/deployments/my-gpt4o/chat/"
                             "completions?api-version=2024-10-21")
            self.assertEqual((e["auth"], e["model"], e["status"]),
                             ("ok", "my-gpt4o", 200))
        self.assertEqual({r["provider"] for r in self.card()["reviews"]},
                         {"az"})

    def test_azure_endpoint_variable_and_configured_version(self):
        port, log = self.start_fake("--api-key", KEY,
                                    "--require-query",
                                    "api-version=2025-01-01-preview")
        cfg = self.write_json("az.json", {
            "providers": {"azure": {
                "query": {"api-version": "2025-01-01-preview"}}}})
        res = self.review("--config", cfg, "--provider", "azure",
                          "--model", "dep",
                          env=self.env(AZURE_OPENAI_API_KEY=KEY,
                                       AZURE_OPENAI_ENDPOINT=
                                       f"http://127.0.0.1:{port}"))
        self.assertExit(res, 0)
        self.assertEqual({e["path"] for e in self.read_log(log)},
                         {"/openai/deployments/dep/chat/completions?"
                          "api-version=2025-01-01-preview"})

    def test_wrong_key_is_final(self):
        port, log = self.start_fake("--api-key", KEY)
        res = self.review("--provider", "azure", "--model", "dep",
                          "--base-url", f"http://127.0.0.1:{port}",
                          env=self.env(AZURE_OPENAI_API_KEY="wrong"))
        self.assertExit(res, 1)
        self.assertEqual({e["auth"] for e in self.read_log(log)}, {"wrong"})


# --------------------------------------------------------------------------
# Costs out of the box
# --------------------------------------------------------------------------

class TestListPrices(GatewayCase):

    def test_list_price_when_the_config_has_none(self):
        port, _ = self.start_fake("--api-key", KEY)
        url = f"http://127.0.0.1:{port}/v1"
        res = self.review("--base-url", url, "--model", "gpt-4o-mini")
        self.assertExit(res, 0)
        card = self.card()
        for r in card["reviews"]:
            u = r["usage"]
            want = (u["prompt_tokens"] * LIST_MINI[0] +
                    u["completion_tokens"] * LIST_MINI[1]) / 1e6
            self.assertAlmostEqual(u["cost_usd"], want, places=6)
        self.assertRegex(res.stderr, r"estimated cost \$\d+\.\d{4} "
                         r"\(gpt-4o-mini at the list price of "
                         r"\d{4}-\d\d-\d\d built into shipskip; a \"prices\" "
                         r"entry in the config overrides it\)")
        # The summary marks the cost as an estimate from dated list prices.
        self.assertRegex(self.totals()["cost_basis"],
                         r"^list price of \d{4}-\d\d-\d\d$")
        # config check shows where the price came from.
        res = self.sk("config", "check", "--model", "gpt-4o-mini",
                      "--personas", ",".join(PANEL))
        self.assertExit(res, 0)
        self.assertIn("$0.15 / $0.60 (list price of", res.stdout)

    def test_config_price_overrides_the_list(self):
        port, _ = self.start_fake("--api-key", KEY)
        cfg = self.write_json("p.json", {"prices": {
            "gpt-4o-mini": {"input": 1000, "output": 2000}}})
        res = self.review("--base-url", f"http://127.0.0.1:{port}/v1",
                          "--model", "gpt-4o-mini", "--config", cfg)
        self.assertExit(res, 0)
        for r in self.card()["reviews"]:
            u = r["usage"]
            want = (u["prompt_tokens"] * 1000 +
                    u["completion_tokens"] * 2000) / 1e6
            self.assertAlmostEqual(u["cost_usd"], want, places=6)
        self.assertNotIn("list price", res.stderr)
        self.assertIn("estimated cost $", res.stderr)
        self.assertNotIn("cost_basis", self.totals())

    def test_unknown_model_stays_unpriced(self):
        port, _ = self.start_fake("--api-key", KEY)
        res = self.review("--base-url", f"http://127.0.0.1:{port}/v1",
                          "--model", "fake-1")
        self.assertExit(res, 0)
        self.assertIsNone(self.card()["usage"]["cost_usd"])
        self.assertNotIn("estimated cost", res.stderr)


# --------------------------------------------------------------------------
# --junit
# --------------------------------------------------------------------------

class TestJUnit(GatewayCase):

    def test_report_structure(self):
        port, _ = self.start_fake("--api-key", KEY)
        tools = [e2e.make_tool("Junit Good", slug="junit-good"),
                 e2e.make_tool("Junit Bad", "fake:404-always@skeptic",
                               slug="junit-bad")]
        inputs = [self.write_json(t["slug"] + ".json", t) for t in tools]
        report = os.path.join(self.tmp, "reports", "junit.xml")
        os.mkdir(os.path.dirname(report))
        res = self.review("--base-url", f"http://127.0.0.1:{port}/v1",
                          "--model", "fake-1", "--junit", report,
                          inputs=inputs)
        self.assertExit(res, 1)
        with open(report, "rb") as f:
            raw = f.read()
        self.assertTrue(raw.startswith(b'<?xml version="1.0" encoding="UTF-8"'
                                       b'?>\n'))
        root = ET.fromstring(raw)
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual((root.get("tests"), root.get("failures")),
                         ("4", "1"))
        self.assertGreater(float(root.get("time")), 0)
        suites = {s.get("name"): s for s in root.findall("testsuite")}
        self.assertEqual(set(suites), {"junit-good", "junit-bad"})
        for name, fails in (("junit-good", "0"), ("junit-bad", "1")):
            s = suites[name]
            self.assertEqual((s.get("tests"), s.get("failures"),
                              s.get("errors")), ("2", fails, "0"))
            float(s.get("time"))
            cases = s.findall("testcase")
            self.assertEqual([c.get("name") for c in cases], PANEL)
            self.assertEqual({c.get("classname") for c in cases}, {name})
        good = suites["junit-good"].find("testcase").find("system-out")
        self.assertRegex(good.text, r"^SCORE \d+/100, VERDICT (ship|skip)$")
        bad = {c.get("name"): c for c in suites["junit-bad"]}
        self.assertIsNone(bad["builder"].find("failure"))
        failure = bad["skeptic"].find("failure")
        self.assertIsNotNone(failure)
        self.assertEqual(failure.get("type"), "review")
        self.assertIn("404", failure.get("message"))
        self.assertIn("404", failure.text)

    def test_unwritable_report_is_an_error(self):
        port, _ = self.start_fake("--api-key", KEY)
        report = os.path.join(self.tmp, "no-such-dir", "junit.xml")
        res = self.review("--base-url", f"http://127.0.0.1:{port}/v1",
                          "--model", "fake-1", "--junit", report)
        self.assertExit(res, 1)
        self.assertIn("--junit", res.stderr)
        self.assertIn("no-such-dir", res.stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.out,
                                                    "gateway-tool.json")))

    def test_only_review_takes_junit(self):
        res = self.sk("draft", "--name", "X", "--description", "y",
                      "--junit", "j.xml")
        self.assertExit(res, 2)
        self.assertIn("junit", res.stderr)


# --------------------------------------------------------------------------
# A config with comments; errors by line and column
# --------------------------------------------------------------------------

class TestConfigComments(GatewayCase):

    def test_comments_and_line_column(self):
        cfg = self.write_text("c.json", """\
// shipskip.json, as the docs show it
{
  /* every persona on the local server */
  "default": {"provider": "openai", "model": "gpt-4o-mini"}, // cheap
  "prices": {"gpt-4o-mini": {"input": 0.15, "output": 0.60}}
}
""")
        res = self.sk("config", "check", "--config", cfg,
                      "--personas", ",".join(PANEL))
        self.assertExit(res, 0)
        bad = self.write_text("bad.json", '{\n  "default": {}\n  "prices": {}'
                              '\n}\n')
        res = self.sk("config", "check", "--config", bad)
        self.assertExit(res, 2)
        self.assertIn("bad.json:3:3: malformed JSON", res.stderr)


if __name__ == "__main__":
    unittest.main()
