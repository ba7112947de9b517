#!/usr/bin/env python3
"""End-to-end tests of structured output (issue #13): each provider's
native form on the wire, the evidence quotes in the scorecard and drafts,
the fallback to the text contract on a 400 naming the field, cut-off
replies asked again with a larger limit, `--structured` and the config's
"structured", and record/replay of structured exchanges.

The fake server (tests/fake_llm.py) checks each structured form as the real
API does and answers in the structured shape; the exact request bodies are
read from fixtures recorded with --record (they hold the canonical body).
The harness comes from tests/test_providers.py.

    SHIPSKIP_BIN   the binary (default: <repo>/build/shipskip)
    SK_SOURCE_DIR  the repository (default: the parent of this directory)

Run: python3 tests/test_structured.py [-v] [TestClass.test_name]
"""

import glob
import json
import os
import sys
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import fake_llm  # noqa: E402
import test_e2e as e2e  # noqa: E402
import test_providers as tp  # noqa: E402

PERSONAS = ("builder", "skeptic", "futurist", "founder")


def rubric_names(persona):
    """The rubric element names of a persona file, in order."""
    path = os.path.join(e2e.REPO, "personas", persona + ".json")
    with open(path, encoding="utf-8") as f:
        return [r["name"] for r in json.load(f)["rubric"]]


def one_provider_config(port, ptype, model, structured=None):
    """Every persona on one provider of type ptype at the fake server."""
    prov = {"type": ptype, "base_url": tp.base_url(
        "openai" if ptype == "llamacpp" else ptype, port)}
    if ptype == "llamacpp":
        prov["api_key_env"] = "OPENAI_API_KEY"  # llama-server --api-key
    if structured is not None:
        prov["structured"] = structured
    return {"providers": {"p": prov},
            "default": {"provider": "p", "model": model}}


class StructuredCase(tp.ProvidersCase):

    def run_one(self, ptype, tools, *opts, structured=None, model="m-1",
                record=None):
        cfg = self.write_json("cfg.json", one_provider_config(
            self.server.port, ptype, model, structured))
        args = list(opts)
        if record:
            args += ["--record", record]
        path = self.write_jsonl("tools.jsonl", tools)
        return self.review_mixed([path], *args, config=cfg)

    def recorded_bodies(self, fxdir):
        """The request bodies of every recorded exchange, with status."""
        out = []
        for path in sorted(glob.glob(os.path.join(fxdir, "*.json"))):
            doc = self.load(path)
            out.append((doc["request"]["body"], doc["response"]["status"]))
        return out


class TestNativeForms(StructuredCase):
    """Each provider type sends the persona's schema in its own form, the
    fake server accepts it as the real API would, and every review is
    accepted on the first attempt with its evidence recorded."""

    def check_run(self, ptype, form):
        fx = os.path.join(self.tmp, "fx-" + ptype)
        res = self.run_one(ptype, [e2e.make_tool("Formwise")], record=fx)
        self.assertExit(res, 0)
        card = self.scorecard("formwise")
        for r in card["reviews"]:
            self.assertEqual(r["status"], "ok", r)
            self.assertEqual(r["attempts"], 1, r)
            names = rubric_names(r["persona"])
            ev = r["rubric"]["evidence"]
            self.assertEqual(sorted(ev), sorted(names), r)
            for quote in ev.values():
                self.assertIn(quote.lower(), r["review"].lower())
        bodies = self.recorded_bodies(fx)
        self.assertEqual(len(bodies), 4)
        for body, status in bodies:
            self.assertEqual(status, 200)
            form(body)
        return bodies

    def test_openai_response_format_strict(self):
        def form(body):
            rf = body["response_format"]
            self.assertEqual(rf["type"], "json_schema")
            js = rf["json_schema"]
            self.assertEqual(js["name"], "shipskip_review")
            self.assertIs(js["strict"], True)
            self.assertIsNone(fake_llm.strict_schema_error(js["schema"]))
            self.assertEqual(js["schema"]["required"],
                             ["score", "verdict", "review", "evidence"])
        # "openai" is off under auto (see TestModes): asked for with on.
        fx = os.path.join(self.tmp, "fx")
        res = self.run_one("openai", [e2e.make_tool("Formwise")],
                           "--structured", "on", record=fx)
        self.assertExit(res, 0)
        for body, _ in self.recorded_bodies(fx):
            form(body)

    def test_llamacpp_json_schema_field(self):
        def form(body):
            self.assertNotIn("response_format", body)
            self.assertEqual(body["json_schema"]["type"], "object")
            ev = body["json_schema"]["properties"]["evidence"]
            self.assertEqual(list(ev["properties"]),
                             rubric_names(ev_persona(body)))
        self.check_run("llamacpp", form)

    def test_anthropic_forced_tool(self):
        def form(body):
            self.assertEqual(len(body["tools"]), 1)
            tool = body["tools"][0]
            self.assertEqual(tool["name"], "shipskip_review")
            self.assertEqual(tool["input_schema"]["type"], "object")
            self.assertEqual(body["tool_choice"],
                             {"type": "tool", "name": "shipskip_review"})
        self.check_run("anthropic", form)

    def test_gemini_response_schema_subset(self):
        def form(body):
            gc = body["generationConfig"]
            self.assertEqual(gc["responseMimeType"], "application/json")
            schema = gc["responseSchema"]
            self.assertIsNone(fake_llm.gemini_schema_error(schema))
            self.assertEqual(schema["type"], "OBJECT")
            self.assertNotIn("additionalProperties", json.dumps(schema))
            self.assertEqual(schema["propertyOrdering"],
                             ["score", "verdict", "review", "evidence"])
        self.check_run("gemini", form)

    def test_ollama_format(self):
        def form(body):
            self.assertEqual(body["format"]["type"], "object")
            self.assertIn("evidence", body["format"]["properties"])
        self.check_run("ollama", form)

    def test_a_fifth_persona_gets_its_own_schema(self):
        pdir = os.path.join(self.tmp, "personas")
        os.mkdir(pdir)
        for p in PERSONAS:
            with open(os.path.join(e2e.REPO, "personas", p + ".json"),
                      encoding="utf-8") as f:
                doc = json.load(f)
            with open(os.path.join(pdir, p + ".json"), "w",
                      encoding="utf-8") as f:
                json.dump(doc, f)
        fifth = {"name": "auditor", "display_name": "Auditor", "order": 50,
                 "lens": "You are the Auditor: you check the claims.",
                 "rubric": [{"name": "claims", "ask": "name its claims",
                             "missing": "no claims named",
                             "pattern": "\\b(claims?|says)\\b"}]}
        with open(os.path.join(pdir, "auditor.json"), "w",
                  encoding="utf-8") as f:
            json.dump(fifth, f)
        fx = os.path.join(self.tmp, "fx")
        self.run_one("ollama", [e2e.make_tool("Fifthly")], "--personas-dir",
                     pdir, record=fx)
        schemas = [b["format"] for b, _ in self.recorded_bodies(fx)]
        evs = sorted(list(s["properties"]["evidence"]["properties"])
                     for s in schemas)
        self.assertIn(["claims"], evs)
        claims = [s for s in schemas
                  if list(s["properties"]["evidence"]["properties"]) ==
                  ["claims"]][0]
        self.assertEqual(
            claims["properties"]["evidence"]["properties"]["claims"]
            ["description"],
            "the exact words of your review that cover name its claims")


def ev_persona(body):
    """The persona a recorded request is for, from its system message."""
    for m in body.get("messages", []):
        if m["role"] == "system":
            found = fake_llm.PERSONA_RE.search(m["content"])
            if found:
                return found.group(1).lower()
    raise AssertionError("no persona in the request")


class TestModes(StructuredCase):
    """auto, on and off, from the config and --structured."""

    def test_auto_is_off_for_openai_and_text_bodies_are_unchanged(self):
        fx = os.path.join(self.tmp, "fx")
        res = self.run_one("openai", [e2e.make_tool("Plainly")], record=fx)
        self.assertExit(res, 0)
        for body, _ in self.recorded_bodies(fx):
            self.assertEqual(sorted(body), ["messages", "model"])
        card = self.scorecard("plainly")
        for r in card["reviews"]:
            self.assertNotIn("evidence", r["rubric"])

    def test_config_off_and_command_line_override(self):
        fx = os.path.join(self.tmp, "fx")
        res = self.run_one("anthropic", [e2e.make_tool("Offish")],
                           structured="off", record=fx)
        self.assertExit(res, 0)
        for body, _ in self.recorded_bodies(fx):
            self.assertNotIn("tools", body)
        fx2 = os.path.join(self.tmp, "fx2")
        res = self.run_one("anthropic", [e2e.make_tool("Offish")],
                           "--structured", "on", "--force",
                           structured="off", record=fx2)
        self.assertExit(res, 0)
        for body, _ in self.recorded_bodies(fx2):
            self.assertIn("tools", body)

    def test_bad_config_value_is_a_usage_error(self):
        res = self.run_one("anthropic", [e2e.make_tool("Typo")],
                           structured="yes")
        self.assertExit(res, 2)
        self.assertIn("providers.p.structured must be", res.stderr)


class TestFallback(StructuredCase):
    """A server that rejects the structured field: the text contract for
    that provider and model, said once, the failed try not counted."""

    def check_fallback(self, ptype):
        res = self.run_one(ptype, [
            e2e.make_tool("Nostruct A", markers="fake:no-structured"),
            e2e.make_tool("Nostruct B", markers="fake:no-structured")],
            "--concurrency", "1")
        self.assertExit(res, 0)
        said = [line for line in res.stderr.splitlines()
                if "structured output rejected" in line]
        self.assertEqual(len(said), 1, res.stderr)
        self.assertIn("using the text contract", said[0])
        summary = self.summary_json()
        self.assertEqual(len(summary["structured_fallback"]), 1)
        for slug in ("nostruct-a", "nostruct-b"):
            for r in self.scorecard(slug)["reviews"]:
                self.assertEqual((r["status"], r["attempts"], r["retries"]),
                                 ("ok", 1, 0), r)
        statuses = [e["status"] for e in self.log()]
        self.assertEqual(statuses.count(400), 1, statuses)
        self.assertEqual(statuses.count(200), 8, statuses)

    def test_openai(self):
        cfg = one_provider_config(self.server.port, "openai", "m-1", "on")
        path = self.write_jsonl("tools.jsonl", [
            e2e.make_tool("Nostruct A", markers="fake:no-structured")])
        res = self.review_mixed([path], "--concurrency", "1",
                                config=self.write_json("c.json", cfg))
        self.assertExit(res, 0)
        self.assertIn("Unrecognized request argument supplied: "
                      "response_format", res.stderr)

    def test_llamacpp(self):
        self.check_fallback("llamacpp")

    def test_anthropic(self):
        self.check_fallback("anthropic")

    def test_gemini(self):
        self.check_fallback("gemini")

    def test_ollama(self):
        self.check_fallback("ollama")


class TestEvidence(StructuredCase):

    def test_quotes_not_in_the_review_leave_it_to_the_patterns(self):
        res = self.run_one("ollama", [e2e.make_tool(
            "Quoteless", markers="fake:bad-quotes-always")])
        self.assertExit(res, 0)
        for r in self.scorecard("quoteless")["reviews"]:
            self.assertEqual(r["status"], "ok")
            self.assertNotIn("evidence", r["rubric"])
            self.assertEqual(r["rubric"]["missing"], [])

    def test_empty_quotes_and_a_bland_review_are_reasked(self):
        res = self.run_one("gemini", [e2e.make_tool(
            "Blandly", markers="fake:no-rubric-once")])
        self.assertExit(res, 0)
        for r in self.scorecard("blandly")["reviews"]:
            self.assertEqual((r["status"], r["attempts"]), ("ok", 2), r)

    def test_format_failures_of_a_structured_reply_are_reasked(self):
        res = self.run_one("anthropic", [e2e.make_tool(
            "Overscore", markers="fake:score-140-once")])
        self.assertExit(res, 0)
        for r in self.scorecard("overscore")["reviews"]:
            self.assertEqual((r["status"], r["attempts"]), ("ok", 2), r)

    def test_draft_and_tool_page_show_the_quotes(self):
        res = self.run_one("ollama", [e2e.make_tool("Quotable")])
        self.assertExit(res, 0)
        md = self.markdown("quotable")
        self.assertEqual(md.count("\n*Evidence: "), 4, md)
        card = self.scorecard("quotable")
        r = card["reviews"][0]
        name, quote = next(iter(r["rubric"]["evidence"].items()))
        site = self.sk(["site", self.out])
        self.assertExit(site, 0)
        with open(os.path.join(self.out, "site", "tools", "quotable.html"),
                  encoding="utf-8") as f:
            page = f.read()
        self.assertIn('<ol class="evidence">', page)
        self.assertIn(name, page)


class TestCutOff(StructuredCase):
    """finish_reason honoured: a cut-off reply is asked again once with
    twice the limit, never the same limit, and reported as cut off."""

    def limits(self, persona):
        return [e["max_tokens"] for e in self.log()
                if e["persona"] == persona]

    def test_raised_once_then_accepted(self):
        for ptype in ("openai", "anthropic", "gemini", "ollama"):
            with self.subTest(ptype=ptype):
                out = os.path.join(self.tmp, "out-" + ptype)
                before = len(self.log())
                cfg = self.write_json("c.json", one_provider_config(
                    self.server.port, ptype, "cut-" + ptype))
                path = self.write_jsonl("t.jsonl", [e2e.make_tool(
                    "Cutter", markers="fake:limit-700@skeptic")])
                res = self.review_mixed([path], "--max-tokens", "400",
                                        config=cfg, out=out)
                self.assertExit(res, 0)
                sk = [e["max_tokens"] for e in self.log()[before:]
                      if e["persona"] == "skeptic"]
                self.assertEqual(sk, [400, 800])
                card = self.load(os.path.join(out, "cutter.json"))
                r = [x for x in card["reviews"]
                     if x["persona"] == "skeptic"][0]
                self.assertEqual((r["status"], r["attempts"]), ("ok", 2))

    def test_still_cut_off_fails_saying_so(self):
        res = self.run_one("anthropic", [e2e.make_tool(
            "Longwind", markers="fake:limit-5000@founder")],
            "--max-tokens", "400")
        self.assertExit(res, 1)
        self.assertEqual(self.limits("founder"), [400, 800])
        r = [x for x in self.scorecard("longwind")["reviews"]
             if x["persona"] == "founder"][0]
        self.assertEqual(r["status"], "failed")
        self.assertIn("cut off at the token limit (800 tokens",
                      r["errors"][0])

    def test_no_limit_known_is_not_asked_again(self):
        res = self.run_one("ollama", [e2e.make_tool(
            "Nolimit", markers="fake:limit-5000@founder")])
        self.assertExit(res, 1)
        self.assertEqual(self.limits("founder"), [None])
        r = [x for x in self.scorecard("nolimit")["reviews"]
             if x["persona"] == "founder"][0]
        self.assertIn("cut off at the model's own token limit",
                      r["errors"][0])


class TestReplay(StructuredCase):

    def test_structured_exchanges_replay_byte_for_byte(self):
        fx = os.path.join(self.tmp, "fx")
        res = self.run_one("gemini", [e2e.make_tool(
            "Replayed", markers="fake:no-rubric-once@builder")], record=fx)
        self.assertExit(res, 0)
        first = tp.card_bytes(self.out)
        out2 = os.path.join(self.tmp, "out2")
        cfg = self.write_json("cfg2.json", one_provider_config(
            1, "gemini", "m-1"))
        path = os.path.join(self.tmp, "tools.jsonl")
        res = self.sk(["review", path, "-o", out2, "--config", cfg,
                       "--replay", fx, "--no-progress"],
                      env=self.base_env())
        self.assertExit(res, 0)
        self.assertEqual(tp.card_bytes(out2), first)


class TestFakeServerChecks(StructuredCase):
    """The fake server refuses what the real APIs refuse, so a client bug
    in a native form fails here as it would there."""

    def post(self, path, body, headers=None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.server.port}{path}",
            data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": "Bearer " + tp.KEY,
                     "x-api-key": tp.KEY, "x-goog-api-key": tp.KEY,
                     "anthropic-version": "2023-06-01", **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    SCHEMA = {"type": "object",
              "properties": {"score": {"type": "integer"},
                             "verdict": {"type": "string"},
                             "review": {"type": "string"}},
              "required": ["score", "verdict", "review"],
              "additionalProperties": False}
    MSGS = [{"role": "user", "content": "Name: Checkwise\nreview it"}]

    def test_openai_strict_rules(self):
        loose = dict(self.SCHEMA)
        del loose["additionalProperties"]
        partial = dict(self.SCHEMA, required=["score"])
        odd = dict(self.SCHEMA, properties=dict(
            self.SCHEMA["properties"], review={"type": "string",
                                               "examples": ["x"]}))
        for schema, why in ((loose, "'additionalProperties' is required"),
                            (partial, "Missing 'verdict'"),
                            (odd, "'examples' is not permitted")):
            status, body = self.post("/v1/chat/completions", {
                "model": "m", "messages": self.MSGS, "response_format": {
                    "type": "json_schema", "json_schema": {
                        "name": "x", "strict": True, "schema": schema}}})
            self.assertEqual(status, 400)
            self.assertIn(why, body["error"]["message"])
            self.assertEqual(body["error"]["param"], "response_format")
        status, body = self.post("/v1/chat/completions", {
            "model": "m", "messages": self.MSGS, "response_format": {
                "type": "json_schema", "json_schema": {
                    "name": "x", "strict": True, "schema": self.SCHEMA}}})
        self.assertEqual(status, 200)
        reply = json.loads(body["choices"][0]["message"]["content"])
        self.assertEqual(sorted(reply), ["review", "score", "verdict"])

    def test_gemini_subset(self):
        status, body = self.post(
            "/v1beta/models/g:generateContent",
            {"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
             "generationConfig": {"responseMimeType": "application/json",
                                  "responseSchema": self.SCHEMA}})
        self.assertEqual(status, 400)
        self.assertIn('Unknown name "additionalProperties"',
                      body["error"]["message"])
        status, body = self.post(
            "/v1beta/models/g:generateContent",
            {"contents": [{"role": "user", "parts": [{"text": "hi"}]}],
             "generationConfig": {"responseSchema": {"type": "OBJECT"}}})
        self.assertEqual(status, 400)
        self.assertIn("response_mime_type", body["error"]["message"])

    def test_anthropic_tool_choice_must_name_a_tool(self):
        status, body = self.post("/v1/messages", {
            "model": "c", "max_tokens": 100, "messages": self.MSGS,
            "tools": [{"name": "a", "input_schema": self.SCHEMA}],
            "tool_choice": {"type": "tool", "name": "b"}})
        self.assertEqual(status, 400)
        self.assertIn("tool_choice.name", body["error"]["message"])
        status, body = self.post("/v1/messages", {
            "model": "c", "max_tokens": 100, "messages": self.MSGS,
            "tools": [{"name": "a", "input_schema": {"type": "string"}}]})
        self.assertEqual(status, 400)
        self.assertIn("input_schema.type", body["error"]["message"])

    def test_ollama_format(self):
        status, body = self.post("/api/chat", {
            "model": "l", "messages": self.MSGS, "stream": False,
            "format": 7})
        self.assertEqual(status, 400)
        self.assertIn("invalid format", body["error"])


class TestBundledSample(StructuredCase):
    """fixtures/structured/ replays offline into its recorded panel."""

    def test_replays(self):
        root = os.path.join(e2e.REPO, "fixtures", "structured")
        res = self.sk(["review", os.path.join(root, "tools"), "-o", self.out,
                       "--config", os.path.join(root, "shipskip.json"),
                       "--replay", os.path.join(root, "exchanges"),
                       "--no-progress"], env=self.base_env())
        self.assertExit(res, 0)
        cards = glob.glob(os.path.join(self.out, "*.json"))
        cards = [c for c in cards if not c.endswith("summary.json")]
        self.assertEqual(len(cards), 1)
        card = self.load(cards[0])
        self.assertTrue(all(r["rubric"].get("evidence")
                            for r in card["reviews"]))


if __name__ == "__main__":
    unittest.main()
