#!/usr/bin/env python3
"""make-corpus.py: (re)writes the seed corpora in tests/fuzz/corpus/<target>/
from the project's real samples, in each target's input layout (fuzz.h and
the target files say what that is). Run from anywhere; it only writes under
tests/fuzz/corpus. Seeds are a starting point: libFuzzer grows its own
corpus in build-fuzz/corpus/ (scripts/fuzz.sh), which is not checked in.

  fixtures/tools, tests/data/injection    tool records   -> toolsrc, prompt,
                                                            jsonget
  prompts/*.txt                           templates      -> template
  fixtures/exchanges (response bodies)    HTTP replies   -> provider*
  fixtures/reviews, tests/data/reviews    model replies  -> validate
  fixtures/exchanges (whole files)        fixtures       -> fixture
  injection samples' text fields          tool text      -> inject
  a journal written from the fixture reviews             -> journal
  edits of the sample draft, README.md, a bare draft     -> draft
  scorecards in the documented shape, tests/data/publish -> scorecard
"""
import glob
import hashlib
import json
import os
import shutil

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")
PANEL = ["builder", "skeptic", "futurist", "founder"]  # personas/ order
STATUS_200, STATUS_429, STATUS_500, STATUS_400 = 0, 13, 14, 6  # see STATUS[]


def src(*parts):
    return sorted(glob.glob(os.path.join(ROOT, *parts)))


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    tools = src("fixtures", "tools", "*.json") + src(
        "tests", "data", "injection", "*", "*.json")

    # toolsrc and prompt: whole records, plus the shapes a file can take.
    records = []
    for p in tools:
        base = os.path.basename(os.path.dirname(p)) + "-" + os.path.basename(p)
        put("toolsrc", base, read(p))
        put("prompt", base, read(p))
        records.append(json.loads(read(p)))
    compact = [json.dumps(r, ensure_ascii=False) for r in records[:6]]
    put("toolsrc", "shape-jsonl", "\n".join(compact) + "\n")
    put("toolsrc", "shape-array", "[\n" + ",\n".join(compact) + "\n]\n")
    put("toolsrc", "shape-pretty-run",
        "".join(json.dumps(r, indent=2, ensure_ascii=False) + "\n"
                for r in records[:3]))
    put("toolsrc", "shape-torn", compact[0] + "\n" + compact[1][:40])
    put("toolsrc", "shape-nested", "[" * 50 + "]" * 50 + "\n{\"a\":[{}]}\n")
    # Streamed arrays (single-line, broken between items) and NUL bytes.
    put("toolsrc", "shape-array-line", "[" + ",".join(compact) + "]")
    put("toolsrc", "shape-array-bent",
        "[\"s\", 1, " + compact[0] + " " + compact[1] + ",, {\"x\": [1}],\n"
        + compact[2] + "]\n[" + compact[3] + "\n")
    put("toolsrc", "nul-raw",
        (compact[0] + "\n" + compact[1][:20] + "\0" + compact[1][20:] + "\n"
         + compact[2] + "\n").encode("utf-8"))
    put("toolsrc", "nul-escaped",
        compact[0].replace("\"description\": \"",
                           "\"description\": \"\\u0000", 1) + "\n"
        + compact[1] + "\n")
    put("toolsrc", "nul-array",
        ("[" + compact[0] + ",\0" + compact[1] + "]\n").encode("utf-8"))

    # jsonget: strings with NUL (escaped, raw, in keys) and every escape.
    put("jsonget", "escaped-nul", '{"verdict": "ship\\u0000 or skip", '
        '"ok": "fine"}')
    put("jsonget", "raw-nul", b'["a", "b\0c", "d"]')
    put("jsonget", "key-nul", '{"name\\u0000x": "evil", "n": {"k": 1, '
        '"deep\\u0000": "v\\u0000"}, "last": "ok"}')
    put("jsonget", "escapes", '{"a": "\\\\u0000 is text", '
        '"b": "\\ud83d\\ude00 \\u00e9\\u4e2d", "c": ["\\"", "\\\\"]}')
    for p in tools[:8]:
        put("jsonget", os.path.basename(p), read(p))

    # template: the real prompts and the edges of the placeholder syntax.
    for p in src("prompts", "*.txt"):
        put("template", os.path.basename(p), read(p))
    for i, t in enumerate(["{{a}}", "x {{ a.b }} {{tool.name}} y", "{{",
                           "}}{{x", "{{err}}", "{{big}}{{big}}", "{{fence}}",
                           "{{ missing }}", "{" * 3 + "a" + "}" * 3]):
        put("template", "edge-%02d" % i, t)

    # provider: each recorded response body, as a 200 with no headers, and a
    # few error replies with headers; bodies of the other wire formats.
    bodies = []
    for p in src("fixtures", "exchanges", "*.json"):
        fx = json.loads(read(p))
        res = fx.get("response", {})
        if "body" in res:
            bodies.append(json.dumps(res["body"], ensure_ascii=False))
    others = [
        '{"id":"msg_1","type":"message","role":"assistant","content":[{"type":'
        '"text","text":"SCORE: 70/100\\nVERDICT: ship\\nREVIEW: ok"}],'
        '"stop_reason":"end_turn","usage":{"input_tokens":10,'
        '"output_tokens":20}}',
        '{"type":"error","error":{"type":"overloaded_error","message":'
        '"Overloaded"}}',
        '{"candidates":[{"content":{"parts":[{"text":"SCORE: 70/100"}],'
        '"role":"model"},"finishReason":"STOP"}],"usageMetadata":'
        '{"promptTokenCount":10,"candidatesTokenCount":20}}',
        '{"error":{"code":429,"message":"Resource exhausted","status":'
        '"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/'
        'google.rpc.RetryInfo","retryDelay":"7s"}]}}',
        '{"model":"llama3","message":{"role":"assistant","content":'
        '"SCORE: 70/100"},"done":true,"done_reason":"stop",'
        '"prompt_eval_count":10,"eval_count":20}',
        '{"error":"model \\"llama3\\" not found, try pulling it first"}',
        '{"error":{"message":"Rate limit reached","type":"requests",'
        '"code":"rate_limit_exceeded"}}',
        '{"error":{"message":"You exceeded your current quota","type":'
        '"insufficient_quota"}}',
        '{"choices":[{"message":{"role":"assistant","content":null,'
        '"refusal":"I cannot help with that."},"finish_reason":"stop"}]}',
    ]
    for target in ("provider_openai", "provider"):
        for i, b in enumerate(bodies):
            put(target, "fixture-%02d" % i, bytes([STATUS_200, 0, 0]) + b.encode())
        for i, b in enumerate(others):
            put(target, "format-%02d" % i, bytes([STATUS_200, 0, 0]) + b.encode())
            put(target, "error429-%02d" % i,
                bytes([STATUS_429, 0xff, 1]) + b"7" + b.encode())
        put(target, "http-date", bytes([STATUS_500, 0xff, 29]) +
            b"Sun, 06 Nov 1994 08:49:37 GMT" + b"not json")
        put(target, "base-url", bytes([STATUS_400, 0x01, 27]) +
            b"http://localhost:11434/v1//" + b'{"error":"bad"}')

    # validate: real replies for their persona, with and without a fence.
    for p in src("fixtures", "reviews", "*", "*.txt"):
        persona = os.path.basename(p).split(".")[0]
        idx = PANEL.index(persona)
        name = os.path.basename(os.path.dirname(p)) + "-" + os.path.basename(p)
        put("validate", name, bytes([idx]) + read(p))
        put("validate", "fenced-" + name, bytes([idx | 0x80]) + read(p) +
            b"\nEND TOOL-DATA-0123456789abcdef\n")
    for p in src("tests", "data", "reviews", "*", "pass", "*.txt"):
        persona = os.path.basename(os.path.dirname(os.path.dirname(p)))
        reply = b"SCORE: 70/100\nVERDICT: ship\nREVIEW: " + read(p)
        put("validate", persona + "-" + os.path.basename(p),
            bytes([PANEL.index(persona)]) + reply)

    # fixture: the recorded exchanges as they are.
    for p in src("fixtures", "exchanges", "*.json"):
        put("fixture", os.path.basename(p), read(p))

    # inject: every text field of the injection samples, one per file.
    for p in src("tests", "data", "injection", "*", "*.json"):
        rec = json.loads(read(p))
        kind = os.path.basename(os.path.dirname(p))
        for k, v in rec.items():
            if isinstance(v, str) and not k.startswith("_"):
                put("inject", "%s-%s-%s" % (kind, os.path.basename(p)[:-5], k), v)

    # journal: lines written from the fixture reviews, a torn last line.
    lines = []
    for p in src("fixtures", "reviews", "*", "*.txt")[:8]:
        slug = os.path.basename(os.path.dirname(p))
        persona = os.path.basename(p).split(".")[0]
        lines.append(json.dumps({
            "tool": slug, "persona": persona,
            "inputs": hashlib.sha256(read(p)).hexdigest(),
            "status": "ok", "score": 70, "verdict": "ship",
            "review": read(p).decode("utf-8").split("REVIEW:")[-1].strip(),
            "provider": "openai", "model": "gpt-4o-mini", "attempts": 1,
            "retries": 0, "prompt_tokens": 640, "completion_tokens": 240,
            "errors": []}, separators=(",", ":")))
    failed = json.dumps({
        "tool": "offshoot", "persona": "skeptic", "inputs": "0" * 64,
        "status": "failed", "provider": "openai", "model": "gpt-4o-mini",
        "attempts": 3, "retries": 0, "errors": ["no VERDICT line"]},
        separators=(",", ":"))
    for i, line in enumerate(lines[:4]):
        put("journal", "line-%02d" % i, line + "\n")
    put("journal", "failed", failed + "\n")
    put("journal", "journal", "\n".join(lines) + "\n" + failed + "\n")
    put("journal", "journal-torn", "\n".join(lines) + "\n" + failed[:50])

    draft_corpus()
    scorecard_corpus()


def scorecard_corpus():
    """scorecard: a scorecard in the shape docs/SCORECARD.md documents, made
    from the fixture reviews; one with a failed review, history and an edit;
    one with no accepted review; the hostile publishing sample; broken ones
    (a score out of range, a flag that hides its findings)."""
    def review(persona, score, verdict, text):
        ok = score is not None
        return {"persona": persona, "display_name": persona.capitalize(),
                "score": score, "verdict": verdict, "review": text,
                "provider": "openai", "model": "gpt-4o-mini",
                "attempts": 1 if ok else 3, "retries": 0,
                "status": "ok" if ok else "failed",
                "inputs": hashlib.sha256(persona.encode()).hexdigest(),
                "errors": [] if ok else ["no VERDICT line"],
                "usage": {"prompt_tokens": 640, "completion_tokens": 240,
                          "cost_usd": 0.00024}}

    texts = [read(p).decode("utf-8").split("REVIEW:")[-1].strip()
             for p in src("fixtures", "reviews", "*", "*.txt")[:4]]
    reviews = [review(n, 70 + i, "ship" if i < 3 else "skip", texts[i])
               for i, n in enumerate(PANEL)]

    def card(reviews, **extra):
        ok = [r for r in reviews if r["status"] == "ok"]
        ships = sum(1 for r in ok if r["verdict"] == "ship")
        n = len(ok)
        verdict = (None if n == 0 else "Ship" if ships > n - ships else
                   "Skip" if ships < n - ships else "Split")
        d = {"schema": "shipskip.scorecard/1",
             "tool": {"slug": "code-llama-4", "name": "Code Llama 4",
                      "tagline": "Open weights", "category": "Developer Tools",
                      "pricing": "Free", "entry": "Free", "best_for": "Teams",
                      "url": "https://example.com/", "description": "A tool."},
             "panel": {"verdict": verdict,
                       "label": "%s · %d ship / %d skip" % (
                           verdict or "No verdict", ships, n - ships),
                       "ships": ships, "skips": n - ships,
                       "failed": len(reviews) - n, "reviewers": n,
                       "ship_percent": (ships * 200 + n) // (2 * n) if n
                       else None,
                       "mean_score": round(sum(r["score"] for r in ok) / n, 1)
                       if n else None,
                       "complete": n == len(reviews) and n > 0},
             "injection": {"flagged": False, "findings": []},
             "community": {"ship": 255, "skip": 157},
             "usage": {"prompt_tokens": 640 * len(reviews),
                       "completion_tokens": 240 * len(reviews),
                       "cost_usd": 0.00024 * len(reviews)},
             "reviews": reviews}
        d.update(extra)
        return json.dumps(d, indent=2, ensure_ascii=False) + "\n"

    put("scorecard", "complete.json", card(reviews))
    edited = [dict(r) for r in reviews]
    edited[1] = dict(edited[1], edited=True, score=40, verdict="skip")
    edited[2] = review("futurist", None, None, None)
    put("scorecard", "history.json", card(edited, history=[
        {"persona": "skeptic", "score": 71, "verdict": "ship",
         "review": texts[1], "model": "gpt-4o-mini",
         "replaced_at": "2026-11-21T07:30:00Z", "reason": "edited"},
        {"persona": "futurist", "score": None, "verdict": None,
         "review": None, "model": None,
         "replaced_at": "2026-11-22T07:30:00Z", "reason": "redo"}],
        generated_at="2026-11-22T07:30:00Z"))
    put("scorecard", "no-verdict.json",
        card([review(n, None, None, None) for n in PANEL], injection=None,
             community=None))
    put("scorecard", "evil-tool.json",
        read(os.path.join(ROOT, "tests", "data", "publish", "evil-tool.json")))
    put("scorecard", "broken-score.json",
        card(reviews).replace('"score": 70', '"score": 140', 1))
    put("scorecard", "broken-flag.json", card(reviews, injection={
        "flagged": False, "findings": [
            {"rule": "r", "field": "description", "excerpt": "e"}]}))


def draft_corpus():
    """draft: edits of the scorecard's own draft (byte 0 bit 1: offset,
    deletion, insertion; bit 0: without the rubric) and whole files."""
    edits = [(0, 0, b""), (700, 0, b"140"), (1400, 4, b"maybe"),
             (1200, 0, b"\n\n### Critic\n\n"), (900, 1, b"\\*"),
             (2000, 0, b"\r\n"), (2600, 20, "65/100 · ship\n\n".encode()),
             (2400, 0, b"No review: failed after 2 attempts.\n\n- x\n"),
             (300, 0, b"| Panel ship | 80% |\n"), (5000, 200, b"")]
    for i, (at, cut, text) in enumerate(edits):
        head = bytes([2, at >> 8 & 0xff, at & 0xff, cut])
        put("draft", "edit-%02d" % i, head + text)
        put("draft", "edit-norubric-%02d" % i, bytes([3]) + head[1:] + text)
    put("draft", "readme", b"\0" + read(os.path.join(ROOT, "README.md")))
    put("draft", "bare", b"\0" + "# Code Llama 4\n\n## Reviewer scorecard\n"
        "\n### Builder\n\n90/100 · ship\n\nshort\n\n---\n".encode())
    put("draft", "empty", b"\0")


if __name__ == "__main__":
    main()
