#!/usr/bin/env python3
"""Fake LLM server for shipskip's tests: OpenAI-compatible chat completions,
Anthropic Messages, Gemini generateContent and Ollama /api/chat.

This is a small, deterministic stand-in for a real LLM server (llama.cpp's
`llama-server`, the OpenAI, Anthropic and Gemini APIs, Ollama). It speaks
their wire shapes, quirks included (see /work/shared/INTEROP.md), so the C
client can be tested offline: replies, error bodies, rate-limit headers,
keep-alive behaviour, dropped connections. Python 3 standard library only.

Command line
------------
    python3 tests/fake_llm.py --port 0 --port-file PATH [--host 127.0.0.1]
        [--log PATH] [--latency-ms N] [--api-key KEY] [--reviews-dir DIR]
        [--stall-ms N] [--keepalive-max 100] [--idle-timeout-s 5]
        [--reuse-port] [--echo-key] [--tls-cert PEM --tls-key PEM]
        [--require-header NAME:VALUE]... [--require-query NAME=VALUE]...
        [--batch-polls-pending 1] [--batch-polls-running 1] [--batch-*...]

It listens on a loopback address only. With --port 0 the kernel picks a free
port; once listening, the port number (digits + newline) is written to
--port-file atomically (temporary file + rename). It runs until SIGTERM or
SIGINT, then exits 0 at once (in-flight requests are abandoned). It is quiet:
stderr only gets real problems (a handler crash, an unknown fault marker).

Endpoints
---------
    POST /v1/chat/completions, POST /chat/completions   OpenAI chat API
    POST /v1/messages                                   Anthropic Messages
    POST /v1beta/models/{model}:generateContent         Gemini (also
                                                        tunedModels/{model})
    POST /api/chat                                      Ollama chat
    POST /openai/deployments/{d}/chat/completions       Azure OpenAI
    GET  /health                                        {"status":"ok"}
    /v1/files, /v1/batches..., /v1/messages/batches...,
    /v1beta/models/{model}:batchGenerateContent, /v1beta/batches...,
    GET /__batch_stats      the providers' batch APIs: see fake_batch.py,
                            which documents them, their --batch-* options
                            (--batch-polls-pending N, --batch-polls-running
                            N, --batch-fail-first N, --batch-expire-every K,
                            --batch-line-error-every K, --batch-slow-poll-ms
                            N, --batch-max-requests N, --batch-max-bytes N)
                            and their counters. Each line of a batch is
                            answered by answer() (below), as the online
                            endpoint answers the same body.
    anything else                                       404 not_found_error

Errors use llama.cpp's body `{"error":{"code","message","type"}}`; like
llama.cpp, a body that is not JSON or has no `messages` list is a 500
server_error, not a 400. Rate-limit and quota errors use OpenAI's body
`{"error":{"message","type","param","code"}}` and headers.
With --api-key, chat requests need `Authorization: Bearer KEY` (401 otherwise);
/health and unknown paths do not.

Azure OpenAI (/openai/deployments/{deployment}/chat/completions) is the
OpenAI wire body at a path that names the deployment (recorded as the model);
the `api-version` query parameter is required (400 otherwise, as Azure
answers) and with --api-key the key goes in an `api-key` header (401
otherwise). Gateways: --require-header NAME:VALUE and --require-query
NAME=VALUE (each repeatable) make every chat request without that exact
header or query parameter a 400 naming it, so a test can assert what a
gateway receives. --tls-cert/--tls-key serve HTTPS with that certificate
chain and key (PEM) instead of plain HTTP.

The other wire formats, each with its own body, credential and errors:

Anthropic (/v1/messages). With --api-key, `x-api-key: KEY` (else 401
authentication_error "invalid x-api-key"). Errors are
`{"type":"error","error":{"type","message"}}`, all 400 invalid_request_error
for a bad request, as the real API checks: no `anthropic-version` header, a
body that is not JSON, a missing model/max_tokens/messages, a top-level field
the API does not know (`seed: Extra inputs are not permitted`), a "system"
role inside messages. System text comes from the top-level `system` (a string
or text blocks). Success:
`{"id":"msg_"+24 hex,"type":"message","role":"assistant","model","content":
[{"type":"text","text":CONTENT}],"stop_reason":"end_turn","stop_sequence":
null,"usage":{"input_tokens","output_tokens"}}`.

Gemini (/v1beta/models/{model}:generateContent; the model comes from the
path). With --api-key, `x-goog-api-key: KEY` (a ?key= query parameter is not
read): missing is 403 PERMISSION_DENIED, wrong is 400 INVALID_ARGUMENT "API
key not valid", as Google answers. Errors are `{"error":{"code","message",
"status"[,"details"]}}`, pretty-printed as Google's front ends do (so is the
success body); an unknown top-level or generationConfig field, a role other
than user/model, no contents are 400 INVALID_ARGUMENT. System text comes from
`systemInstruction.parts` (or system_instruction). Success:
`{"candidates":[{"content":{"parts":[{"text":CONTENT}],"role":"model"},
"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount",
"candidatesTokenCount","totalTokenCount"},"modelVersion","responseId"}`.

Ollama (/api/chat). No auth (--api-key is not checked). Errors are
`{"error":"text"}`: a body that is not JSON or has no model is a 400; no
messages is Ollama's 200 "load" reply (done_reason "load", empty content,
not counted as an attempt). Without `"stream": false` the reply is streamed
as NDJSON (a content chunk, then a closing object), as Ollama does. System
text comes from the "system" messages. Success: `{"model","created_at",
"message":{"role":"assistant","content":CONTENT},"done_reason":"stop",
"done":true,"total_duration","load_duration","prompt_eval_count",
"prompt_eval_duration","eval_count","eval_duration"}` with durations in
nanoseconds (1 ms per prompt token, 20 ms per generated token, 1 ms load).

Persona detection, the conversation key, the reply and the fault markers
(below) work the same in every format; token counts are over the same texts
(system text included), so one conversation gets the same CONTENT and counts
whichever format asks.

Transport: HTTP/1.1, one daemon thread per connection, keep-alive with
`Connection: Keep-Alive` and `Keep-Alive: timeout=5, max=100` on every kept
response, Content-Length on every response; the --keepalive-max'th response on
a connection says `Connection: close` and the server closes it; an idle
connection is closed after --idle-timeout-s (5 s, as llama.cpp does).
--latency-ms N sleeps N ms before every response (concurrent requests overlap).
--echo-key makes the server careless with secrets, as some are: every
answer repeats the credential its request carried (see echo_key()).
--loading-s S answers every request 503 unavailable_error "Loading model"
for the first S seconds after start (logged with fault "loading"), as
llama-server does while it loads a model; with a fixed --port, a test can
kill the server and start it again on the same port as a restart.
--retry-after V sends V verbatim as the Retry-After of the OpenAI-style 429
fault (a huge number, an HTTP date, garbage).
--reuse-port sets SO_REUSEPORT before binding, so several server processes
can listen on one --port and the kernel spreads connections among them: a
load generator's way past one Python process's GIL (scripts/bench.sh). Each
process keeps its own attempt counters and --log, so fault markers and the
request log are per process; tests that count attempts use one process.

Deterministic replies
---------------------
The persona is NAME from "You are the NAME" in a system message (lowercased),
else "generic". conversation key = sha256(model + "\\n" + persona + "\\n" +
first user message). The reply paragraph is picked from
<reviews-dir>/<persona>/pass/{ship,skip}-*.txt (sorted) at index
int(key, 16) % count; without such files, from two built-in paragraphs (one
ship, one skip) that cover every default persona's rubric. The verdict comes
from the file name; the score is 60 + h % 36 (ship) or 25 + h % 35 (skip),
h = int(last 8 hex digits of the key). A paragraph that does not name the
tool of the request's data block ("Name: X" after "BEGIN TOOL-DATA-...") is
opened with "On X: ", as a model would name what it reviews. Content:

    SCORE: {score}/100
    VERDICT: {verdict}
    REVIEW: {paragraph}

A re-ask (messages holding an "assistant" turn; Gemini's "model") gets the
same reply.

Unstable tools: with the marker `fake:unstable` (or `fake:unstable@persona`)
in the first user message and a sampling seed in the request (OpenAI
"seed", Gemini generationConfig.seed, Ollama options.seed), the paragraph
and score are picked with sha256(conversation key + "\nseed " + seed)
instead of the key, so each seed may get another verdict and score, as a
real model sampling at temperature would (shipskip calibrate asks with
seed, seed + 1, ...). Without the marker the seed changes nothing.
The response id is "chatcmpl-" + the first 24 hex digits of sha256(request
body); `created` is fixed at 1700000000, so the same request always gets the
same bytes.

Fault markers
-------------
Markers sit in the FIRST user message (the test puts them in the tool
description): `fake:NAME` for every persona, `fake:NAME@persona` for one.
NAME is KIND-once, KIND-twice or KIND-always. Attempts are counted per
conversation key: n = requests with this key seen before this one (only
requests that pass the auth and body checks count).

Transport/HTTP kinds (once: n == 0, twice: n < 2, always: every request),
as OpenAI-compatible / Anthropic / Gemini / Ollama answer them:
    429        429 rate_limit_exceeded, Retry-After: 1, x-ratelimit-* headers
               / 429 rate_limit_error, retry-after: 1,
                 anthropic-ratelimit-requests-{limit,remaining: 0,reset}
                 (reset an RFC 3339 time about a second ahead)
               / 429 RESOURCE_EXHAUSTED with QuotaFailure (per minute) and
                 RetryInfo retryDelay "1s" in details, no headers
               / 429 {"error":"too many requests"}, Retry-After: 1
    quota      429 insufficient_quota (waiting does not help)
               / 400 "Your credit balance is too low"
               / 429 RESOURCE_EXHAUSTED, a per-day QuotaFailure
               / as 429 (Ollama has no quota)
    500        500 server_error / 500 api_error / 500 INTERNAL
               / 500 "llama runner process has terminated"
    503        503 unavailable_error "Loading model" / 529 overloaded_error
               / 503 UNAVAILABLE "The model is overloaded" / 503 "server busy"
    400        400 invalid_request_error (context size exceeded) / 400
               invalid_request_error "prompt is too long" / 400
               INVALID_ARGUMENT (input token count) / 400 (context length)
    401        401 authentication_error / 401 authentication_error / 400
               INVALID_ARGUMENT "API key not valid" / 401 "unauthorized"
    404        404 model_not_found / 404 not_found_error "model: M" / 404
               NOT_FOUND "models/M is not found" / 404 'model "M" not found,
               try pulling it first'
    drop       read the request, then close without sending a byte
    malformed  200 application/json whose body is cut after 40 bytes
    stall      sleep --stall-ms (default 10000) first, then answer normally
    empty      200 with "choices": [] / "content": [] / a candidate with no
               parts / "content": ""
    blocked    200 with a refusal: "content": null and "refusal" / "content":
               [], "stop_reason": "refusal" / no candidates and
               "promptFeedback": {"blockReason": "SAFETY"} / (Ollama has no
               refusal: answered normally)
Several transport markers form a schedule in the order written: with
"fake:429-once fake:500-once", attempt 0 gets the 429, attempt 1 the 500,
attempt 2 succeeds.

Contract kinds (a normal 200 whose CONTENT breaks the reply contract; -once
applies to every request without an assistant turn, HTTP retries of the first
attempt included; -always to every request, re-asks included):
    no-score     no SCORE line
    score-140    SCORE: 140/100
    bad-verdict  VERDICT: maybe
    no-rubric    a bland paragraph that names no rubric element
    short        a 12-word paragraph
    chatty       "Sure! Here is my review:" + **bold** labels + a closing line
    bad-quotes   (structured replies) evidence quotes that are not in the
                 review, so the rubric patterns decide
Contract markers combine with each other (all applicable ones apply) and
with transport markers (they shape the answer once no transport fault fires).
Unknown markers are ignored, with one warning on stderr per name.

Token limits: `fake:limit-N` (N digits) makes the reply need N tokens: a
request whose limit (max_tokens / maxOutputTokens / options.num_predict)
is absent or below N gets the first half of its CONTENT, cut off, with
finish_reason "length" / stop_reason "max_tokens" / finishReason
"MAX_TOKENS" / done_reason "length".

Structured output
-----------------
Each format's native structured form is read and checked as the real API
checks it, and then answered in the structured shape: the CONTENT's score,
verdict and paragraph as one JSON object {"score", "verdict", "review",
"evidence"?} whose evidence has, for each property of the schema's
"evidence", a sentence of the paragraph (quoted exactly; "" with
no-rubric, a phrase not in the paragraph with bad-quotes):
    OpenAI     response_format {"type": "json_schema", "json_schema": {"name",
               "strict", "schema"}}; with strict true every object must have
               "additionalProperties": false and list every property in
               "required", and only the keywords strict mode supports (400
               invalid_request_error, param response_format, otherwise).
               The JSON text is choices[0].message.content.
    llama.cpp  a top-level "json_schema" object (same answer).
    Anthropic  "tools" [{"name", "description"?, "input_schema": {"type":
               "object", ...}}] with "tool_choice" {"type": "tool", "name"}
               naming one of them; the answer is content [{"type":
               "tool_use", "id", "name", "input": OBJECT}], stop_reason
               "tool_use".
    Gemini     generationConfig.responseMimeType "application/json" with
               responseSchema in Gemini's subset (an unknown name such as
               additionalProperties is 400 INVALID_ARGUMENT 'Unknown name
               "additionalProperties" at
               'generation_config.response_schema...''); the JSON text is
               the candidate's part.
    Ollama     "format": "json" or a schema object; the JSON text is
               message.content.
`fake:no-structured` in a request makes the server reject the structured
field with a 400 naming it, as a server without structured output does.

Request log
-----------
With --log PATH, one JSON line per request is appended and flushed:
{"n","method","path","persona","conv_key","attempt","messages",
"assistant_turns","auth","fault","status","model","temperature","max_tokens",
"seed","user_agent"}, the same keys for every wire format ("messages" counts
the system text as one message; "max_tokens" is Anthropic's max_tokens,
Gemini's maxOutputTokens or Ollama's num_predict; "auth" reads the format's
own credential header). "n" counts from 1 in the order lines are written;
"fault" is the applied marker (several joined by ","), or null; "status" is the
HTTP status or "dropped". No credential value is ever written.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import math
import os
import re
import signal
import socket
import socketserver
import ssl
import sys
import threading
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_batch  # noqa: E402  (the batch APIs, on the same port)

CREATED = 1700000000
FINGERPRINT = "b0000-fake"
CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
AZURE_PATH_RE = re.compile(r"^/openai/deployments/([^/]+)/chat/completions$")
ANTHROPIC_PATH = "/v1/messages"
GEMINI_PATH_RE = re.compile(
    r"^/v1beta/((?:models|tunedModels)/[^/:]+):generateContent$")
OLLAMA_PATH = "/api/chat"
JSON_TYPE = "application/json; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson"
# Ollama's created_at for CREATED.
CREATED_AT = "2023-11-14T22:13:20Z"
REFUSAL = "I'm sorry, but I can't help with that."

MARKER_RE = re.compile(r"fake:([a-z0-9-]+)(?:@([a-z]+))?")
PERSONA_RE = re.compile(r"You are the ([A-Za-z]+)")
REVIEW_FILE_RE = re.compile(r"^(ship|skip)-.*\.txt$")

# The OpenAI-style 429's Retry-After value (--retry-after), set by main().
RETRY_AFTER = ["1"]

# How many attempts (n = 0, 1, ...) a multiplicity covers; None is unbounded.
MULTIPLICITY = {"once": 1, "twice": 2, "always": None}
TRANSPORT_KINDS = {"429", "quota", "500", "503", "400", "401", "404",
                   "drop", "malformed", "stall", "empty", "blocked"}
# Transport kinds that are a 200 with an odd body rather than an error.
ODD_200_KINDS = (None, "empty", "blocked")

# Top-level fields the real APIs accept; anything else is a 400 there, so a
# client that sends a field of another vendor (a seed to Anthropic, a
# max_tokens to Gemini) fails here too.
ANTHROPIC_FIELDS = {"model", "messages", "max_tokens", "system",
                    "temperature", "top_p", "top_k", "stop_sequences",
                    "stream", "metadata", "tools", "tool_choice", "thinking",
                    "service_tier", "container", "mcp_servers"}
GEMINI_FIELDS = {"contents", "systemInstruction", "system_instruction",
                 "generationConfig", "generation_config", "safetySettings",
                 "safety_settings", "tools", "toolConfig", "tool_config",
                 "cachedContent", "cached_content", "labels"}
GEMINI_CONFIG_FIELDS = {
    "temperature", "topP", "top_p", "topK", "top_k", "candidateCount",
    "candidate_count", "maxOutputTokens", "max_output_tokens",
    "stopSequences", "stop_sequences", "seed", "responseMimeType",
    "response_mime_type", "responseSchema", "response_schema",
    "responseJsonSchema", "response_json_schema", "presencePenalty",
    "presence_penalty", "frequencyPenalty", "frequency_penalty",
    "responseLogprobs", "response_logprobs", "logprobs", "thinkingConfig",
    "thinking_config", "responseModalities", "response_modalities",
    "mediaResolution", "media_resolution", "speechConfig", "speech_config"}
CONTRACT_KINDS = {"no-score", "score-140", "bad-verdict", "no-rubric",
                  "short", "chatty", "bad-quotes"}

# Used when --reviews-dir has no paragraphs for a persona. Each one names
# every rubric element of the four default personas, so a reply built from it
# passes validation whichever persona asked.
BUILTIN_REVIEWS = [
    ("ship-builtin",
     "Under the hood the core primitive is a plain building block, and the "
     "developer experience bet is a drop-in API that proves itself in "
     "practice on the first real task; that is why it earns the ship. The "
     "thesis is that this category becomes infrastructure in the future, "
     "which means downstream tools follow, and the timing is early but fine. "
     "Against direct competitors it breaks only at scale limits, and the "
     "threat that kills it is commoditisation. The buyer is the platform "
     "team budget, the pricing is per seat, the moat is switching costs, "
     "and the verdict would flip only if they stop shipping."),
    ("skip-builtin",
     "Under the hood the core primitive is a thin wrapper, and the developer "
     "experience bet is a drop-in API that does not prove itself in practice "
     "on the first real task, so I skip it. The thesis is that this category "
     "becomes infrastructure in the future, which means downstream tools "
     "follow, but the timing is late. Against direct competitors it breaks "
     "under load and hits hard limits, and the threat that kills it is "
     "commoditisation by the big vendors. The buyer has no budget line for "
     "it, the pricing is per seat, there is no moat, and the verdict would "
     "flip only if they open the weights."),
]

# The no-rubric fault: about 80 words that name no primitive, competitor,
# category, thesis, buyer, moat, pricing, timing, break point or reason for
# the verdict.
BLAND_REVIEW = (
    "The documentation is tidy and the website loads quickly. The readme "
    "opens with a friendly greeting, the examples are neatly formatted, and "
    "the changelog is kept in good order. The colour scheme is pleasant, the "
    "logo is cheerful, and the navigation menu is easy to follow. Overall it "
    "gives a calm and pleasant impression, and the authors clearly care "
    "about presentation. The tone of the writing is warm and the "
    "screenshots are crisp. It is a nice thing to look at on a quiet "
    "afternoon.")

# The short fault: exactly 12 words.
SHORT_REVIEW = "A solid tool that does its job and stays out of sight."


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def dumps(obj):
    """Compact JSON with raw UTF-8, like llama.cpp's nlohmann::json::dump()."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def llama_error(code, message, etype):
    """An error body in llama.cpp's shape."""
    return dumps({"error": {"code": code, "message": message, "type": etype}})


def openai_error(message, etype, code):
    """An error body in OpenAI's shape."""
    return dumps({"error": {"message": message, "type": etype,
                            "param": None, "code": code}})


def anthropic_error(etype, message):
    """An error body in Anthropic's shape."""
    return dumps({"type": "error",
                  "error": {"type": etype, "message": message}})


def google_dumps(obj):
    """JSON as Google's front ends send it: pretty-printed, 2 spaces."""
    return json.dumps(obj, indent=2, ensure_ascii=False).encode()


def gemini_error(code, status, message, details=None):
    """An error body in Google's shape (google.rpc.Status)."""
    error = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return google_dumps({"error": error})


def ollama_error(message):
    """An error body in Ollama's shape: a plain string."""
    return dumps({"error": message})


def rfc3339(t):
    """Unix time t as an RFC 3339 UTC time, whole seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def message_text(content):
    """The text of a message's content: a string, or OpenAI content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part["text"] for part in content
                       if isinstance(part, dict)
                       and isinstance(part.get("text"), str))
    return ""


def tokens(nchars):
    """Rough token count: one token per four characters, rounded up."""
    return math.ceil(nchars / 4)


class Reply:
    """What to send back for one request (or that nothing should be sent)."""

    def __init__(self, status, body=b"", headers=(), drop=False, delay=0.0,
                 content_type=JSON_TYPE):
        self.status = status
        self.body = body
        self.headers = list(headers)
        self.drop = drop
        self.delay = delay  # extra seconds before answering (the stall fault)
        self.content_type = content_type


# --------------------------------------------------------------------------
# The tool's name in shipskip's data block ("BEGIN TOOL-DATA-<hex>" then
# "Name: <name>").
TOOL_NAME_RE = re.compile(r"^BEGIN TOOL-DATA-[0-9a-f]{16}\r?\nName: (.+?)\r?$",
                          re.M)

# Shared state: review paragraphs, attempt counters, request log
# --------------------------------------------------------------------------

class ReviewBank:
    """Review paragraphs per persona, read from disk once and cached."""

    def __init__(self, root):
        self.root = root
        self.lock = threading.Lock()
        self.cache = {}

    def get(self, persona):
        """Sorted [(file stem, paragraph)] for persona, or the built-ins."""
        with self.lock:
            if persona not in self.cache:
                self.cache[persona] = self._load(persona) or BUILTIN_REVIEWS
            return self.cache[persona]

    def _load(self, persona):
        folder = os.path.join(self.root, persona, "pass")
        try:
            names = sorted(n for n in os.listdir(folder)
                           if REVIEW_FILE_RE.match(n))
        except OSError:
            return []
        found = []
        for name in names:
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    text = f.read().rstrip()
            except (OSError, UnicodeDecodeError) as e:
                warn(f"cannot read review {name}: {e}")
                continue
            if text:
                found.append((name[:-4], text))
        return found


class AttemptCounter:
    """Counts requests per conversation key; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seen = {}

    def next(self, key):
        """Return how many requests with key came before this one."""
        with self.lock:
            n = self.seen.get(key, 0)
            self.seen[key] = n + 1
            return n


class RequestLog:
    """Appends one JSON line per request to a file; thread-safe."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.seq = 0
        self.file = open(path, "a", encoding="utf-8") if path else None

    def write(self, record):
        if self.file is None:
            return
        with self.lock:
            self.seq += 1
            line = json.dumps({"n": self.seq, **record}, ensure_ascii=False)
            self.file.write(line + "\n")
            self.file.flush()


_warned = set()
_warn_lock = threading.Lock()


def warn(message):
    """Print a warning to stderr, each distinct message once."""
    with _warn_lock:
        if message in _warned:
            return
        _warned.add(message)
    print(f"fake_llm: warning: {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------

def unstable(text, persona):
    """Whether text carries fake:unstable for every persona or this one."""
    return any(m.group(1) == "unstable" and m.group(2) in (None, persona)
               for m in MARKER_RE.finditer(text))


def request_seed(body):
    """The sampling seed of a request body (OpenAI "seed", Gemini
    generationConfig.seed, Ollama options.seed), or None."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict):
        return None
    for holder in (doc, doc.get("generationConfig"), doc.get("options")):
        if isinstance(holder, dict) and isinstance(holder.get("seed"), int):
            return holder["seed"]
    return None


def parse_markers(text, persona):
    """The fault markers in text that apply to persona, in order.

    Returns (transport, contract): lists of (marker, kind, multiplicity).
    """
    transport, contract = [], []
    for m in MARKER_RE.finditer(text):
        name, scope = m.group(1), m.group(2)
        if scope is not None and scope != persona:
            continue
        kind, _, mult = name.rpartition("-")
        if name == "unstable":
            continue  # not a fault: the seed changes the pick (see above)
        if name == "no-structured" or (kind == "limit" and mult.isdigit()):
            continue  # read by the structured-output functions below
        if mult in MULTIPLICITY and kind in TRANSPORT_KINDS:
            transport.append((name, kind, mult))
        elif mult in ("once", "always") and kind in CONTRACT_KINDS:
            contract.append((name, kind, mult))
        else:
            warn(f"unknown fault marker fake:{name}")
    return transport, contract


def pick_transport_fault(transport, n):
    """The transport fault for attempt n, walking the markers as a schedule.

    Each marker covers as many attempts as its multiplicity, after the
    attempts covered by the markers before it; an -always marker covers the
    rest.
    """
    for name, kind, mult in transport:
        budget = MULTIPLICITY[mult]
        if budget is None or n < budget:
            return name, kind
        n -= budget
    return None


def transport_reply(kind, success_body, model=None):
    """The OpenAI/llama.cpp reply for a transport fault (not stall, which
    answers normally, nor empty and blocked, which are 200s)."""
    if kind == "429":
        return Reply(429, openai_error("Rate limit reached for requests",
                                       "requests", "rate_limit_exceeded"),
                     headers=[("Retry-After", RETRY_AFTER[0]),
                              ("x-ratelimit-limit-requests", "60"),
                              ("x-ratelimit-remaining-requests", "0"),
                              ("x-ratelimit-reset-requests", "1s")])
    if kind == "quota":
        return Reply(429, openai_error(
            "You exceeded your current quota, please check your plan and "
            "billing details.", "insufficient_quota", "insufficient_quota"))
    if kind == "500":
        return Reply(500, llama_error(500, "Internal server error",
                                      "server_error"))
    if kind == "503":
        return Reply(503, llama_error(503, "Loading model",
                                      "unavailable_error"))
    if kind == "400":
        return Reply(400, llama_error(
            400, "the request exceeds the available context size",
            "invalid_request_error"))
    if kind == "401":
        return Reply(401, llama_error(401, "Invalid API Key",
                                      "authentication_error"))
    if kind == "404":
        return Reply(404, openai_error(
            f"The model `{model}` does not exist or you do not have access "
            f"to it.", "invalid_request_error", "model_not_found"))
    return common_fault(kind, success_body)


def common_fault(kind, success_body, content_type=JSON_TYPE):
    """The faults every wire format answers alike."""
    if kind == "drop":
        return Reply(0, drop=True)
    if kind == "malformed":
        return Reply(200, success_body[:40], content_type=content_type)
    raise ValueError(kind)


def anthropic_fault(kind, success_body, model=None):
    """Anthropic's reply for a transport fault: its own error bodies, and
    on a 429 its retry-after and anthropic-ratelimit-* headers (the reset as
    an RFC 3339 time)."""
    if kind == "429":
        return Reply(429, anthropic_error(
            "rate_limit_error",
            "This request would exceed the rate limit for your organization "
            "of 60 requests per minute. For details, refer to: "
            "https://docs.claude.com/en/api/rate-limits."),
            headers=[("retry-after", "1"),
                     ("anthropic-ratelimit-requests-limit", "60"),
                     ("anthropic-ratelimit-requests-remaining", "0"),
                     ("anthropic-ratelimit-requests-reset",
                      rfc3339(math.ceil(time.time()) + 1))])
    if kind == "quota":
        return Reply(400, anthropic_error(
            "invalid_request_error",
            "Your credit balance is too low to access the Anthropic API. "
            "Please go to Plans & Billing to upgrade or purchase credits."))
    if kind == "500":
        return Reply(500, anthropic_error("api_error",
                                          "Internal server error"))
    if kind == "503":
        return Reply(529, anthropic_error("overloaded_error", "Overloaded"))
    if kind == "400":
        return Reply(400, anthropic_error(
            "invalid_request_error",
            "prompt is too long: 215000 tokens > 200000 maximum"))
    if kind == "401":
        return Reply(401, anthropic_error("authentication_error",
                                          "invalid x-api-key"))
    if kind == "404":
        return Reply(404, anthropic_error("not_found_error",
                                          f"model: {model}"))
    return common_fault(kind, success_body)


def gemini_retry_details(model, quota_id, delay):
    """google.rpc details of a 429: the quota that ran out, and when to
    come back."""
    return [{"@type": "type.googleapis.com/google.rpc.QuotaFailure",
             "violations": [{
                 "quotaMetric": "generativelanguage.googleapis.com/"
                                "generate_content_free_tier_requests",
                 "quotaId": quota_id,
                 "quotaDimensions": {"location": "global", "model": model},
                 "quotaValue": "15"}]},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo",
             "retryDelay": delay}]


def gemini_fault(kind, success_body, model=None):
    """Gemini's reply for a transport fault. Google sends no rate-limit
    headers: a 429 says when to come back in its RetryInfo detail."""
    name = model or ""
    if kind == "429":
        return Reply(429, gemini_error(
            429, "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and "
            "billing details.",
            gemini_retry_details(
                name, "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                "1s")))
    if kind == "quota":
        return Reply(429, gemini_error(
            429, "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and "
            "billing details.",
            gemini_retry_details(
                name, "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
                "43200s")))
    if kind == "500":
        return Reply(500, gemini_error(
            500, "INTERNAL", "An internal error has occurred. Please retry "
            "or report in https://developers.generativeai.google/guide/"
            "troubleshooting"))
    if kind == "503":
        return Reply(503, gemini_error(
            503, "UNAVAILABLE",
            "The model is overloaded. Please try again later."))
    if kind == "400":
        return Reply(400, gemini_error(
            400, "INVALID_ARGUMENT", "The input token count (1200000) "
            "exceeds the maximum number of tokens allowed (1048576)."))
    if kind == "401":
        # Google answers a bad key with 400, not 401.
        return Reply(400, gemini_error(
            400, "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
              "reason": "API_KEY_INVALID",
              "domain": "googleapis.com"}]))
    if kind == "404":
        return Reply(404, gemini_error(
            404, "NOT_FOUND",
            f"{name if '/' in name else 'models/' + name} is not found for "
            "API version v1beta, or is not supported for generateContent. "
            "Call ListModels to see the list of available models and their "
            "supported methods."))
    return common_fault(kind, success_body)


def ollama_fault(kind, success_body, model=None):
    """Ollama's reply for a transport fault: {"error": "text"}. Ollama has
    no quota, so quota answers as 429 does."""
    if kind in ("429", "quota"):
        return Reply(429, ollama_error("too many requests"),
                     headers=[("Retry-After", "1")])
    if kind == "500":
        return Reply(500, ollama_error(
            "llama runner process has terminated: signal: killed"))
    if kind == "503":
        return Reply(503, ollama_error(
            "server busy, please try again.  maximum pending requests "
            "exceeded"))
    if kind == "400":
        return Reply(400, ollama_error(
            "the input length exceeds the context length"))
    if kind == "401":
        return Reply(401, ollama_error("unauthorized"))
    if kind == "404":
        return Reply(404, ollama_error(
            f'model "{model}" not found, try pulling it first'))
    return common_fault(kind, success_body)


def build_content(score, verdict, review, kinds, tool_name=None):
    """The reply text, bent by the contract-fault kinds in kinds. The bland
    paragraph of no-rubric names the tool asked about (tool_name), so it
    fails on rubric coverage alone, not as a review of another tool."""
    if "no-rubric" in kinds:
        review = f"On {tool_name}: {BLAND_REVIEW}" if tool_name else BLAND_REVIEW
    if "short" in kinds:
        review = SHORT_REVIEW
    if "score-140" in kinds:
        score = 140
    if "bad-verdict" in kinds:
        verdict = "maybe"
    chatty = "chatty" in kinds
    fmt = "**{}:**" if chatty else "{}:"
    lines = []
    if "no-score" not in kinds:
        lines.append(f"{fmt.format('SCORE')} {score}/100")
    lines.append(f"{fmt.format('VERDICT')} {verdict}")
    lines.append(f"{fmt.format('REVIEW')} {review}")
    text = "\n".join(lines)
    if chatty:
        text = ("Sure! Here is my review:\n\n" + text +
                "\n\nLet me know if you would like more detail.")
    return text



# --------------------------------------------------------------------------
# Structured output (see "Structured output" above)
# --------------------------------------------------------------------------

# Keywords OpenAI's strict mode takes; anything else in a strict schema is a
# 400 there.
OPENAI_STRICT_KEYWORDS = {
    "type", "properties", "required", "additionalProperties", "description",
    "enum", "const", "items", "anyOf", "$defs", "$ref", "title", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minItems", "maxItems", "pattern", "format"}
# The fields of Gemini's Schema (a subset of OpenAPI 3.0's).
GEMINI_SCHEMA_KEYWORDS = {
    "type", "format", "title", "description", "nullable", "enum", "maxItems",
    "minItems", "properties", "required", "minProperties", "maxProperties",
    "minLength", "maxLength", "pattern", "example", "anyOf",
    "propertyOrdering", "default", "items", "minimum", "maximum"}
GEMINI_TYPES = {"TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN",
                "ARRAY", "OBJECT", "NULL"}
SCHEMA_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TEXT_SCORE_RE = re.compile(r"^\**SCORE:\**\s*(-?\d+)/100", re.M)
TEXT_VERDICT_RE = re.compile(r"^\**VERDICT:\**\s*(\S+)", re.M)
TEXT_REVIEW_RE = re.compile(r"^\**REVIEW:\**\s*(.*)$", re.M)
LIMIT_RE = re.compile(r"fake:limit-(\d+)(?:@([a-z]+))?")
NOT_IN_REVIEW = "words this review never wrote"


def strict_schema_error(node, ctx=()):
    """Why OpenAI's strict mode would refuse the schema node, or None."""
    where = "context=(" + ", ".join(repr(c) for c in ctx) + ")"
    if not isinstance(node, dict):
        return f"In {where}, schema must be an object."
    for key in node:
        if key not in OPENAI_STRICT_KEYWORDS:
            return f"In {where}, '{key}' is not permitted."
    if node.get("type") == "object" or "properties" in node:
        if node.get("additionalProperties") is not False:
            return (f"In {where}, 'additionalProperties' is required to be "
                    f"supplied and to be false.")
        props = node.get("properties", {})
        required = node.get("required", [])
        if not isinstance(props, dict) or not isinstance(required, list):
            return f"In {where}, 'properties' and 'required' are malformed."
        missing = [k for k in props if k not in required]
        if missing:
            return (f"In {where}, 'required' is required to be supplied and "
                    f"to be an array including every key in properties. "
                    f"Missing '{missing[0]}'.")
        for key, sub in props.items():
            why = strict_schema_error(sub, ctx + ("properties", key))
            if why:
                return why
    if "items" in node:
        return strict_schema_error(node["items"], ctx + ("items",))
    return None


def gemini_schema_error(node, where="generation_config.response_schema"):
    """Why Gemini would refuse a responseSchema node, or None."""
    if not isinstance(node, dict):
        return f"Invalid value at '{where}': expected an object"
    for key in node:
        if key not in GEMINI_SCHEMA_KEYWORDS:
            return (f'Invalid JSON payload received. Unknown name "{key}" at '
                    f"'{where}': Cannot find field.")
    t = node.get("type")
    if t is not None and (not isinstance(t, str) or
                          t.upper() not in GEMINI_TYPES):
        return (f"Invalid value at '{where}.type' "
                f"(type.googleapis.com/google.ai.generativelanguage.v1beta."
                f"Type), {json.dumps(t)}")
    props = node.get("properties", {})
    if not isinstance(props, dict):
        return f"Invalid value at '{where}.properties': expected an object"
    for i, (key, sub) in enumerate(props.items()):
        why = gemini_schema_error(sub, f"{where}.properties[{i}].value")
        if why:
            return why
    order = node.get("propertyOrdering")
    if order is not None and (not isinstance(order, list) or
                              sorted(order) != sorted(props)):
        return (f"Invalid value at '{where}.property_ordering': it must "
                f"list the properties")
    if "items" in node:
        return gemini_schema_error(node["items"], f"{where}.items")
    return None


def evidence_names(schema):
    """The property names of a schema's "evidence" object, in order."""
    if not isinstance(schema, dict):
        return []
    ev = schema.get("properties", {}).get("evidence", {})
    props = ev.get("properties", {}) if isinstance(ev, dict) else {}
    return list(props) if isinstance(props, dict) else []


def quote_of(review, i):
    """Sentence i (cyclic) of review, exactly as written, without its final
    punctuation: what a model quoting its own review would give."""
    sentences = [x for x in re.split(r"(?<=[.;!?])\s+", review) if x.strip()]
    if not sentences:
        return ""
    return sentences[i % len(sentences)].rstrip(".;!?")


def structured_object(content, names, kinds):
    """The structured answer for a text CONTENT: its score, verdict and
    paragraph as the schema's fields (a field the CONTENT lacks is left
    out, as a contract fault), with a quote per evidence name."""
    obj = {}
    found = TEXT_SCORE_RE.search(content)
    if found:
        obj["score"] = int(found.group(1))
    found = TEXT_VERDICT_RE.search(content)
    if found:
        obj["verdict"] = found.group(1)
    found = TEXT_REVIEW_RE.search(content)
    review = found.group(1).strip() if found else content
    obj["review"] = review
    if names:
        if "no-rubric" in kinds:
            obj["evidence"] = {n: "" for n in names}
        elif "bad-quotes" in kinds:
            obj["evidence"] = {n: NOT_IN_REVIEW for n in names}
        else:
            obj["evidence"] = {n: quote_of(review, i)
                               for i, n in enumerate(names)}
    return obj


def limit_needed(text, persona):
    """N of a fake:limit-N marker in text for persona, or None."""
    for m in LIMIT_RE.finditer(text):
        if m.group(2) in (None, persona):
            return int(m.group(1))
    return None


def is_cut(turn, limit):
    """Whether the turn's reply is cut off at the request's token limit."""
    need = getattr(turn, "need", None)
    return need is not None and (not isinstance(limit, int) or limit < need)


def openai_structured(req, body):
    """(error Reply or None, schema or None) of an OpenAI-compatible
    request: response_format json_schema (strict checked), or llama.cpp's
    top-level json_schema."""
    rf = req.get("response_format")
    js = req.get("json_schema")
    if rf is None and js is None:
        return None, None

    def invalid(message, param):
        return Reply(400, dumps({
            "error": {"message": message, "type": "invalid_request_error",
                      "param": param, "code": None}}))

    if b"fake:no-structured" in body:
        field = "json_schema" if js is not None else "response_format"
        return invalid(f"Unrecognized request argument supplied: {field}",
                       None), None
    if js is not None:
        if not isinstance(js, dict):
            return invalid("json_schema must be an object", "json_schema"), \
                None
        return None, js
    if not isinstance(rf, dict) or rf.get("type") not in (
            "text", "json_object", "json_schema"):
        return invalid("Invalid value for 'response_format.type'",
                       "response_format.type"), None
    if rf["type"] != "json_schema":
        return None, None
    spec = rf.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) \
            or not SCHEMA_NAME_RE.match(spec["name"]):
        return invalid("Missing or invalid 'response_format.json_schema."
                       "name'", "response_format.json_schema.name"), None
    schema = spec.get("schema")
    if spec.get("strict") is True:
        why = strict_schema_error(schema)
        if why:
            return invalid(f"Invalid schema for response_format "
                           f"'{spec['name']}': {why}", "response_format"), \
                None
    return None, schema if isinstance(schema, dict) else None


def anthropic_structured(req, body):
    """(error Reply or None, tool name or None, schema or None) of an
    Anthropic request's tools and tool_choice."""
    tools = req.get("tools")
    choice = req.get("tool_choice")
    if tools is None and choice is None:
        return None, None, None

    def invalid(message):
        return Reply(400, anthropic_error("invalid_request_error", message))

    if b"fake:no-structured" in body:
        return invalid("tools: tool use is not supported by this model"), \
            None, None
    if not isinstance(tools, list) or not tools:
        return invalid("tools: Input should be a valid list"), None, None
    by_name = {}
    for i, t in enumerate(tools):
        if not isinstance(t, dict) or not isinstance(t.get("name"), str) or \
                not SCHEMA_NAME_RE.match(t["name"]):
            return invalid(f"tools.{i}.custom.name: String should match "
                           f"pattern '^[a-zA-Z0-9_-]{{1,64}}$'"), None, None
        schema = t.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            return invalid(f"tools.{i}.custom.input_schema.type: Input "
                           f"should be 'object'"), None, None
        by_name[t["name"]] = schema
    if choice is None:
        return None, None, None  # the model may or may not use a tool
    if not isinstance(choice, dict) or choice.get("type") not in (
            "auto", "any", "tool", "none"):
        return invalid("tool_choice: Input tag does not match any of the "
                       "expected tags: 'auto', 'any', 'tool', 'none'"), \
            None, None
    if choice["type"] != "tool":
        return None, None, None
    name = choice.get("name")
    if name not in by_name:
        return invalid(f"tool_choice.name: tool {json.dumps(name)} is not "
                       f"in tools"), None, None
    return None, name, by_name[name]


def gemini_structured(config, body):
    """(error Reply or None, schema or None) of a Gemini generationConfig's
    responseMimeType and responseSchema."""
    mime = config.get("responseMimeType", config.get("response_mime_type"))
    schema = config.get("responseSchema", config.get("response_schema"))
    if mime is None and schema is None:
        return None, None

    def invalid(message):
        return Reply(400, gemini_error(400, "INVALID_ARGUMENT", message))

    if b"fake:no-structured" in body:
        return invalid('Invalid JSON payload received. Unknown name '
                       '"responseSchema" at \'generation_config\': Cannot '
                       'find field.'), None
    if mime not in (None, "text/plain", "application/json", "text/x.enum"):
        return invalid(f"* GenerateContentRequest.generation_config."
                       f"response_mime_type: allowed mimetypes are "
                       f"`text/plain`, `application/json`, "
                       f"`text/x.enum`.\n"), None
    if schema is None:
        return None, None
    if mime != "application/json":
        return invalid("* GenerateContentRequest.generation_config."
                       "response_schema: response_mime_type must be "
                       "application/json when response_schema is set.\n"), \
            None
    why = gemini_schema_error(schema)
    if why:
        return invalid(why), None
    return None, schema


def ollama_structured(req, body):
    """(error Reply or None, schema, "json" or None) of an Ollama request's
    format."""
    fmt = req.get("format")
    if fmt is None or fmt == "":
        return None, None
    if b"fake:no-structured" in body:
        return Reply(400, ollama_error(
            'invalid format: expected "json" or a JSON schema')), None
    if fmt == "json" or isinstance(fmt, dict):
        return None, fmt
    return Reply(400, ollama_error(
        'invalid format: expected "json" or a JSON schema')), None


def shaped_content(turn, schema, limit):
    """The turn's CONTENT as the reply text: the structured object's JSON
    when schema is not None, then cut in half when the token limit cuts it.
    Returns (text, cut)."""
    text = turn.content
    if schema is not None:
        names = evidence_names(schema) if isinstance(schema, dict) else []
        text = json.dumps(structured_object(text, names,
                                            getattr(turn, "kinds", set())),
                          ensure_ascii=False)
    cut = is_cut(turn, limit)
    if cut:
        text = text[:len(text) // 2]
    return text, cut


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

def api_of(path):
    """(wire format, model named in the path) for a request path. Unknown
    paths count as OpenAI's, whose 404 they get."""
    if path == ANTHROPIC_PATH:
        return "anthropic", None
    if path == OLLAMA_PATH:
        return "ollama", None
    found = AZURE_PATH_RE.match(path)
    if found:
        return "azure", urllib.parse.unquote(found.group(1))
    found = GEMINI_PATH_RE.match(path)
    if found:
        # "models/NAME" is NAME, as in the other formats; a tuned model
        # keeps its "tunedModels/" prefix.
        model = urllib.parse.unquote(found.group(1))
        return "gemini", model.removeprefix("models/")
    return "openai", None


class Turn:
    """One answered conversation turn, whatever the wire format: the reply
    content, the transport fault to apply (None, or a kind; stall is already
    turned into delay) and the token counts."""

    def __init__(self, content, fault_kind, delay, prompt_n, predicted_n,
                 request_key):
        self.content = content
        self.fault_kind = fault_kind
        self.delay = delay
        self.prompt_n = prompt_n
        self.predicted_n = predicted_n
        self.request_key = request_key


class Handler(http.server.BaseHTTPRequestHandler):
    """One instance per connection; handles its keep-alive requests in turn."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-llm/1.0"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus
    # the peer's delayed ACK could hold the body back by ~40 ms.
    disable_nagle_algorithm = True

    def setup(self):
        # The socket timeout doubles as the keep-alive idle timeout: a read
        # that times out between requests closes the connection.
        self.timeout = self.server.cfg.idle_timeout_s
        super().setup()
        self.responses_sent = 0

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):
        """Silence the per-request access log (and timeout chatter)."""

    # Every method goes through one dispatcher, so unknown paths and methods
    # get the same JSON 404. HEAD keeps the base class's 501.
    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def dispatch(self):
        cfg = self.server.cfg
        path = urllib.parse.urlsplit(self.path).path
        record = new_record(self.command, self.path, self.headers,
                            self.auth_state(api_of(path)[0]))
        body = self.read_body()
        if body is None:  # unreadable body: the connection is unusable
            self.close_connection = True
            record["status"] = "dropped"
            self.server.log.write(record)
            return
        reply = self.answer(body, record)
        delay = cfg.latency_ms / 1000.0 + reply.delay
        if delay > 0:
            time.sleep(delay)
        # Log before answering: once a client holds a response, its line is
        # in the log, so tests can read the log without racing the server.
        record["status"] = "dropped" if reply.drop else reply.status
        self.server.log.write(record)
        if cfg.echo_key and not reply.drop:
            reply = echo_key(reply, self.presented_key(api_of(path)[0]))
        self.send(reply)

    def answer(self, body, record):
        """The Reply to this request (self.command, self.path,
        self.headers) with body, touching no socket: the shared state it
        reads and moves is the server's (attempt counters, batches).
        Fills in record. The batch endpoints (fake_batch.py) answer each
        of their lines through this too (see answer() below)."""
        path = urllib.parse.urlsplit(self.path).path
        api, path_model = api_of(path)
        try:
            missing = self.gateway_check(api, path)
            batch = None
            if self.server.loading():
                # llama-server while its model loads: every endpoint, /health
                # included, answers 503 "Loading model".
                record["fault"] = "loading"
                reply = Reply(503, llama_error(503, "Loading model",
                                               "unavailable_error"))
            elif missing is not None:
                reply = Reply(400, llama_error(400, missing,
                                               "invalid_request_error"))
            elif (batch := fake_batch.route(self, path, body,
                                            record)) is not None:
                reply = batch
            elif api == "azure" and self.command == "POST":
                reply = self.chat_azure(body, record, path_model)
            elif path in CHAT_PATHS and self.command == "POST":
                reply = self.chat(body, record)
            elif api == "anthropic" and self.command == "POST":
                reply = self.chat_anthropic(body, record)
            elif api == "gemini" and self.command == "POST":
                reply = self.chat_gemini(body, record, path_model)
            elif api == "ollama" and self.command == "POST":
                reply = self.chat_ollama(body, record)
            elif path == "/health" and self.command == "GET":
                reply = Reply(200, dumps({"status": "ok"}))
            else:
                reply = Reply(404, llama_error(404, "File Not Found",
                                               "not_found_error"))
        except Exception:  # a bug here: say so, but keep serving
            traceback.print_exc()
            reply = Reply(500, llama_error(500, "fake_llm internal error",
                                           "server_error"))
        return reply

    def presented_key(self, api):
        """The credential this request carried in its format's header
        (the Bearer token, x-api-key, x-goog-api-key), or None."""
        if api in ("anthropic", "gemini"):
            value = self.headers.get(
                "x-api-key" if api == "anthropic" else "x-goog-api-key")
            return value.strip() if value else None
        header = self.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, token = header.strip().partition(" ")
        return token.strip() if scheme.lower() == "bearer" else None

    def gateway_check(self, api, path):
        """What a chat request lacks of --require-header / --require-query
        (and Azure's api-version), as an error message, or None."""
        cfg = self.server.cfg
        if api == "openai" and path not in CHAT_PATHS:
            return None  # not a chat request: /health, unknown paths
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query,
                                      keep_blank_values=True)
        if api == "azure" and not query.get("api-version"):
            return "Missing required query parameter: api-version"
        for spec in cfg.require_header or ():
            name, _, value = spec.partition(":")
            if self.headers.get(name) != value:
                return f"header {name} is missing or wrong"
        for spec in cfg.require_query or ():
            name, _, value = spec.partition("=")
            if query.get(name) != [value]:
                return f"query parameter {name} is missing or wrong"
        return None

    def chat_azure(self, body, record, deployment):
        """Azure OpenAI: the OpenAI body, the key in `api-key`, the
        deployment standing for the model."""
        key = self.server.cfg.api_key
        token = self.headers.get("api-key")
        if key is not None and (token is None or not hmac.compare_digest(
                token.strip().encode(), key.encode())):
            record["auth"] = "missing" if token is None else "wrong"
            return Reply(401, dumps({"error": {
                "code": "401", "message": "Access denied due to invalid "
                "subscription key or wrong API endpoint."}}))
        record["auth"] = "none-required" if key is None else "ok"
        reply = self.chat(body, record)
        record["model"] = deployment
        return reply

    def auth_state(self, api="openai"):
        """"ok", "missing", "wrong" or "none-required" for this request,
        from the API's own credential header: Authorization: Bearer
        (OpenAI), x-api-key (Anthropic), x-goog-api-key (Gemini). Ollama
        takes no key."""
        key = self.server.cfg.api_key
        if key is None or api == "ollama":
            return "none-required"
        if api in ("anthropic", "gemini"):
            token = self.headers.get(
                "x-api-key" if api == "anthropic" else "x-goog-api-key")
            if token is None:
                return "missing"
            return "ok" if hmac.compare_digest(
                token.strip().encode(), key.encode()) else "wrong"
        header = self.headers.get("Authorization")
        if header is None:
            return "missing"
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
                token.strip().encode(), key.encode()):
            return "ok"
        return "wrong"

    def read_body(self):
        """The request body (Content-Length or chunked), or None on failure."""
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                return self.read_chunked()
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0:
                return None
            body = self.rfile.read(length)
            return body if len(body) == length else None
        except (ValueError, OSError):
            return None

    def read_chunked(self):
        parts = []
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip(), 16)
            if size == 0:
                # Skip trailers up to the blank line.
                while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def send(self, reply):
        """Write reply with keep-alive headers, or hang up for a drop."""
        cfg = self.server.cfg
        if reply.drop:
            self.close_connection = True
            return
        self.responses_sent += 1
        closing = (self.close_connection or
                   self.responses_sent >= cfg.keepalive_max)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        if closing:
            self.send_header("Connection", "close")  # sets close_connection
        else:
            self.send_header("Connection", "Keep-Alive")
            self.send_header("Keep-Alive",
                             f"timeout={cfg.idle_timeout_s:g}, "
                             f"max={cfg.keepalive_max}")
        self.end_headers()
        self.wfile.write(reply.body)

    # ------------------------------------------------------------ scripted

    def scripted_reply(self, first_user, persona, assistant_turns):
        """With --script-dir: the exact reply written for this tool and
        persona, from DIR/<slug>/<persona>.txt, where <slug> is derived from
        the tool card's "Name:" line as shipskip derives it. On a first
        attempt DIR/<slug>/<persona>.first.txt, when present, is served
        instead, so a recorded run can include a re-ask."""
        root = self.server.cfg.script_dir
        if root is None:
            return None
        found = re.search(r"^Name: (.*)$", first_user, re.M)
        if not found:
            return None
        slug = re.sub(r"[^a-z0-9]+", "-", found.group(1).lower()).strip("-")
        base = os.path.join(root, slug, persona)
        for path in ((base + ".first.txt",) if assistant_turns == 0 else ()) \
                + (base + ".txt",):
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    return f.read().rstrip("\n")
        return None

    # ---------------------------------------------------------------- chat

    def chat(self, body, record):
        """Answer one chat-completions request; fills in record."""
        server = self.server
        # llama.cpp checks the key before it looks at the body.
        if record["auth"] in ("missing", "wrong"):
            return transport_reply("401", b"")
        try:
            req = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            line, col = getattr(e, "lineno", 1), getattr(e, "colno", 1)
            why = getattr(e, "msg", str(e))
            return Reply(500, llama_error(
                500, f"[json.exception.parse_error.101] parse error at line "
                     f"{line}, column {col}: syntax error while parsing value "
                     f"- {why}", "server_error"))
        messages = req.get("messages") if isinstance(req, dict) else None
        if not isinstance(messages, list):
            return Reply(500, llama_error(500, "'messages' is required",
                                          "server_error"))
        if not all(isinstance(m, dict) and isinstance(m.get("role"), str)
                   for m in messages):
            return Reply(500, llama_error(500, "Missing 'role' in message",
                                          "server_error"))
        if req.get("n", 1) != 1:  # another llama.cpp 500 for a bad request
            return Reply(500, llama_error(
                500, "Only one completion choice is allowed", "server_error"))
        bad, schema = openai_structured(req, body)
        if bad is not None:
            return bad

        model = req.get("model")
        record.update(model=model, temperature=req.get("temperature"),
                      max_tokens=req.get("max_tokens"), seed=req.get("seed"),
                      messages=len(messages))
        roles = [m["role"] for m in messages]
        texts = [message_text(m.get("content")) for m in messages]
        turn = self.converse(model, roles, texts, body, record)

        predicted_n = turn.predicted_n
        text, cut = shaped_content(turn, schema, req.get("max_tokens"))
        choices = [{"finish_reason": "length" if cut else "stop", "index": 0,
                    "message": {"role": "assistant",
                                "content": text}}]
        if turn.fault_kind == "empty":
            choices, predicted_n = [], 0
        elif turn.fault_kind == "blocked":
            # OpenAI's refusal: no content, the refusal beside it.
            predicted_n = tokens(len(REFUSAL))
            choices = [{"finish_reason": "stop", "index": 0,
                        "message": {"role": "assistant", "content": None,
                                    "refusal": REFUSAL}}]
        success = dumps({
            "choices": choices,
            "created": CREATED,
            "model": model if model is not None else "fake-model",
            "system_fingerprint": FINGERPRINT,
            "object": "chat.completion",
            "usage": {"completion_tokens": predicted_n,
                      "prompt_tokens": turn.prompt_n,
                      "total_tokens": turn.prompt_n + predicted_n},
            "id": "chatcmpl-" + turn.request_key[:24],
            "timings": {"prompt_n": turn.prompt_n,
                        "predicted_n": predicted_n},
        })
        if turn.fault_kind not in ODD_200_KINDS:
            return transport_reply(turn.fault_kind, success, model)
        return Reply(200, success, delay=turn.delay)

    def converse(self, model, roles, texts, body, record):
        """The turn every wire format shares, once its request is read into
        roles ("system", "user", "assistant") and texts: the persona, the
        conversation key and attempt, the faults, the deterministic reply.
        Fills in record's persona, conv_key, attempt, assistant_turns and
        fault. Returns a Turn."""
        server = self.server
        assistant_turns = roles.count("assistant")
        record["assistant_turns"] = assistant_turns

        persona = "generic"
        for role, text in zip(roles, texts):
            found = PERSONA_RE.search(text) if role == "system" else None
            if found:
                persona = found.group(1).lower()
                break
        first_user = next((t for r, t in zip(roles, texts) if r == "user"), "")
        model_str = model if isinstance(model, str) else ""
        conv_key = hashlib.sha256(
            f"{model_str}\n{persona}\n{first_user}".encode()).hexdigest()
        request_key = hashlib.sha256(body).hexdigest()
        n = server.attempts.next(conv_key)
        record.update(persona=persona, conv_key=conv_key[:16], attempt=n)

        # The honest reply: a sample paragraph, opened with the name of the
        # tool asked about, as a model reviewing it would name it (the
        # samples each describe a tool of their own, and shipskip refuses a
        # review that never names the tool it was asked to review).
        reviews = server.reviews.get(persona)
        pick_key = conv_key
        seed = request_seed(body)
        if seed is not None and unstable(first_user, persona):
            pick_key = hashlib.sha256(
                f"{conv_key}\nseed {seed}".encode()).hexdigest()
        stem, paragraph = reviews[int(pick_key, 16) % len(reviews)]
        found = TOOL_NAME_RE.search(first_user)
        tool_name = found.group(1) if found else None
        if tool_name and tool_name.lower() not in paragraph.lower():
            paragraph = f"On {tool_name}: {paragraph}"
        verdict = "ship" if stem.startswith("ship-") else "skip"
        h = int(pick_key[-8:], 16)
        score = 60 + h % 36 if verdict == "ship" else 25 + h % 35

        # Faults: a transport fault replaces the answer; contract faults
        # bend its content.
        transport, contract = parse_markers(first_user, persona)
        applied = []
        delay = 0.0
        choice = pick_transport_fault(transport, n)
        fault_kind = None
        if choice is not None:
            applied.append(choice[0])
            fault_kind = choice[1]
            if fault_kind == "stall":
                delay = server.cfg.stall_ms / 1000.0
                fault_kind = None  # then answer normally
        kinds = set()
        if fault_kind is None:
            for name, kind, mult in contract:
                if mult == "always" or assistant_turns == 0:
                    applied.append(name)
                    kinds.add(kind)
        record["fault"] = ",".join(applied) or None

        content = build_content(score, verdict, paragraph, kinds, tool_name)
        scripted = self.scripted_reply(first_user, persona, assistant_turns)
        if scripted is not None:
            content = scripted
            record["fault"] = record["fault"] or "scripted"
        turn = Turn(content, fault_kind, delay,
                    tokens(sum(len(t) for t in texts)), tokens(len(content)),
                    request_key)
        turn.kinds = kinds  # read by the structured shape
        turn.need = limit_needed(first_user, persona)
        return turn

    # ----------------------------------------------------------- anthropic

    def chat_anthropic(self, body, record):
        """Answer one Anthropic Messages request (POST /v1/messages)."""
        def invalid(message):
            return Reply(400, anthropic_error("invalid_request_error",
                                              message))

        if record["auth"] in ("missing", "wrong"):
            return anthropic_fault("401", b"")
        if not self.headers.get("anthropic-version"):
            return invalid("anthropic-version: header is required")
        try:
            req = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return invalid("There was an error parsing the body of your "
                           "request. Please make sure it is valid JSON.")
        if not isinstance(req, dict):
            return invalid("Input should be a valid dictionary")
        for field in req:
            if field not in ANTHROPIC_FIELDS:
                return invalid(f"{field}: Extra inputs are not permitted")
        for field in ("model", "max_tokens", "messages"):
            if field not in req:
                return invalid(f"{field}: Field required")
        messages = req["messages"]
        if not isinstance(messages, list) or not messages:
            return invalid("messages: Input should be a non-empty list")
        for i, m in enumerate(messages):
            role = m.get("role") if isinstance(m, dict) else None
            if role == "system":
                return invalid(
                    'messages: Unexpected role "system". The Messages API '
                    'accepts a top-level `system` parameter, not "system" '
                    'as an input message role.')
            if role not in ("user", "assistant"):
                return invalid(f"messages.{i}.role: Input should be 'user' "
                               f"or 'assistant'")
        if not isinstance(req["max_tokens"], int) or req["max_tokens"] < 1:
            return invalid("max_tokens: Input should be a positive integer")
        bad, tool_name, schema = anthropic_structured(req, body)
        if bad is not None:
            return bad

        model = req["model"]
        system = message_text(req.get("system"))
        roles = (["system"] if system else []) + [m["role"] for m in messages]
        texts = (([system] if system else []) +
                 [message_text(m.get("content")) for m in messages])
        record.update(model=model, temperature=req.get("temperature"),
                      max_tokens=req["max_tokens"], seed=None,
                      messages=len(roles))
        turn = self.converse(model, roles, texts, body, record)

        text, cut = shaped_content(turn, schema, req["max_tokens"])
        content = [{"type": "text", "text": text}]
        stop_reason = "max_tokens" if cut else "end_turn"
        if tool_name is not None:
            # The forced tool: its input is the object (none when cut off
            # before it closed, as the API gives no partial input).
            content = [] if cut else [{
                "type": "tool_use", "id": "toolu_" + turn.request_key[:24],
                "name": tool_name, "input": json.loads(text)}]
            stop_reason = "max_tokens" if cut else "tool_use"
        output_n = turn.predicted_n
        if turn.fault_kind == "empty":
            content, output_n = [], 0
        elif turn.fault_kind == "blocked":
            content, output_n, stop_reason = [], 0, "refusal"
        success = dumps({
            "id": "msg_" + turn.request_key[:24],
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": turn.prompt_n,
                      "output_tokens": output_n},
        })
        if turn.fault_kind not in ODD_200_KINDS:
            return anthropic_fault(turn.fault_kind, success, model)
        return Reply(200, success, delay=turn.delay)

    # -------------------------------------------------------------- gemini

    def chat_gemini(self, body, record, model):
        """Answer one Gemini generateContent request; model is the one
        named in the path ("models/" dropped)."""
        def invalid(message):
            return Reply(400, gemini_error(400, "INVALID_ARGUMENT", message))

        if record["auth"] == "missing":
            return Reply(403, gemini_error(
                403, "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without "
                "established identity). Please use API Key or other form of "
                "API consumer identity to call this API."))
        if record["auth"] == "wrong":
            return gemini_fault("401", b"")
        try:
            req = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return invalid("Invalid JSON payload received. Unexpected token.")
        if not isinstance(req, dict):
            return invalid("Invalid JSON payload received. Expected an "
                           "object.")
        for field in req:
            if field not in GEMINI_FIELDS:
                return invalid(f'Invalid JSON payload received. Unknown name '
                               f'"{field}": Cannot find field.')
        config = req.get("generationConfig", req.get("generation_config"))
        config = {} if config is None else config
        if not isinstance(config, dict):
            return invalid("Invalid JSON payload received. Expected an "
                           "object for generation_config.")
        for field in config:
            if field not in GEMINI_CONFIG_FIELDS:
                return invalid(f'Invalid JSON payload received. Unknown name '
                               f'"{field}" at \'generation_config\': Cannot '
                               f'find field.')
        bad, schema = gemini_structured(config, body)
        if bad is not None:
            return bad
        contents = req.get("contents")
        if not isinstance(contents, list) or not contents:
            return invalid("* GenerateContentRequest.contents: contents is "
                           "not specified\n")
        roles, texts = [], []
        system = req.get("systemInstruction", req.get("system_instruction"))
        if isinstance(system, dict):
            roles.append("system")
            texts.append(message_text(system.get("parts")))
        for c in contents:
            role = c.get("role", "user") if isinstance(c, dict) else None
            if role not in ("user", "model"):
                return invalid("Please use a valid role: user, model.")
            roles.append("assistant" if role == "model" else "user")
            texts.append(message_text(c.get("parts")))

        record.update(model=model, temperature=config.get("temperature"),
                      max_tokens=config.get("maxOutputTokens",
                                            config.get("max_output_tokens")),
                      seed=config.get("seed"), messages=len(roles))
        turn = self.converse(model, roles, texts, body, record)

        usage = {"promptTokenCount": turn.prompt_n,
                 "candidatesTokenCount": turn.predicted_n,
                 "totalTokenCount": turn.prompt_n + turn.predicted_n}
        text, cut = shaped_content(
            turn, schema,
            config.get("maxOutputTokens", config.get("max_output_tokens")))
        reply = {
            "candidates": [{
                "content": {"parts": [{"text": text}],
                            "role": "model"},
                "finishReason": "MAX_TOKENS" if cut else "STOP",
                "index": 0}],
            "usageMetadata": usage,
            "modelVersion": model,
            "responseId": turn.request_key[:24],
        }
        if turn.fault_kind == "empty":
            # Seen from real servers now and then: a candidate with no parts.
            reply["candidates"] = [{"content": {"role": "model"},
                                    "finishReason": "STOP", "index": 0}]
            usage.update(candidatesTokenCount=0,
                         totalTokenCount=turn.prompt_n)
        elif turn.fault_kind == "blocked":
            del reply["candidates"]
            reply = {"promptFeedback": {
                "blockReason": "SAFETY",
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_DANGEROUS_CONTENT",
                     "probability": "HIGH"}]}, **reply}
            usage.pop("candidatesTokenCount")
            usage["totalTokenCount"] = turn.prompt_n
        success = google_dumps(reply)
        if turn.fault_kind not in ODD_200_KINDS:
            return gemini_fault(turn.fault_kind, success, model)
        return Reply(200, success, delay=turn.delay)

    # -------------------------------------------------------------- ollama

    def chat_ollama(self, body, record):
        """Answer one Ollama /api/chat request."""
        def invalid(message):
            return Reply(400, ollama_error(message))

        try:
            req = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            return invalid(f"invalid character in request body: "
                           f"{getattr(e, 'msg', e)}")
        if not isinstance(req, dict):
            return invalid("json: cannot unmarshal array into Go value of "
                           "type api.ChatRequest")
        model = req.get("model")
        if not isinstance(model, str) or not model:
            return invalid("model is required")
        messages = req.get("messages")
        options = req.get("options")
        options = {} if options is None else options
        if not isinstance(options, dict):
            return invalid("json: cannot unmarshal options")
        if messages in (None, []):
            # Ollama loads the model and says so.
            return Reply(200, dumps({
                "model": model, "created_at": CREATED_AT,
                "message": {"role": "assistant", "content": ""},
                "done_reason": "load", "done": True}))
        if not isinstance(messages, list) or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str)
                for m in messages):
            return invalid("json: cannot unmarshal messages into Go struct "
                           "field ChatRequest.messages of type api.Message")

        bad, schema = ollama_structured(req, body)
        if bad is not None:
            return bad
        roles = [m["role"] for m in messages]
        texts = [message_text(m.get("content")) for m in messages]
        record.update(model=model, temperature=options.get("temperature"),
                      max_tokens=options.get("num_predict"),
                      seed=options.get("seed"), messages=len(roles))
        turn = self.converse(model, roles, texts, body, record)

        content, cut = shaped_content(turn, schema, options.get("num_predict"))
        eval_n = turn.predicted_n
        if turn.fault_kind == "empty":
            content, eval_n = "", 0
        # Durations in nanoseconds, deterministic: 1 ms per prompt token,
        # 20 ms per generated token, 1 ms to load.
        prompt_ns, eval_ns = turn.prompt_n * 1000000, eval_n * 20000000
        final = {
            "model": model, "created_at": CREATED_AT,
            "message": {"role": "assistant", "content": content},
            "done_reason": "length" if cut else "stop", "done": True,
            "total_duration": 1000000 + prompt_ns + eval_ns,
            "load_duration": 1000000,
            "prompt_eval_count": turn.prompt_n,
            "prompt_eval_duration": prompt_ns,
            "eval_count": eval_n,
            "eval_duration": eval_ns,
        }
        success = dumps(final)
        if turn.fault_kind not in ODD_200_KINDS:
            return ollama_fault(turn.fault_kind, success, model)
        if req.get("stream", True) is not False:
            # Without "stream": false Ollama streams NDJSON: the content,
            # then a closing object with the counts and empty content.
            chunk = {"model": model, "created_at": CREATED_AT,
                     "message": {"role": "assistant", "content": content},
                     "done": False}
            final["message"]["content"] = ""
            return Reply(200, dumps(chunk) + b"\n" + dumps(final) + b"\n",
                         delay=turn.delay, content_type=NDJSON_TYPE)
        return Reply(200, success, delay=turn.delay)


def new_record(method, path, headers, auth):
    """A request's log record before it is answered (see Request log)."""
    return {
        "method": method, "path": path, "persona": None,
        "conv_key": None, "attempt": None, "messages": None,
        "assistant_turns": None, "auth": auth, "fault": None,
        "status": None, "model": None, "temperature": None,
        "max_tokens": None, "seed": None,
        "user_agent": headers.get("User-Agent"),
    }


class OfflineRequest(Handler):
    """A Handler that is not attached to a connection: the request is
    given (method, path with query, headers), so answer() can be asked
    about a body that did not come over HTTP, such as one line of a batch.
    BaseHTTPRequestHandler.__init__ serves a socket, so it is not called."""

    def __init__(self, server, method, path, headers):  # noqa: super
        self.server = server
        self.command = method
        self.path = path
        self.headers = headers


def answer(server, path, headers, body, method="POST"):
    """What the online endpoint at path (with its query) answers to body
    sent with headers (anything with a case-insensitive .get(), such as the
    http.client headers of the request that carried it), as it would over
    HTTP: the same checks, attempt counting, faults and --echo-key, without
    --latency-ms or the stall fault's delay (reply.delay is left for the
    caller to honour or not). Returns (Reply, log record); the record is
    not written."""
    req = OfflineRequest(server, method, path, headers)
    api = api_of(urllib.parse.urlsplit(path).path)[0]
    record = new_record(method, path, headers, req.auth_state(api))
    reply = req.answer(body, record)
    record["status"] = "dropped" if reply.drop else reply.status
    if server.cfg.echo_key and not reply.drop:
        reply = echo_key(reply, req.presented_key(api))
    return reply, record


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A threaded HTTP server with room for many simultaneous connections."""

    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address, cfg):
        self.cfg = cfg
        self.reviews = ReviewBank(cfg.reviews_dir)
        self.attempts = AttemptCounter()
        self.log = RequestLog(cfg.log)
        self.started = time.monotonic()
        self.batches = fake_batch.BatchStore(self)
        super().__init__(address, Handler)

    def loading(self):
        """True during the first --loading-s seconds after start."""
        return time.monotonic() - self.started < self.cfg.loading_s

    def server_bind(self):
        # HTTPServer.server_bind() would call socket.getfqdn(), a DNS lookup
        # that can be slow; we only need the port.
        if self.cfg.reuse_port:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        # A client hanging up or timing out is normal; anything else is a bug.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return
        super().handle_error(request, client_address)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def echo_key(reply, key):
    """--echo-key: reply as a careless server would send it, repeating
    the credential it was sent: in an X-Echo-Key header, in every error
    body's message ("... (key KEY)"; a body that is not JSON gets it
    appended), and in a success's review text ("REVIEW: Seen with key KEY.
    ..."). A request without a key is answered unchanged."""
    if not key:
        return reply
    escaped = json.dumps(key)[1:-1].encode()
    body = reply.body
    if reply.status >= 400:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            doc = None
        err = doc.get("error") if isinstance(doc, dict) else None
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            err["message"] += f" (key {key})"
            body = dumps(doc)
        elif isinstance(err, str):
            doc["error"] = f"{err} (key {key})"
            body = dumps(doc)
        else:
            body = body + b" (key " + key.encode() + b")"
    else:
        body = body.replace(b"REVIEW: ",
                            b"REVIEW: Seen with key " + escaped + b". ", 1)
    reply.body = body
    reply.headers = list(reply.headers) + [("X-Echo-Key", key)]
    return reply


def parse_args(argv):
    default_reviews = os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "data", "reviews")
    p = argparse.ArgumentParser(
        description="Deterministic fake LLM server (OpenAI-compatible, "
                    "Anthropic, Gemini and Ollama wire formats).")
    p.add_argument("--port", type=int, default=0,
                   help="port to listen on; 0 picks a free one (default 0)")
    p.add_argument("--port-file", required=True,
                   help="write the listening port here (atomically)")
    p.add_argument("--host", default="127.0.0.1",
                   help="loopback address to bind (default 127.0.0.1)")
    p.add_argument("--log", help="append one JSON line per request here")
    p.add_argument("--latency-ms", type=float, default=0,
                   help="sleep this long before every response")
    p.add_argument("--api-key",
                   help="require KEY in each format's credential header "
                        "(Authorization: Bearer, x-api-key, x-goog-api-key)")
    p.add_argument("--reviews-dir", default=default_reviews,
                   help="review paragraphs: DIR/<persona>/pass/{ship,skip}-*"
                        ".txt (default: tests/data/reviews)")
    p.add_argument("--script-dir", default=None,
                   help="answer tools that have DIR/<slug>/<persona>.txt "
                        "with that exact reply (.first.txt on a first "
                        "attempt, to record a re-ask)")
    p.add_argument("--stall-ms", type=float, default=10000,
                   help="how long the stall fault sleeps (default 10000)")
    p.add_argument("--keepalive-max", type=int, default=100,
                   help="responses per connection before Connection: close")
    p.add_argument("--idle-timeout-s", type=float, default=5,
                   help="close a keep-alive connection idle this long")
    p.add_argument("--echo-key", action="store_true",
                   help="repeat the credential each request carried in the "
                        "reply: an X-Echo-Key header, error messages and "
                        "the review text (secret-scrubbing tests)")
    p.add_argument("--reuse-port", action="store_true",
                   help="set SO_REUSEPORT, so several processes can share "
                        "one --port (load testing)")
    p.add_argument("--tls-cert", default=None,
                   help="serve HTTPS with this PEM certificate (chain)")
    p.add_argument("--tls-key", default=None,
                   help="the PEM private key of --tls-cert")
    p.add_argument("--require-header", action="append", metavar="NAME:VALUE",
                   help="answer 400 to chat requests without this header "
                        "(repeatable)")
    p.add_argument("--require-query", action="append", metavar="NAME=VALUE",
                   help="answer 400 to chat requests without this query "
                        "parameter (repeatable)")
    p.add_argument("--loading-s", type=float, default=0,
                   help="answer every request 503 \"Loading model\" for "
                        "this long after start, as llama-server does while "
                        "its model loads (default 0)")
    p.add_argument("--retry-after", default="1",
                   help="the Retry-After value the OpenAI-style 429 fault "
                        "sends, verbatim (default 1)")
    fake_batch.add_arguments(p)
    args = p.parse_args(argv)
    if (args.tls_cert is None) != (args.tls_key is None):
        p.error("--tls-cert and --tls-key go together")
    if args.host not in ("localhost",) and not args.host.startswith("127."):
        p.error(f"--host {args.host}: only loopback addresses are allowed")
    if args.keepalive_max < 1:
        p.error("--keepalive-max must be at least 1")
    return args


def write_port_file(path, port):
    """Write "PORT\\n" to path via a temporary file and rename."""
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv=None):
    cfg = parse_args(argv)
    RETRY_AFTER[0] = cfg.retry_after
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    try:
        server = Server((cfg.host, cfg.port), cfg)
    except OSError as e:
        print(f"fake_llm: error: cannot listen on {cfg.host}:{cfg.port}: {e}",
              file=sys.stderr)
        return 2
    if cfg.tls_cert is not None:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cfg.tls_cert, cfg.tls_key)
        # The handshake happens in the connection's thread, on its first
        # read, so a client that fails it does not hold up the accept loop.
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    loop = threading.Thread(target=server.serve_forever,
                            kwargs={"poll_interval": 0.1}, daemon=True)
    loop.start()
    write_port_file(cfg.port_file, server.server_port)

    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    # Connection threads may be mid-sleep (latency, stall); they are daemons,
    # so leave without waiting. Hold the log lock so no line is half-written.
    with server.log.lock:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
