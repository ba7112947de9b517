#!/usr/bin/env python3
"""Tests for tests/fake_batch.py: the batch APIs of the fake LLM server
(OpenAI Batch + Files, Anthropic Message Batches, Gemini batch mode).

Each test starts its own fake_llm.py processes (port 0 + --port-file,
through test_fake_llm.FakeServer, stopped by PID) and drives every endpoint
with urllib. A line's result is compared with what a second server, a
reference with fresh attempt counters, answers online to the same bytes:
a batch must answer exactly as the online endpoint does.

Standard library only; run with `python3 tests/test_fake_batch.py [-v]`.
"""

import json
import os
import sys
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_fake_llm as tfl  # noqa: E402  (FakeServer, start_server)

KEY = "sk-batch-test"
AUTH = {"openai": {"Authorization": "Bearer " + KEY},
        "anthropic": {"x-api-key": KEY, "anthropic-version": "2023-06-01"},
        "gemini": {"x-goog-api-key": KEY}}
TOOL = "BEGIN TOOL-DATA-0123456789abcdef\nName: Widget{n}\nA tool. {extra}"


def call(port, method, path, body=None, headers=None, api=None):
    """(status, headers, body bytes) of one request; api adds its
    credentials; a dict body is sent as JSON."""
    hdrs = dict(AUTH.get(api, {}))
    hdrs.update(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body,
                                 method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def jcall(*args, **kw):
    status, _, body = call(*args, **kw)
    return status, json.loads(body)


def openai_body(n, extra=""):
    """An OpenAI chat body as bytes, with ", " separators so that exact
    bytes matter (the response id is sha256 of them)."""
    return json.dumps({"model": "fake-1", "messages": [
        {"role": "system", "content": "You are the Builder: a reviewer."},
        {"role": "user", "content": TOOL.format(n=n, extra=extra)}]})


def anthropic_body(n, extra="", **over):
    doc = {"model": "claude-fake", "max_tokens": 400,
           "system": "You are the Skeptic: a reviewer.",
           "messages": [{"role": "user",
                         "content": TOOL.format(n=n, extra=extra)}]}
    doc.update(over)
    return json.dumps(doc)


def gemini_body(n, extra=""):
    return json.dumps({
        "systemInstruction": {"parts": [{"text": "You are the Builder."}]},
        "contents": [{"role": "user", "parts": [
            {"text": TOOL.format(n=n, extra=extra)}]}]})


def multipart(fields):
    """(content type, body) of a multipart/form-data upload; fields maps
    a name to bytes, or to (filename, bytes)."""
    boundary = "fakebatchboundary7MA4YWxkTrZu0gW"
    out = b""
    for name, value in fields.items():
        fname = ""
        if isinstance(value, tuple):
            fname = f'; filename="{value[0]}"'
            value = value[1]
        out += (f"--{boundary}\r\nContent-Disposition: form-data; "
                f'name="{name}"{fname}\r\n\r\n').encode() + value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", out


def jsonl(lines):
    """An OpenAI batch input file: {custom id: body text}."""
    return "".join(
        '{"custom_id": "%s", "method": "POST", "url": '
        '"/v1/chat/completions", "body": %s}\n' % (cid, body)
        for cid, body in lines.items()).encode()


class BatchCase(unittest.TestCase):
    """Starts servers (with --api-key) and speaks each API's batch
    flow."""

    def server(self, *args):
        srv = tfl.start_server(self.addCleanup, "--api-key", KEY, *args)
        # Runs before the server's own cleanup: no handler crashed.
        self.addCleanup(lambda: self.assertNotIn("Traceback", srv.stderr()))
        return srv

    def ref(self):
        """A reference server: fresh attempt counters for online
        answers."""
        return self.server()

    # ---- OpenAI
    def upload(self, port, data, expect=200):
        ctype, body = multipart({"purpose": b"batch",
                                 "file": ("in.jsonl", data)})
        status, doc = jcall(port, "POST", "/v1/files", body,
                            {"Content-Type": ctype}, api="openai")
        self.assertEqual(status, expect, doc)
        return doc

    def openai_batch(self, port, lines, expect=200):
        fid = self.upload(port, jsonl(lines))["id"]
        status, doc = jcall(port, "POST", "/v1/batches", {
            "input_file_id": fid, "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": {"shipskip_batch": "t1"}}, api="openai")
        self.assertEqual(status, expect, doc)
        return doc

    def openai_poll(self, port, bid):
        status, doc = jcall(port, "GET", f"/v1/batches/{bid}", api="openai")
        self.assertEqual(status, 200, doc)
        return doc

    def openai_file(self, port, fid):
        status, _, body = call(port, "GET", f"/v1/files/{fid}/content",
                               api="openai")
        self.assertEqual(status, 200)
        return {row["custom_id"]: row for row in
                map(json.loads, body.decode().splitlines())}

    # ---- Anthropic
    def anthropic_batch(self, port, lines, expect=200):
        reqs = "[" + ",\n".join('{"custom_id": "%s", "params": %s}' % item
                                for item in lines.items()) + "]"
        status, doc = jcall(port, "POST", "/v1/messages/batches",
                            ('{"requests": %s}' % reqs).encode(),
                            api="anthropic")
        self.assertEqual(status, expect, doc)
        return doc

    def anthropic_poll(self, port, bid):
        status, doc = jcall(port, "GET", f"/v1/messages/batches/{bid}",
                            api="anthropic")
        self.assertEqual(status, 200, doc)
        return doc

    def anthropic_results(self, port, url):
        prefix = f"http://127.0.0.1:{port}"
        self.assertTrue(url.startswith(prefix), url)
        status, _, body = call(port, "GET", url[len(prefix):],
                               api="anthropic")
        self.assertEqual(status, 200, body)
        return [json.loads(line) for line in body.decode().splitlines()]

    # ---- Gemini
    def gemini_batch(self, port, lines, expect=200, model="gemini-fake"):
        reqs = ",".join('{"request": %s, "metadata": {"key": "%s"}}'
                        % (body, key) for key, body in lines.items())
        body = ('{"batch": {"display_name": "t1", "input_config": '
                '{"requests": {"requests": [%s]}}}}' % reqs).encode()
        status, doc = jcall(port, "POST",
                            f"/v1beta/models/{model}:batchGenerateContent",
                            body, api="gemini")
        self.assertEqual(status, expect, doc)
        return doc

    def gemini_poll(self, port, name):
        status, doc = jcall(port, "GET", f"/v1beta/{name}", api="gemini")
        self.assertEqual(status, 200, doc)
        return doc

    def stats(self, port):
        status, doc = jcall(port, "GET", "/__batch_stats")
        self.assertEqual(status, 200)
        return doc


class TestOpenAI(BatchCase):
    def test_happy_path_matches_online(self):
        srv, ref = self.server(), self.ref()
        lines = {"a": openai_body(1), "b": openai_body(2, "fake:no-score-once"),
                 "c": openai_body(3, "fake:429-once"),
                 "d": openai_body(4, "fake:malformed-once")}
        up = self.upload(srv.port, jsonl(lines))
        self.assertEqual((up["object"], up["purpose"], up["filename"]),
                         ("file", "batch", "in.jsonl"))
        self.assertEqual(up["bytes"], len(jsonl(lines)))
        doc = self.openai_batch(srv.port, lines)
        self.assertEqual(doc["status"], "validating")
        self.assertEqual(doc["metadata"], {"shipskip_batch": "t1"})
        bid = doc["id"]
        self.assertEqual(self.openai_poll(srv.port, bid)["status"],
                         "validating")
        self.assertEqual(self.openai_poll(srv.port, bid)["status"],
                         "in_progress")
        done = self.openai_poll(srv.port, bid)
        self.assertEqual(done["status"], "completed")
        self.assertEqual(done["request_counts"],
                         {"total": 4, "completed": 2, "failed": 2})
        out = self.openai_file(srv.port, done["output_file_id"])
        err = self.openai_file(srv.port, done["error_file_id"])
        self.assertEqual(set(out), {"a", "b"})
        self.assertEqual(set(err), {"c", "d"})
        for cid, body in lines.items():
            status, _, online = call(ref.port, "POST", "/v1/chat/completions",
                                     body.encode(), api="openai")
            row = out.get(cid) or err[cid]
            self.assertIsNone(row["error"])
            self.assertTrue(row["id"].startswith("batch_req_"))
            if cid == "d":  # a cut reply cannot be a result: a 500
                self.assertEqual(row["response"]["status_code"], 500)
                continue
            self.assertEqual(row["response"]["status_code"], status, cid)
            self.assertEqual(row["response"]["body"], json.loads(online), cid)
        self.assertNotIn("SCORE:", out["b"]["response"]["body"]["choices"][0]
                         ["message"]["content"])
        log = [r for r in srv.log_lines() if r.get("custom_id")]
        self.assertEqual(sorted(r["custom_id"] for r in log), list("abcd"))
        self.assertTrue(all(r["batch"] == bid for r in log))

    def test_list_cancel_and_states(self):
        srv = self.server()
        first = self.openai_batch(srv.port, {"x": openai_body(1)})["id"]
        second = self.openai_batch(
            srv.port, {"p": openai_body(1), "q": openai_body(2),
                       "r": openai_body(3)})["id"]
        status, doc = jcall(srv.port, "GET", "/v1/batches?limit=1",
                            api="openai")
        self.assertEqual((status, doc["object"], doc["has_more"]),
                         (200, "list", True))
        self.assertEqual([b["id"] for b in doc["data"]], [second])
        _, doc = jcall(srv.port, "GET", "/v1/batches", api="openai")
        self.assertEqual([b["id"] for b in doc["data"]], [second, first])
        # Cancel while pending: nothing ran.
        status, doc = jcall(srv.port, "POST", f"/v1/batches/{first}/cancel",
                            api="openai")
        self.assertEqual((status, doc["status"]), (200, "cancelling"))
        doc = self.openai_poll(srv.port, first)
        self.assertEqual(doc["status"], "cancelled")
        self.assertIsNone(doc["output_file_id"])
        err = self.openai_file(srv.port, doc["error_file_id"])
        self.assertEqual(err["x"]["error"]["code"], "batch_cancelled")
        # Cancel while running: the first half (1 of 3) ran.
        self.openai_poll(srv.port, second)
        self.assertEqual(self.openai_poll(srv.port, second)["status"],
                         "in_progress")
        jcall(srv.port, "POST", f"/v1/batches/{second}/cancel", api="openai")
        doc = self.openai_poll(srv.port, second)
        self.assertEqual(doc["status"], "cancelled")
        self.assertEqual(doc["request_counts"]["completed"], 1)
        self.assertEqual(set(self.openai_file(srv.port,
                                              doc["output_file_id"])), {"p"})
        status, doc = jcall(srv.port, "POST", f"/v1/batches/{second}/cancel",
                            api="openai")
        self.assertEqual(status, 400)
        self.assertIn("cancelled", doc["error"]["message"])

    def test_bad_inputs(self):
        srv = self.server("--batch-polls-pending", "0")
        bad = jsonl({"a": openai_body(1)}) + b"{not json\n"
        fid = self.upload(srv.port, bad)["id"]
        _, doc = jcall(srv.port, "POST", "/v1/batches", {
            "input_file_id": fid, "endpoint": "/v1/chat/completions",
            "completion_window": "24h"}, api="openai")
        doc = self.openai_poll(srv.port, doc["id"])
        self.assertEqual(doc["status"], "failed")
        self.assertEqual(doc["errors"]["data"][0]["code"], "invalid_json_line")
        self.assertEqual(doc["errors"]["data"][0]["line"], 2)
        dup = jsonl({"a": openai_body(1)}) * 2
        fid = self.upload(srv.port, dup)["id"]
        _, doc = jcall(srv.port, "POST", "/v1/batches", {
            "input_file_id": fid, "endpoint": "/v1/chat/completions",
            "completion_window": "24h"}, api="openai")
        doc = self.openai_poll(srv.port, doc["id"])
        self.assertEqual((doc["status"], doc["errors"]["data"][0]["code"]),
                         ("failed", "duplicate_custom_id"))
        status, doc = jcall(srv.port, "POST", "/v1/batches", {
            "input_file_id": fid, "endpoint": "/v1/chat/completions",
            "completion_window": "1h"}, api="openai")
        self.assertEqual(status, 400)
        for path in ("/v1/batches/batch_nope", "/v1/files/file-nope/content"):
            status, doc = jcall(srv.port, "GET", path, api="openai")
            self.assertEqual(status, 404, path)
            self.assertEqual(doc["error"]["type"], "invalid_request_error")
        status, _ = jcall(srv.port, "GET", "/v1/batches")
        self.assertEqual(status, 401)
        status, _ = jcall(srv.port, "POST", "/v1/files", b"x",
                          {"Authorization": "Bearer wrong"})
        self.assertEqual(status, 401)
        status, _ = jcall(srv.port, "POST", "/v1/files", b"plain",
                          {"Content-Type": "text/plain"}, api="openai")
        self.assertEqual(status, 400)


class TestAnthropic(BatchCase):
    def test_happy_path_matches_online(self):
        srv, ref = self.server(), self.ref()
        lines = {"req-1": anthropic_body(1),
                 "req_2": anthropic_body(2, "fake:500-once"),
                 "r3": anthropic_body(3, seed=7),  # online: a 400
                 "r4": anthropic_body(4, "fake:chatty-always")}
        doc = self.anthropic_batch(srv.port, lines)
        self.assertEqual((doc["type"], doc["processing_status"]),
                         ("message_batch", "in_progress"))
        self.assertEqual(doc["request_counts"]["processing"], 4)
        self.assertIsNone(doc["results_url"])
        bid = doc["id"]
        self.assertTrue(bid.startswith("msgbatch_"))
        for _ in range(2):
            self.assertEqual(self.anthropic_poll(srv.port, bid)
                             ["processing_status"], "in_progress")
        done = self.anthropic_poll(srv.port, bid)
        self.assertEqual(done["processing_status"], "ended")
        self.assertIsNotNone(done["ended_at"])
        self.assertEqual(done["request_counts"], {
            "processing": 0, "succeeded": 2, "errored": 2, "canceled": 0,
            "expired": 0})
        self.assertEqual(done["results_url"],
                         f"http://127.0.0.1:{srv.port}/v1/messages/batches/"
                         f"{bid}/results")
        rows = self.anthropic_results(srv.port, done["results_url"])
        self.assertEqual(sorted(r["custom_id"] for r in rows), sorted(lines))
        for row in rows:
            status, _, online = call(ref.port, "POST", "/v1/messages",
                                     lines[row["custom_id"]].encode(),
                                     api="anthropic")
            result = row["result"]
            if status == 200:
                self.assertEqual(result, {"type": "succeeded",
                                          "message": json.loads(online)})
            else:
                self.assertEqual(result, {"type": "errored",
                                          "error": json.loads(online)})
        errored = {r["custom_id"]: r["result"]["error"]["error"]["type"]
                   for r in rows if r["result"]["type"] == "errored"}
        self.assertEqual(errored, {"req_2": "api_error",
                                   "r3": "invalid_request_error"})

    def test_bad_inputs_list_and_cancel(self):
        srv = self.server()
        for lines in ({"a b": anthropic_body(1)}, {"x" * 65: anthropic_body(1)}):
            status, doc = jcall(srv.port, "POST", "/v1/messages/batches", {
                "requests": [{"custom_id": k, "params": json.loads(v)}
                             for k, v in lines.items()]}, api="anthropic")
            self.assertEqual(status, 400)
            self.assertEqual(doc["error"]["type"], "invalid_request_error")
        status, doc = jcall(srv.port, "POST", "/v1/messages/batches", {
            "requests": [{"custom_id": "same", "params": {}}] * 2},
            api="anthropic")
        self.assertEqual(status, 400)
        self.assertIn("Duplicate custom_id", doc["error"]["message"])
        status, doc = jcall(srv.port, "POST", "/v1/messages/batches",
                            {"requests": []},
                            headers={"x-api-key": KEY})  # no version
        self.assertEqual(status, 400)
        self.assertIn("anthropic-version", doc["error"]["message"])
        status, doc = jcall(srv.port, "GET", "/v1/messages/batches",
                            headers={"anthropic-version": "2023-06-01"})
        self.assertEqual((status, doc["error"]["type"]),
                         (401, "authentication_error"))
        status, doc = jcall(srv.port, "GET", "/v1/messages/batches/msgbatch_x",
                            api="anthropic")
        self.assertEqual((status, doc["error"]["type"]),
                         (404, "not_found_error"))
        a = self.anthropic_batch(srv.port, {"a": anthropic_body(1)})["id"]
        b = self.anthropic_batch(srv.port, {"a": anthropic_body(1),
                                            "b": anthropic_body(2)})["id"]
        _, doc = jcall(srv.port, "GET", "/v1/messages/batches?limit=1",
                       api="anthropic")
        self.assertEqual(([d["id"] for d in doc["data"]], doc["has_more"]),
                         ([b], True))
        status, _ = jcall(srv.port, "GET", f"/v1/messages/batches/{a}/results",
                          api="anthropic")
        self.assertEqual(status, 400)  # not ended yet
        _, doc = jcall(srv.port, "POST", f"/v1/messages/batches/{a}/cancel",
                       api="anthropic")
        self.assertEqual(doc["processing_status"], "canceling")
        self.assertIsNotNone(doc["cancel_initiated_at"])
        doc = self.anthropic_poll(srv.port, a)
        self.assertEqual(doc["processing_status"], "ended")
        self.assertEqual(doc["request_counts"]["canceled"], 1)
        rows = self.anthropic_results(srv.port, doc["results_url"])
        self.assertEqual(rows, [{"custom_id": "a",
                                 "result": {"type": "canceled"}}])
        # Cancelling an ended batch gives it back as it is.
        status, again = jcall(srv.port, "POST",
                              f"/v1/messages/batches/{a}/cancel",
                              api="anthropic")
        self.assertEqual((status, again["request_counts"]),
                         (200, doc["request_counts"]))
        st = self.stats(srv.port)["apis"]["anthropic"]
        self.assertEqual(st["duplicate_custom_ids"], {"a": 2})
        self.assertEqual((st["batches_created"], st["requests_submitted"],
                          st["cancels"], st["results_downloads"]),
                         (2, 3, 1, 1))


class TestGemini(BatchCase):
    def test_happy_path_matches_online(self):
        srv, ref = self.server(), self.ref()
        lines = {"k1": gemini_body(1), "k2": gemini_body(2, "fake:429-once"),
                 "k3": gemini_body(3, "fake:empty-once")}
        op = self.gemini_batch(srv.port, lines)
        name = op["name"]
        self.assertTrue(name.startswith("batches/"))
        meta = op["metadata"]
        self.assertEqual((meta["state"], meta["model"], meta["displayName"]),
                         ("BATCH_STATE_PENDING", "models/gemini-fake", "t1"))
        self.assertTrue(meta["@type"].endswith(".GenerateContentBatch"))
        self.assertNotIn("done", op)
        self.assertEqual(self.gemini_poll(srv.port, name)["metadata"]["state"],
                         "BATCH_STATE_PENDING")
        self.assertEqual(self.gemini_poll(srv.port, name)["metadata"]["state"],
                         "BATCH_STATE_RUNNING")
        done = self.gemini_poll(srv.port, name)
        self.assertTrue(done["done"])
        self.assertEqual(done["metadata"]["state"], "BATCH_STATE_SUCCEEDED")
        self.assertEqual(done["metadata"]["batchStats"], {
            "requestCount": "3", "successfulRequestCount": "2",
            "failedRequestCount": "1"})
        out = done["response"]["inlinedResponses"]["inlinedResponses"]
        self.assertEqual([o["metadata"]["key"] for o in out], list(lines))
        for item in out:
            body = lines[item["metadata"]["key"]].encode()
            status, online = jcall(ref.port, "POST",
                                   "/v1beta/models/gemini-fake:"
                                   "generateContent", body, api="gemini")
            if status == 200:
                self.assertEqual(item["response"], online)
            else:
                self.assertEqual(item["error"], online["error"])
                self.assertEqual(item["error"]["status"],
                                 "RESOURCE_EXHAUSTED")

    def test_list_cancel_bad_inputs(self):
        srv = self.server()
        a = self.gemini_batch(srv.port, {"k": gemini_body(1)})["name"]
        b = self.gemini_batch(srv.port, {"k": gemini_body(1)})["name"]
        status, doc = jcall(srv.port, "GET", "/v1beta/batches?pageSize=1",
                            api="gemini")
        self.assertEqual([o["name"] for o in doc["operations"]], [b])
        self.assertIn("nextPageToken", doc)
        status, doc = jcall(srv.port, "POST", f"/v1beta/{a}:cancel",
                            api="gemini")
        self.assertEqual((status, doc), (200, {}))
        doc = self.gemini_poll(srv.port, a)
        self.assertEqual(doc["metadata"]["state"], "BATCH_STATE_CANCELLED")
        self.assertEqual(doc["response"]["inlinedResponses"]
                         ["inlinedResponses"], [])
        status, doc = jcall(srv.port, "GET", "/v1beta/batches/nope",
                            api="gemini")
        self.assertEqual((status, doc["error"]["status"]), (404, "NOT_FOUND"))
        status, doc = jcall(srv.port, "GET", "/v1beta/batches")
        self.assertEqual((status, doc["error"]["status"]),
                         (403, "PERMISSION_DENIED"))
        status, doc = jcall(srv.port, "POST", "/v1beta/models/m:"
                            "batchGenerateContent", {"batch": {}},
                            api="gemini")
        self.assertEqual((status, doc["error"]["status"]),
                         (400, "INVALID_ARGUMENT"))


class TestFaults(BatchCase):
    def test_fail_first(self):
        srv = self.server("--batch-fail-first", "3",
                          "--batch-polls-pending", "0")
        doc = self.openai_batch(srv.port, {"a": openai_body(1)})
        doc = self.openai_poll(srv.port, doc["id"])
        self.assertEqual((doc["status"], doc["errors"]["data"][0]["code"]),
                         ("failed", "batch_failed"))
        doc = self.anthropic_batch(srv.port, {"a": anthropic_body(1)},
                                   expect=500)
        self.assertEqual(doc["error"]["type"], "api_error")
        op = self.gemini_batch(srv.port, {"a": gemini_body(1)})
        op = self.gemini_poll(srv.port, op["name"])
        self.assertEqual(op["metadata"]["state"], "BATCH_STATE_FAILED")
        self.assertTrue(op["done"])
        self.assertIn("message", op["error"])
        # The fourth batch runs.
        doc = self.openai_batch(srv.port, {"a": openai_body(1)})
        self.openai_poll(srv.port, doc["id"])
        self.assertEqual(self.openai_poll(srv.port, doc["id"])["status"],
                         "completed")
        st = self.stats(srv.port)
        self.assertEqual((st["batches_created"], st["create_failures"]),
                         (3, 1))
        # A log line per batch request, none per line of a failed batch.
        self.assertFalse(any(r.get("custom_id") for r in srv.log_lines()
                             if r.get("batch") != doc["id"]))

    def test_expire_every(self):
        srv = self.server("--batch-expire-every", "2",
                          "--batch-polls-pending", "0",
                          "--batch-polls-running", "0")
        lines = {c: openai_body(i) for i, c in enumerate("abcd")}
        doc = self.openai_poll(srv.port,
                               self.openai_batch(srv.port, lines)["id"])
        self.assertEqual(doc["status"], "completed")
        self.assertEqual(doc["request_counts"],
                         {"total": 4, "completed": 2, "failed": 2})
        err = self.openai_file(srv.port, doc["error_file_id"])
        self.assertEqual({k: v["error"]["code"] for k, v in err.items()},
                         {"b": "batch_expired", "d": "batch_expired"})
        doc = self.openai_poll(srv.port, self.openai_batch(
            srv.port, {"x": openai_body(9), "y": openai_body(8)})["id"])
        self.assertEqual(doc["status"], "completed")  # only y expired
        done = self.anthropic_poll(srv.port, self.anthropic_batch(
            srv.port, {"a": anthropic_body(1), "b": anthropic_body(2)})["id"])
        self.assertEqual(done["request_counts"]["expired"], 1)
        rows = self.anthropic_results(srv.port, done["results_url"])
        self.assertEqual({r["custom_id"]: r["result"]["type"] for r in rows},
                         {"a": "succeeded", "b": "expired"})
        op = self.gemini_poll(srv.port, self.gemini_batch(
            srv.port, {"a": gemini_body(1), "b": gemini_body(2)})["name"])
        out = op["response"]["inlinedResponses"]["inlinedResponses"]
        self.assertIn("response", out[0])
        self.assertEqual(out[1]["error"]["status"], "DEADLINE_EXCEEDED")
        log = [r for r in srv.log_lines() if r.get("fault") == "batch-expired"]
        self.assertEqual(len(log), 5)

    def test_all_expired(self):
        srv = self.server("--batch-expire-every", "1",
                          "--batch-polls-pending", "0",
                          "--batch-polls-running", "0")
        doc = self.openai_poll(srv.port, self.openai_batch(
            srv.port, {"a": openai_body(1)})["id"])
        self.assertEqual(doc["status"], "expired")
        self.assertIsNone(doc["output_file_id"])
        op = self.gemini_poll(srv.port, self.gemini_batch(
            srv.port, {"a": gemini_body(1)})["name"])
        self.assertEqual(op["metadata"]["state"], "BATCH_STATE_EXPIRED")

    def test_line_error_every_is_fixed_by_a_retry(self):
        srv = self.server("--batch-line-error-every", "2",
                          "--batch-polls-pending", "0",
                          "--batch-polls-running", "0")
        lines = {"a": anthropic_body(1), "b": anthropic_body(2)}
        done = self.anthropic_poll(srv.port, self.anthropic_batch(
            srv.port, lines)["id"])
        rows = {r["custom_id"]: r["result"] for r in
                self.anthropic_results(srv.port, done["results_url"])}
        self.assertEqual(rows["b"]["type"], "errored")
        self.assertEqual(rows["b"]["error"]["error"]["type"], "api_error")
        # The retry round: b again, second in its batch, answered now.
        done = self.anthropic_poll(srv.port, self.anthropic_batch(
            srv.port, {"c": anthropic_body(3), "b": lines["b"]})["id"])
        rows = {r["custom_id"]: r["result"] for r in
                self.anthropic_results(srv.port, done["results_url"])}
        self.assertEqual(rows["b"]["type"], "succeeded")
        self.assertEqual(self.stats(srv.port)["duplicate_custom_ids"],
                         {"b": 2})
        doc = self.openai_poll(srv.port, self.openai_batch(
            srv.port, {"a": openai_body(1), "b": openai_body(2)})["id"])
        err = self.openai_file(srv.port, doc["error_file_id"])
        self.assertEqual(err["b"]["response"]["status_code"], 500)
        self.assertEqual(err["b"]["response"]["body"]["error"]["type"],
                         "server_error")
        op = self.gemini_poll(srv.port, self.gemini_batch(
            srv.port, {"a": gemini_body(1), "b": gemini_body(2)})["name"])
        out = op["response"]["inlinedResponses"]["inlinedResponses"]
        self.assertEqual(out[1]["error"]["status"], "INTERNAL")

    def test_polls_zero_and_slow_poll(self):
        srv = self.server("--batch-polls-pending", "0",
                          "--batch-polls-running", "0",
                          "--batch-slow-poll-ms", "300")
        bid = self.anthropic_batch(srv.port, {"a": anthropic_body(1)})["id"]
        start = time.monotonic()
        doc = self.anthropic_poll(srv.port, bid)
        self.assertGreaterEqual(time.monotonic() - start, 0.3)
        self.assertEqual(doc["processing_status"], "ended")

    def test_limits(self):
        srv = self.server("--batch-max-requests", "2",
                          "--batch-max-bytes", "3000")
        three = {c: openai_body(i) for i, c in enumerate("abc")}
        doc = self.openai_batch(srv.port, three, expect=400)
        self.assertEqual(doc["error"]["code"], "too_many_requests")
        self.upload(srv.port, b"x" * 3001, expect=400)
        three = {c: anthropic_body(i) for i, c in enumerate("abc")}
        self.anthropic_batch(srv.port, three, expect=400)
        big = {"a": anthropic_body(1, "y" * 3000)}
        doc = self.anthropic_batch(srv.port, big, expect=413)
        self.assertEqual(doc["error"]["type"], "request_too_large")
        three = {c: gemini_body(i) for i, c in enumerate("abc")}
        self.gemini_batch(srv.port, three, expect=400)
        doc = self.gemini_batch(srv.port, {"a": gemini_body(1, "y" * 3000)},
                                expect=400)
        self.assertIn("payload size", doc["error"]["message"])
        self.assertEqual(self.stats(srv.port)["batches_created"], 0)


class TestStatsAndGateway(BatchCase):
    def test_stats_count_everything(self):
        srv = self.server("--batch-polls-pending", "0",
                          "--batch-polls-running", "0")
        self.assertEqual(self.stats(srv.port)["uploads"], 0)
        doc = self.openai_poll(srv.port, self.openai_batch(
            srv.port, {"a": openai_body(1), "b": openai_body(2)})["id"])
        self.openai_file(srv.port, doc["output_file_id"])
        self.openai_batch(srv.port, {"a": openai_body(1)})
        jcall(srv.port, "GET", "/v1/batches", api="openai")
        op = self.gemini_batch(srv.port, {"a": gemini_body(1)})
        self.gemini_poll(srv.port, op["name"])
        st = self.stats(srv.port)
        self.assertEqual({k: st[k] for k in (
            "uploads", "batches_created", "requests_submitted", "polls",
            "cancels", "results_downloads", "lists")}, {
            "uploads": 2, "batches_created": 3, "requests_submitted": 4,
            "polls": 2, "cancels": 0, "results_downloads": 2, "lists": 1})
        self.assertEqual(st["duplicate_custom_ids"], {"a": 2})
        self.assertEqual(st["apis"]["openai"]["duplicate_custom_ids"],
                         {"a": 2})
        self.assertEqual(st["apis"]["gemini"]["duplicate_custom_ids"], {})
        self.assertEqual(st["apis"]["openai"]["results_downloads"], 1)

    def test_require_query_reaches_results_url(self):
        srv = self.server("--require-query", "gw=1",
                          "--batch-polls-pending", "0",
                          "--batch-polls-running", "0")
        status, _ = jcall(srv.port, "GET", "/v1/messages/batches",
                          api="anthropic")
        self.assertEqual(status, 400)
        status, doc = jcall(srv.port, "POST", "/v1/messages/batches?gw=1", {
            "requests": [{"custom_id": "a",
                          "params": json.loads(anthropic_body(1))}]},
            api="anthropic")
        self.assertEqual(status, 200, doc)
        doc = self.anthropic_poll(srv.port, doc["id"] + "?gw=1")
        self.assertTrue(doc["results_url"].endswith("/results?gw=1"))
        rows = self.anthropic_results(srv.port, doc["results_url"])
        self.assertEqual(rows[0]["result"]["type"], "succeeded")


if __name__ == "__main__":
    unittest.main()
