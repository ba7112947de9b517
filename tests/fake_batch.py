"""The batch APIs of tests/fake_llm.py: OpenAI Batch (with its Files API),
Anthropic Message Batches and Gemini batch mode with inline requests, served
by the fake_llm.py process on its own port (the client's base URL is the
same for online and batch requests). Python 3 standard library only.

Every line of a batch is answered by fake_llm.answer(), the function the
online endpoints answer with, at the moment the batch is created: the same
reply text, token counts and ids for the same body (the line's bytes are
handed on exactly as they were sent), the same fault markers (counted in the
same attempt counters, so a contract marker makes the client re-ask), the
same error bodies. What a line answers is then wrapped in the provider's
result shape. A batch line cannot hang up or be cut: the markers drop and
malformed make the line that format's 500 fault instead (stall answers
normally, without the wait).

Endpoints (same --api-key checks as the online ones; Anthropic's also need
the anthropic-version header; --require-header/--require-query apply too):

  OpenAI (Authorization: Bearer)
    POST /v1/files                  multipart/form-data: purpose, file
                                    (JSONL) -> {"id":"file-...","object":
                                    "file","bytes","created_at","filename",
                                    "purpose"}
    POST /v1/batches                {input_file_id, endpoint,
                                    completion_window "24h", metadata}
    GET  /v1/batches/{id}           the batch (one poll)
    GET  /v1/batches?limit=N        {"object":"list","data","first_id",
                                    "last_id","has_more"}, newest first
    POST /v1/batches/{id}/cancel
    GET  /v1/files/{id}/content     the input file, or the output file
                                    (output_file_id: the 200 lines) or the
                                    error file (error_file_id: non-200
                                    answers, per-line errors, expired and
                                    canceled lines): JSONL {"id":"batch_req_
                                    ...","custom_id","response":{"status_code",
                                    "request_id","body"}|null,"error":null|
                                    {"code","message"}}
    The input file is checked when the batch is created; a bad one makes the
    batch "failed" (errors.data [{code, message, param, line}]: codes
    invalid_json_line, missing_required_parameter, invalid_method,
    invalid_url, duplicate_custom_id). Statuses: validating, in_progress,
    completed, failed, expired (every line expired), cancelling, cancelled.
  Anthropic (x-api-key, anthropic-version)
    POST /v1/messages/batches       {requests: [{custom_id, params}]};
                                    custom_id ^[a-zA-Z0-9_-]{1,64}$ and unique
                                    in the batch (else 400
                                    invalid_request_error)
    GET  /v1/messages/batches/{id}  processing_status in_progress | canceling
                                    | ended, request_counts, results_url
                                    (http://HOST/v1/messages/batches/{id}/
                                    results, HOST from the request's Host
                                    header, with the query of the status
                                    request, once ended), created_at,
                                    expires_at, ended_at, cancel_initiated_at
    GET  /v1/messages/batches?limit=N   {"data","has_more","first_id",
                                    "last_id"}, newest first
    POST /v1/messages/batches/{id}/cancel   (an ended batch: as it is)
    GET  /v1/messages/batches/{id}/results  JSONL {"custom_id","result":
                                    {"type":"succeeded","message"} |
                                    {"type":"errored","error": the online
                                    error body} | {"type":"expired"} |
                                    {"type":"canceled"}}; 400 before it ended
  Gemini (x-goog-api-key)
    POST /v1beta/models/{model}:batchGenerateContent   {batch: {display_name,
                                    input_config: {requests: {requests:
                                    [{request, metadata: {key}}]}}}} (the
                                    camelCase names too) -> an operation
                                    {"name":"batches/ID","metadata":
                                    {"@type":...GenerateContentBatch,"model",
                                    "displayName","state","createTime",
                                    "updateTime","batchStats","name"}}
    GET  /v1beta/batches/ID         the operation; once done "done": true and
                                    "response": {"@type":...
                                    GenerateContentBatchOutput,
                                    "inlinedResponses": {"inlinedResponses":
                                    [{"response"|"error", "metadata":{"key"}}
                                    ]}} in request order (a failed batch:
                                    "error" {code, message} instead)
    GET  /v1beta/batches?pageSize=N {"operations": [...]}, newest first
    POST /v1beta/batches/ID:cancel  {} (a done batch: unchanged)
    States BATCH_STATE_PENDING, _RUNNING, _SUCCEEDED, _FAILED, _CANCELLED,
    _EXPIRED (every line expired). As Google's JSON does, batchStats' counts
    are strings and a count of 0 is left out.
  GET /__batch_stats   (no auth) {"uploads","batches_created",
    "requests_submitted","duplicate_custom_ids","polls","cancels",
    "results_downloads","lists","create_failures","apis":{"openai":{...},
    "anthropic":{...},"gemini":{...}}}: duplicate_custom_ids maps each custom
    id submitted in more than one batch (of one API) to how many batches it
    was in ({} when none). A Gemini GET that returns inlined results counts
    as a poll and a results download.

Unknown ids are each API's 404 (invalid_request_error / not_found_error /
NOT_FOUND). Results of OpenAI and Anthropic come in an order of their own
(sorted by sha256 of the custom id), never the input's, as those APIs warn;
Gemini's inline results are in request order. Cancel while pending: no line
ran; while running: the first half of the lines (rounded down) ran, the rest
are canceled (OpenAI: error file, code batch_cancelled; Anthropic: type
canceled; Gemini: left out). The next read after a cancel says canceled
(Gemini: at once). Batches live as long as the server process.

Options (fake_llm.py's command line; all off unless set):
  --batch-polls-pending N   status reads that say validating / in_progress /
                            BATCH_STATE_PENDING (default 1)
  --batch-polls-running N   reads after those that say in_progress /
                            BATCH_STATE_RUNNING (default 1); then ended. With
                            both 0 the first read says ended. Results are
                            computed at create time, so they never depend
                            on timing.
  --batch-fail-first N      the first N batches created (any API) fail as a
                            whole once pending is over: OpenAI "failed" with
                            errors.data [{code "batch_failed"}], Gemini
                            BATCH_STATE_FAILED with an error; Anthropic
                            answers those creates 500 api_error instead
                            (nothing is created)
  --batch-expire-every K    every K-th line of a batch (K, 2K, ...) expires
                            (OpenAI error file code batch_expired; Anthropic
                            type expired; Gemini error 504
                            DEADLINE_EXCEEDED)
  --batch-line-error-every K  every K-th line whose custom id no earlier batch
                            of that API held gets a server error (OpenAI a
                            500 server_error response; Anthropic errored
                            api_error; Gemini error 500 INTERNAL): a retry in
                            another batch is answered
  --batch-slow-poll-ms N    each status GET waits N ms first
  --batch-max-requests N, --batch-max-bytes N   every API's limits
                            (defaults: OpenAI 50,000 / 200 MB per file;
                            Anthropic 100,000 / 256 MB per create body;
                            Gemini none / 20 MB). Over: OpenAI 400 at upload
                            (bytes) or create (requests); Anthropic 400
                            invalid_request_error (requests) or 413
                            request_too_large (bytes); Gemini 400
                            INVALID_ARGUMENT.
Expired and line-error lines are not run (no attempt is counted for them).

Log (--log): every batch HTTP request gets its line as the online ones do,
with "batch": the batch id when there is one; every answered line of a batch
gets the line an online request would get, with "batch" and "custom_id"
added (expired ones: status "expired", fault "batch-expired"; line errors:
status 500, fault "batch-line-error").
"""

import hashlib
import json
import os
import re
import sys
import threading
import time
import urllib.parse

MIB = 1024 * 1024
LIMITS = {"openai": (50000, 200 * MIB), "anthropic": (100000, 256 * MIB),
          "gemini": (None, 20 * MIB)}
CUSTOM_ID_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
GEMINI_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main."
COUNTERS = ("uploads", "batches_created", "requests_submitted", "polls",
            "cancels", "results_downloads", "lists", "create_failures")
FINAL = ("ended", "failed", "canceled")
DAY = 86400

_DEC = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


def add_arguments(p):
    """Adds the --batch-* options to fake_llm.py's argument parser."""
    def count(name, default, what):
        p.add_argument(name, type=int, default=default, metavar="N",
                       help=what)
    count("--batch-polls-pending", 1,
          "status reads a batch stays pending (default 1)")
    count("--batch-polls-running", 1,
          "status reads a batch then stays running (default 1)")
    count("--batch-fail-first", 0,
          "the first N batches created fail as a whole")
    count("--batch-expire-every", 0, "every K-th line of a batch expires")
    count("--batch-line-error-every", 0,
          "every K-th line with a new custom id gets a server error")
    count("--batch-slow-poll-ms", 0, "each status GET waits this long")
    count("--batch-max-requests", None, "requests per batch, every API")
    count("--batch-max-bytes", None, "bytes per batch file/body, every API")


# --------------------------------------------------------------------------
# Raw JSON spans: a line's body is answered as the bytes that were sent
# --------------------------------------------------------------------------

def _ws(text, i):
    return _WS.match(text, i).end()


def members(text, i):
    """The members of the JSON object at text[i] as {key: (value, raw
    text)} (a repeated key: the last, as json.loads keeps). Raises
    ValueError when there is no object there."""
    i = _ws(text, i)
    if text[i:i + 1] != "{":
        raise ValueError("not an object")
    out, i = {}, _ws(text, i + 1)
    if text[i:i + 1] == "}":
        return out
    while True:
        key, i = _DEC.raw_decode(text, i)
        i = _ws(text, i)
        if not isinstance(key, str) or text[i:i + 1] != ":":
            raise ValueError("bad member")
        start = _ws(text, i + 1)
        value, i = _DEC.raw_decode(text, start)
        out[key] = (value, text[start:i])
        i = _ws(text, i)
        if text[i:i + 1] == "}":
            return out
        if text[i:i + 1] != ",":
            raise ValueError("bad object")
        i = _ws(text, i + 1)


def elements(text, i):
    """The elements of the JSON array at text[i] as [(value, raw text)]."""
    i = _ws(text, i)
    if text[i:i + 1] != "[":
        raise ValueError("not an array")
    out, i = [], _ws(text, i + 1)
    if text[i:i + 1] == "]":
        return out
    while True:
        start = i
        value, i = _DEC.raw_decode(text, start)
        out.append((value, text[start:i]))
        i = _ws(text, i)
        if text[i:i + 1] == "]":
            return out
        if text[i:i + 1] != ",":
            raise ValueError("bad array")
        i = _ws(text, i + 1)


def raw_member(text, *path):
    """The raw text of the member at path (keys, or int indexes into
    arrays) of the JSON document text; each key may be a tuple of
    alternatives (snake_case, camelCase). None when absent."""
    raw = text
    for step in path:
        try:
            if isinstance(step, int):
                raw = elements(raw, 0)[step][1]
                continue
            found = members(raw, 0)
        except (ValueError, IndexError):
            return None
        names = step if isinstance(step, tuple) else (step,)
        hit = next((found[n][1] for n in names if n in found), None)
        if hit is None:
            return None
        raw = hit
    return raw


# --------------------------------------------------------------------------
# The store of batches and files
# --------------------------------------------------------------------------

class Line:
    """One request of a batch and what it came to: kind "answer" (reply
    is the online Reply), "expired" or "error" (a per-line server
    error)."""

    def __init__(self, index, custom_id, kind, reply=None):
        self.index = index
        self.custom_id = custom_id
        self.kind = kind
        self.reply = reply


class Batch:
    """A batch and its progress: reads (status GETs) move it on."""

    def __init__(self, api, bid, lines, info):
        self.api = api
        self.id = bid
        self.lines = lines
        self.info = info
        self.created = time.time()
        self.failure = None  # whole-batch failure: {code, message, line}
        self.reads = 0
        self.cancel = None   # (phase when canceled, time)
        self.cancel_reads = 0
        self.running_at = None
        self.ended_at = None
        self.output_file = None
        self.error_file = None
        self.files_made = False


class BatchStore:
    """Every batch and file of the server, and the counters; thread-safe
    (one lock, held briefly: lines are answered outside it)."""

    def __init__(self, server):
        self.server = server
        self.cfg = server.cfg
        # The module that defines the server (fake_llm, or __main__ when it
        # runs as a script): its answer() and error bodies.
        self.llm = sys.modules[type(server).__module__]
        self.lock = threading.Lock()
        self.make_lock = threading.Lock()  # writing OpenAI result files
        self.batches = {}  # id -> Batch, in creation order
        self.files = {}    # id -> (object dict, content bytes)
        self.seq = 0
        self.salt = f"{os.getpid()} {time.time_ns()}"
        self.fail_left = self.cfg.batch_fail_first
        self.counts = {api: dict.fromkeys(COUNTERS, 0) for api in LIMITS}
        self.seen = {api: {} for api in LIMITS}  # custom id -> batches

    def new_hex(self, n=24):
        """A fresh id part: unique across restarts of the server too."""
        with self.lock:
            self.seq += 1
            seq = self.seq
        return hashlib.sha256(f"{self.salt} {seq}".encode()).hexdigest()[:n]

    def count(self, api, name, n=1):
        with self.lock:
            self.counts[api][name] += n

    def limits(self, api):
        """(max requests or None, max bytes) for api."""
        requests, size = LIMITS[api]
        if self.cfg.batch_max_requests is not None:
            requests = self.cfg.batch_max_requests
        if self.cfg.batch_max_bytes is not None:
            size = self.cfg.batch_max_bytes
        return requests, size

    def take_failure(self):
        """Whether the batch being created is one --batch-fail-first
        fails."""
        with self.lock:
            if self.fail_left > 0:
                self.fail_left -= 1
                return True
            return False

    def add(self, batch):
        """Stores a created batch and counts its custom ids."""
        with self.lock:
            self.batches[batch.id] = batch
            counts = self.counts[batch.api]
            counts["batches_created"] += 1
            counts["requests_submitted"] += len(batch.lines)
            seen = self.seen[batch.api]
            for cid in {ln.custom_id for ln in batch.lines} - {None}:
                seen[cid] = seen.get(cid, 0) + 1

    def seen_before(self, api, cid):
        with self.lock:
            return cid in self.seen[api]

    def get(self, api, bid):
        with self.lock:
            batch = self.batches.get(bid)
        return batch if batch is not None and batch.api == api else None

    def newest(self, api, limit):
        """(up to limit batches of api, newest first; whether more)."""
        with self.lock:
            mine = [b for b in self.batches.values() if b.api == api]
        mine.reverse()
        return mine[:limit], len(mine) > limit

    def stats(self):
        with self.lock:
            apis = {}
            for api, counts in self.counts.items():
                dups = {k: n for k, n in self.seen[api].items() if n > 1}
                apis[api] = {**counts, "duplicate_custom_ids": dups}
        total = {name: sum(a[name] for a in apis.values())
                 for name in COUNTERS}
        dups = {}
        for a in apis.values():
            for k, n in a["duplicate_custom_ids"].items():
                dups[k] = dups.get(k, 0) + n
        return {**total, "duplicate_custom_ids": dups, "apis": apis}


# --------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------

def phase(store, b):
    """"pending", "running", "ended", "failed", "canceling" or "canceled"
    after b.reads status reads."""
    if b.cancel is not None:
        return "canceled" if b.cancel_reads > 0 else "canceling"
    pending = store.cfg.batch_polls_pending
    if b.reads <= pending:
        return "pending"
    if b.failure is not None:
        return "failed"
    if b.reads <= pending + store.cfg.batch_polls_running:
        return "running"
    return "ended"


def read(store, b):
    """One status read of b: moves it on; returns its phase."""
    with store.lock:
        if b.cancel is not None:
            b.cancel_reads += 1
        else:
            b.reads += 1
        now = phase(store, b)
        if now == "running" and b.running_at is None:
            b.running_at = time.time()
        if now in FINAL and b.ended_at is None:
            b.ended_at = time.time()
    return now


def outcomes(b):
    """[(line, kind)] once b is final: kind is the line's own, or
    "canceled" for a line a cancel kept from running (canceled while
    pending: all; while running: the second half)."""
    if b.cancel is None:
        return [(ln, ln.kind) for ln in b.lines]
    ran = len(b.lines) // 2 if b.cancel[0] == "running" else 0
    return [(ln, ln.kind if i < ran else "canceled")
            for i, ln in enumerate(b.lines)]


def tally(b):
    """Counts of b's final outcomes: ok (200 answers), errored (other
    answers and line errors), expired, canceled."""
    n = {"ok": 0, "errored": 0, "expired": 0, "canceled": 0}
    for ln, kind in outcomes(b):
        if kind == "answer":
            n["ok" if ln.reply.status == 200 else "errored"] += 1
        elif kind == "error":
            n["errored"] += 1
        else:
            n[kind] += 1
    return n


def all_expired(b):
    return bool(b.lines) and b.cancel is None and all(
        ln.kind == "expired" for ln in b.lines)


def shuffled(b):
    """b's final outcomes in the order OpenAI and Anthropic give results:
    not the input's."""
    return sorted(outcomes(b), key=lambda o: hashlib.sha256(
        o[0].custom_id.encode()).hexdigest())


# --------------------------------------------------------------------------
# Running the lines (at create time)
# --------------------------------------------------------------------------

def run_lines(ctx, bid, items, broken_fault):
    """Lines for items [(custom id, online path, body bytes)], each
    answered as the online endpoint answers it (see the module's
    docstring for the --batch-* faults). broken_fault is the format's
    500 Reply, for a line whose answer cannot be a result."""
    store, cfg = ctx.store, ctx.store.cfg
    lines = []
    for i, (cid, path, body) in enumerate(items, 1):
        expire, fail = cfg.batch_expire_every, cfg.batch_line_error_every
        if expire > 0 and i % expire == 0:
            kind, reply = "expired", None
        elif fail > 0 and i % fail == 0 and not store.seen_before(ctx.api,
                                                                  cid):
            kind, reply = "error", None
        else:
            kind = "answer"
            reply, record = store.llm.answer(store.server, path,
                                             ctx.handler.headers, body)
            if reply.drop or not parses(reply.body):
                reply = broken_fault()
                record["status"] = reply.status
        if kind != "answer":
            record = store.llm.new_record("POST", path, ctx.handler.headers,
                                          ctx.record["auth"])
            record["fault"] = "batch-" + ("expired" if kind == "expired"
                                          else "line-error")
            record["status"] = "expired" if kind == "expired" else 500
        record.update(batch=bid, custom_id=cid)
        store.server.log.write(record)
        lines.append(Line(i, cid, kind, reply))
    return lines


def parses(body):
    try:
        json.loads(body)
        return True
    except (ValueError, UnicodeDecodeError):
        return False


# --------------------------------------------------------------------------
# Routing
# --------------------------------------------------------------------------

class Ctx:
    """One batch request: its handler, the store, its API and log
    record, the query of its URL."""

    def __init__(self, handler, api, record):
        self.handler = handler
        self.store = handler.server.batches
        self.llm = self.store.llm
        self.api = api
        self.record = record
        self.query = urllib.parse.urlsplit(handler.path).query
        self.params = urllib.parse.parse_qs(self.query)


def route(handler, path, body, record):
    """The Reply of a batch endpoint (see the module docstring) for
    handler's request, or None when path and method are not one. Fills in
    record's auth (and batch)."""
    if path == "/__batch_stats" and handler.command == "GET":
        return handler.server.batches.llm.Reply(
            200, handler.server.batches.llm.dumps(
                handler.server.batches.stats()))
    for api, method, regex, fn in ROUTES:
        found = regex.match(path)
        if found is None or method != handler.command:
            continue
        record["auth"] = handler.auth_state(api)
        ctx = Ctx(handler, api, record)
        missing = handler.gateway_check("batch", path)
        if missing is not None:
            return error(ctx, 400, missing)
        refused = credentials(ctx)
        if refused is not None:
            return refused
        return fn(ctx, body, *found.groups())
    return None


def credentials(ctx):
    """The online endpoint's own refusal when the key (or Anthropic's
    anthropic-version header) is missing or wrong, else None: asked of
    the online handler with an empty body, which checks those first."""
    h, rec = ctx.handler, dict(ctx.record)
    if ctx.api == "openai" and rec["auth"] in ("missing", "wrong"):
        return h.chat(b"", rec)
    if ctx.api == "gemini" and rec["auth"] in ("missing", "wrong"):
        return h.chat_gemini(b"", rec, None)
    if ctx.api == "anthropic" and (rec["auth"] in ("missing", "wrong") or
                                   not h.headers.get("anthropic-version")):
        return h.chat_anthropic(b"", rec)
    return None


def error(ctx, status, message, code=None, etype=None):
    """An error Reply in ctx.api's shape: OpenAI's {"error": {message,
    type, param, code}}, Anthropic's {"type":"error","error":{type,
    message}}, Google's {"error": {code, message, status}}."""
    llm = ctx.llm
    if ctx.api == "openai":
        return llm.Reply(status, llm.openai_error(
            message, etype or "invalid_request_error", code))
    if ctx.api == "anthropic":
        etype = etype or {404: "not_found_error", 413: "request_too_large",
                          500: "api_error"}.get(status,
                                                "invalid_request_error")
        return llm.Reply(status, llm.anthropic_error(etype, message))
    gstatus = etype or {404: "NOT_FOUND", 500: "INTERNAL"}.get(
        status, "INVALID_ARGUMENT")
    return llm.Reply(status, llm.gemini_error(status, gstatus, message))


def ok(ctx, doc, batch=None):
    """A 200 Reply of doc (pretty-printed for Gemini, as Google's front
    ends send it); batch names the batch in the log record."""
    if batch is not None:
        ctx.record["batch"] = batch.id
    dump = ctx.llm.google_dumps if ctx.api == "gemini" else ctx.llm.dumps
    return ctx.llm.Reply(200, dump(doc))


def list_limit(ctx, name, default, most):
    """The page size a list request asks for, or an error Reply."""
    raw = ctx.params.get(name, [str(default)])[-1]
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        return None, error(ctx, 400, f"{name} must be an integer from 1 to "
                                     f"{most}")
    return int(raw), None


def slow_poll(ctx):
    ms = ctx.store.cfg.batch_slow_poll_ms
    if ms > 0:
        time.sleep(ms / 1000.0)


def result_hash(b, ln):
    return hashlib.sha256(f"{b.id}\n{ln.custom_id}".encode()).hexdigest()


def parsed_body(reply):
    return json.loads(reply.body)


# --------------------------------------------------------------------------
# OpenAI: Files + Batch
# --------------------------------------------------------------------------

def multipart(content_type, body):
    """{field name: (filename or None, bytes)} of a multipart/form-data
    body, or None when it is not one."""
    found = re.search(r'boundary="?([^";]+)"?', content_type or "")
    if not content_type or not content_type.lower().startswith(
            "multipart/form-data") or found is None:
        return None
    sep = b"--" + found.group(1).encode()
    fields = {}
    for part in body.split(sep)[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        disp = re.search(rb'Content-Disposition:[^\r\n]*', head, re.I)
        name = re.search(rb'\bname="([^"]*)"', disp.group(0)) if disp else None
        if name is None:
            return None
        filename = re.search(rb'filename="([^"]*)"', disp.group(0))
        fields[name.group(1).decode()] = (
            filename.group(1).decode() if filename else None, data)
    return fields


def openai_upload(ctx, body):
    """POST /v1/files: stores the file."""
    fields = multipart(ctx.handler.headers.get("Content-Type"), body)
    if fields is None:
        return error(ctx, 400, "Invalid Content-Type: the request must be "
                               "multipart/form-data.")
    for name in ("purpose", "file"):
        if name not in fields:
            return error(ctx, 400, f"'{name}' is a required property",
                         None)
    purpose = fields["purpose"][1].decode("utf-8", "replace")
    filename, data = fields["file"]
    if purpose != "batch":
        return error(ctx, 400, f"'{purpose}' is not one of ['batch'] - "
                               f"'purpose' (the fake keeps batch files only)")
    limit = ctx.store.limits("openai")[1]
    if len(data) > limit:
        return error(ctx, 400, f"File is too large: {len(data)} bytes; a "
                               f"batch input file is at most {limit} bytes.",
                     "file_too_large")
    fid = "file-" + ctx.store.new_hex()
    obj = {"id": fid, "object": "file", "bytes": len(data),
           "created_at": int(time.time()), "filename": filename or "upload",
           "purpose": "batch"}
    with ctx.store.lock:
        ctx.store.files[fid] = (obj, data)
    ctx.store.count("openai", "uploads")
    return ok(ctx, obj)


def openai_read_file(ctx, data, endpoint):
    """([(custom id, url, body bytes)], failure dict or None) of a batch
    input file: the first problem fails the batch, as OpenAI's validation
    does."""
    items, ids = [], set()

    def bad(code, message, line):
        return items, {"code": code, "message": message, "param": None,
                       "line": line}

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return bad("invalid_json_line", "The file is not UTF-8.", None)
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            doc = members(line, 0)
            json.loads(line)
        except ValueError:
            return bad("invalid_json_line", f"This line is not parseable as "
                       f"valid JSON.", n)
        for field in ("custom_id", "method", "url", "body"):
            if field not in doc:
                return bad("missing_required_parameter",
                           f"Missing required parameter: '{field}'.", n)
        cid, method, url = (doc[k][0] for k in ("custom_id", "method", "url"))
        if not isinstance(cid, str) or not cid:
            return bad("invalid_custom_id", "custom_id must be a string.", n)
        if method != "POST":
            return bad("invalid_method", "The method must be POST.", n)
        if (not isinstance(url, str) or urllib.parse.urlsplit(url).path !=
                urllib.parse.urlsplit(endpoint).path):
            return bad("invalid_url", f"The url must match the batch's "
                       f"endpoint {endpoint}.", n)
        if cid in ids:
            return bad("duplicate_custom_id", "The custom_id for this request "
                       "is a duplicate of another request. The custom_id "
                       "parameter must be unique for each individual request "
                       "in a batch.", n)
        if not isinstance(doc["body"][0], dict):
            return bad("invalid_body", "The body must be a JSON object.", n)
        ids.add(cid)
        items.append((cid, url, doc["body"][1].encode()))
    if not items:
        return bad("empty_file", "The input file has no requests.", None)
    return items, None


def openai_create(ctx, body):
    """POST /v1/batches."""
    try:
        req = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return error(ctx, 400, "We could not parse the JSON body of your "
                               "request.")
    if not isinstance(req, dict):
        return error(ctx, 400, "The body must be a JSON object.")
    for field in ("input_file_id", "endpoint", "completion_window"):
        if not isinstance(req.get(field), str):
            return error(ctx, 400, f"Missing required parameter: '{field}'.",
                         "missing_required_parameter")
    if req["completion_window"] != "24h":
        return error(ctx, 400, "Invalid value for 'completion_window': only "
                               "'24h' is supported.", "invalid_value")
    endpoint = req["endpoint"]
    if urllib.parse.urlsplit(endpoint).path not in ctx.llm.CHAT_PATHS:
        return error(ctx, 400, f"Invalid value for 'endpoint': {endpoint}.",
                     "invalid_value")
    metadata = req.get("metadata")
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(v, str) for v in metadata.values())):
        return error(ctx, 400, "metadata must map strings to strings.")
    with ctx.store.lock:
        found = ctx.store.files.get(req["input_file_id"])
    if found is None:
        return error(ctx, 404, f"No such File object: "
                               f"{req['input_file_id']}")
    items, failure = openai_read_file(ctx, found[1], endpoint)
    most = ctx.store.limits("openai")[0]
    if most is not None and len(items) > most:
        return error(ctx, 400, f"The batch input file has {len(items)} "
                               f"requests; a batch takes at most {most}.",
                     "too_many_requests")
    bid = "batch_" + ctx.store.new_hex(32)
    if failure is None and ctx.store.take_failure():
        failure = {"code": "batch_failed", "message": "The batch failed "
                   "(fake_batch --batch-fail-first).", "param": None,
                   "line": None}
    lines = [] if failure else run_lines(
        ctx, bid, items, lambda: ctx.llm.transport_reply("500", b""))
    if failure:
        lines = [Line(i, cid, "none") for i, (cid, _, _) in
                 enumerate(items, 1)]
    b = Batch("openai", bid, lines, {
        "endpoint": endpoint, "input_file_id": req["input_file_id"],
        "metadata": metadata})
    b.failure = failure
    ctx.store.add(b)
    return ok(ctx, openai_object(ctx, b, phase(ctx.store, b)), b)


OPENAI_STATUS = {"pending": "validating", "running": "in_progress",
                 "ended": "completed", "failed": "failed",
                 "canceling": "cancelling", "canceled": "cancelled"}


def openai_files(ctx, b):
    """Writes b's output and error files (once, when it is final: two
    polls at a time write them once, under make_lock)."""
    with ctx.store.make_lock:
        if b.files_made:
            return
        openai_write_files(ctx, b)
        b.files_made = True


def openai_write_files(ctx, b):
    """openai_files' work: the JSONL of every outcome of b."""
    out, err = [], []
    for ln, kind in shuffled(b):
        h = result_hash(b, ln)
        doc = {"id": "batch_req_" + h[:24], "custom_id": ln.custom_id,
               "response": None, "error": None}
        if kind == "answer":
            doc["response"] = {"status_code": ln.reply.status,
                               "request_id": "req_" + h[24:48],
                               "body": parsed_body(ln.reply)}
        elif kind == "error":
            doc["response"] = {"status_code": 500,
                               "request_id": "req_" + h[24:48],
                               "body": json.loads(ctx.llm.openai_error(
                                   "The server had an error processing your "
                                   "request. Sorry about that!",
                                   "server_error", None))}
        elif kind == "expired":
            doc["error"] = {"code": "batch_expired", "message": "This request "
                            "could not be executed before the completion "
                            "window expired."}
        else:
            doc["error"] = {"code": "batch_cancelled", "message": "This "
                            "request was not executed because the batch was "
                            "cancelled."}
        good = kind == "answer" and ln.reply.status == 200
        (out if good else err).append(ctx.llm.dumps(doc) + b"\n")
    made = []
    for rows, what in ((out, "output"), (err, "error")):
        if not rows:
            made.append(None)
            continue
        fid = "file-" + ctx.store.new_hex()
        data = b"".join(rows)
        obj = {"id": fid, "object": "file", "bytes": len(data),
               "created_at": int(time.time()),
               "filename": f"{b.id}_{what}.jsonl", "purpose": "batch_output"}
        with ctx.store.lock:
            ctx.store.files[fid] = (obj, data)
        made.append(fid)
    with ctx.store.lock:
        b.output_file, b.error_file = made


def openai_object(ctx, b, now):
    """The batch object of b in phase now."""
    status = OPENAI_STATUS[now]
    if now == "ended" and all_expired(b):
        status = "expired"
    counts = {"total": 0, "completed": 0, "failed": 0}
    if now in ("running", "canceling"):
        counts["total"] = len(b.lines)
    if now in ("ended", "canceled"):
        openai_files(ctx, b)
        n = tally(b)
        counts = {"total": len(b.lines), "completed": n["ok"],
                  "failed": len(b.lines) - n["ok"]}
    final = now in FINAL
    stamp = int(b.ended_at) if final and b.ended_at else None
    done = now in ("ended", "canceled")
    return {
        "id": b.id, "object": "batch", "endpoint": b.info["endpoint"],
        "errors": ({"object": "list", "data": [b.failure]}
                   if now == "failed" else None),
        "input_file_id": b.info["input_file_id"],
        "completion_window": "24h", "status": status,
        "output_file_id": b.output_file if done else None,
        "error_file_id": b.error_file if done else None,
        "created_at": int(b.created),
        "in_progress_at": int(b.running_at) if b.running_at else None,
        "expires_at": int(b.created) + DAY,
        "finalizing_at": stamp if status == "completed" else None,
        "completed_at": stamp if status == "completed" else None,
        "failed_at": stamp if status == "failed" else None,
        "expired_at": stamp if status == "expired" else None,
        "cancelling_at": int(b.cancel[1]) if b.cancel else None,
        "cancelled_at": stamp if status == "cancelled" else None,
        "request_counts": counts, "metadata": b.info["metadata"]}


def openai_get(ctx, body, bid):
    """GET /v1/batches/{id}: one poll."""
    b = ctx.store.get("openai", bid)
    if b is None:
        return error(ctx, 404, f"No batch found with id '{bid}'.")
    slow_poll(ctx)
    ctx.store.count("openai", "polls")
    return ok(ctx, openai_object(ctx, b, read(ctx.store, b)), b)


def openai_list(ctx, body):
    """GET /v1/batches?limit=N."""
    limit, bad = list_limit(ctx, "limit", 20, 100)
    if bad is not None:
        return bad
    page, more = ctx.store.newest("openai", limit)
    ctx.store.count("openai", "lists")
    data = [openai_object(ctx, b, phase(ctx.store, b)) for b in page]
    return ok(ctx, {"object": "list", "data": data,
                    "first_id": data[0]["id"] if data else None,
                    "last_id": data[-1]["id"] if data else None,
                    "has_more": more})


def cancel(ctx, b):
    """Starts canceling b; returns False when it is already final."""
    with ctx.store.lock:
        now = phase(ctx.store, b)
        if now in FINAL or b.cancel is not None:
            return now not in FINAL
        b.cancel = (now, time.time())
    ctx.store.count(ctx.api, "cancels")
    return True


def openai_cancel(ctx, body, bid):
    """POST /v1/batches/{id}/cancel."""
    b = ctx.store.get("openai", bid)
    if b is None:
        return error(ctx, 404, f"No batch found with id '{bid}'.")
    if not cancel(ctx, b):
        status = openai_object(ctx, b, phase(ctx.store, b))["status"]
        return error(ctx, 400, f"Cannot cancel a batch with status "
                               f"'{status}'.")
    return ok(ctx, openai_object(ctx, b, phase(ctx.store, b)), b)


def openai_content(ctx, body, fid):
    """GET /v1/files/{id}/content."""
    with ctx.store.lock:
        found = ctx.store.files.get(fid)
    if found is None:
        return error(ctx, 404, f"No such File object: {fid}")
    if found[0]["purpose"] == "batch_output":
        ctx.store.count("openai", "results_downloads")
    return ctx.llm.Reply(200, found[1], content_type="application/jsonl")


# --------------------------------------------------------------------------
# Anthropic: Message Batches
# --------------------------------------------------------------------------

def anthropic_items(ctx, text):
    """([(custom id, "/v1/messages", params bytes)], error Reply or None)
    of a create body, checked as the API checks it."""
    try:
        doc = members(text, 0)
        json.loads(text)
    except ValueError:
        return None, error(ctx, 400, "There was an error parsing the body of "
                                     "your request. Please make sure it is "
                                     "valid JSON.")
    for field in doc:
        if field != "requests":
            return None, error(ctx, 400, f"{field}: Extra inputs are not "
                                         f"permitted")
    if "requests" not in doc:
        return None, error(ctx, 400, "requests: Field required")
    try:
        reqs = elements(doc["requests"][1], 0)
    except ValueError:
        return None, error(ctx, 400, "requests: Input should be a valid list")
    if not reqs:
        return None, error(ctx, 400, "requests: List should have at least 1 "
                                     "item after validation, not 0")
    items, ids = [], set()
    for i, (_, raw) in enumerate(reqs):
        try:
            req = members(raw, 0)
        except ValueError:
            return None, error(ctx, 400, f"requests.{i}: Input should be a "
                                         f"valid dictionary")
        for field in req:
            if field not in ("custom_id", "params"):
                return None, error(ctx, 400, f"requests.{i}.{field}: Extra "
                                             f"inputs are not permitted")
        for field in ("custom_id", "params"):
            if field not in req:
                return None, error(ctx, 400, f"requests.{i}.{field}: Field "
                                             f"required")
        cid = req["custom_id"][0]
        if not isinstance(cid, str) or not CUSTOM_ID_RE.match(cid):
            return None, error(ctx, 400, f"requests.{i}.custom_id: String "
                               f"should match pattern "
                               f"'^[a-zA-Z0-9_-]{{1,64}}$'")
        if cid in ids:
            return None, error(ctx, 400, f"Duplicate custom_id: {cid}. Each "
                                         f"request in a batch must have a "
                                         f"unique custom_id.")
        if not isinstance(req["params"][0], dict):
            return None, error(ctx, 400, f"requests.{i}.params: Input should "
                                         f"be a valid dictionary")
        ids.add(cid)
        items.append((cid, ctx.llm.ANTHROPIC_PATH + with_query(ctx),
                      req["params"][1].encode()))
    return items, None


def with_query(ctx):
    """"?QUERY" of the batch request ("" without one): its lines are
    answered as if sent with the same query, so gateway checks hold."""
    return "?" + ctx.query if ctx.query else ""


def anthropic_create(ctx, body):
    """POST /v1/messages/batches."""
    most, size = ctx.store.limits("anthropic")
    if len(body) > size:
        return error(ctx, 413, f"Request exceeds the maximum allowed number "
                               f"of bytes ({size}).")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    items, bad = anthropic_items(ctx, text)
    if bad is not None:
        return bad
    if most is not None and len(items) > most:
        return error(ctx, 400, f"requests: a batch may hold at most {most} "
                               f"requests, not {len(items)}")
    if ctx.store.take_failure():
        ctx.store.count("anthropic", "create_failures")
        return error(ctx, 500, "Internal server error")
    bid = "msgbatch_" + ctx.store.new_hex()
    lines = run_lines(ctx, bid, items,
                      lambda: ctx.llm.anthropic_fault("500", b""))
    b = Batch("anthropic", bid, lines, {})
    ctx.store.add(b)
    return ok(ctx, anthropic_object(ctx, b, phase(ctx.store, b)), b)


def anthropic_object(ctx, b, now):
    """The message_batch object of b in phase now."""
    status = {"ended": "ended", "canceled": "ended",
              "canceling": "canceling"}.get(now, "in_progress")
    counts = dict.fromkeys(("processing", "succeeded", "errored", "canceled",
                            "expired"), 0)
    results_url = None
    if status == "ended":
        n = tally(b)
        counts.update(succeeded=n["ok"], errored=n["errored"],
                      canceled=n["canceled"], expired=n["expired"])
        host = ctx.handler.headers.get("Host") or \
            f"127.0.0.1:{ctx.handler.server.server_port}"
        scheme = "https" if ctx.store.cfg.tls_cert else "http"
        results_url = (f"{scheme}://{host}/v1/messages/batches/{b.id}/"
                       f"results{with_query(ctx)}")
    else:
        counts["processing"] = len(b.lines)
    rfc = ctx.llm.rfc3339
    return {"id": b.id, "type": "message_batch", "processing_status": status,
            "request_counts": counts,
            "ended_at": rfc(b.ended_at) if status == "ended" else None,
            "created_at": rfc(b.created), "expires_at": rfc(b.created + DAY),
            "archived_at": None,
            "cancel_initiated_at": rfc(b.cancel[1]) if b.cancel else None,
            "results_url": results_url}


def anthropic_get(ctx, body, bid):
    """GET /v1/messages/batches/{id}: one poll."""
    b = ctx.store.get("anthropic", bid)
    if b is None:
        return error(ctx, 404, f"No message batch found with id '{bid}'")
    slow_poll(ctx)
    ctx.store.count("anthropic", "polls")
    return ok(ctx, anthropic_object(ctx, b, read(ctx.store, b)), b)


def anthropic_list(ctx, body):
    """GET /v1/messages/batches?limit=N."""
    limit, bad = list_limit(ctx, "limit", 20, 1000)
    if bad is not None:
        return bad
    page, more = ctx.store.newest("anthropic", limit)
    ctx.store.count("anthropic", "lists")
    data = [anthropic_object(ctx, b, phase(ctx.store, b)) for b in page]
    return ok(ctx, {"data": data, "has_more": more,
                    "first_id": data[0]["id"] if data else None,
                    "last_id": data[-1]["id"] if data else None})


def anthropic_cancel(ctx, body, bid):
    """POST /v1/messages/batches/{id}/cancel (an ended batch: as it is)."""
    b = ctx.store.get("anthropic", bid)
    if b is None:
        return error(ctx, 404, f"No message batch found with id '{bid}'")
    cancel(ctx, b)
    return ok(ctx, anthropic_object(ctx, b, phase(ctx.store, b)), b)


def anthropic_results(ctx, body, bid):
    """GET /v1/messages/batches/{id}/results: JSONL."""
    b = ctx.store.get("anthropic", bid)
    if b is None:
        return error(ctx, 404, f"No message batch found with id '{bid}'")
    ctx.record["batch"] = b.id
    if phase(ctx.store, b) not in FINAL:
        return error(ctx, 400, f"Message batch {bid} has not ended yet; its "
                               f"results are not available.")
    rows = []
    for ln, kind in shuffled(b):
        if kind == "answer" and ln.reply.status == 200:
            result = {"type": "succeeded", "message": parsed_body(ln.reply)}
        elif kind == "answer":
            result = {"type": "errored", "error": parsed_body(ln.reply)}
        elif kind == "error":
            result = {"type": "errored", "error": json.loads(
                ctx.llm.anthropic_error("api_error",
                                        "Internal server error"))}
        else:
            result = {"type": kind}
        rows.append(ctx.llm.dumps({"custom_id": ln.custom_id,
                                   "result": result}) + b"\n")
    ctx.store.count("anthropic", "results_downloads")
    return ctx.llm.Reply(200, b"".join(rows),
                         content_type="application/binary")


# --------------------------------------------------------------------------
# Gemini: batch mode, inline requests
# --------------------------------------------------------------------------

GEMINI_STATE = {"pending": "BATCH_STATE_PENDING",
                "running": "BATCH_STATE_RUNNING",
                "ended": "BATCH_STATE_SUCCEEDED",
                "failed": "BATCH_STATE_FAILED",
                "canceling": "BATCH_STATE_CANCELLED",
                "canceled": "BATCH_STATE_CANCELLED"}


def gemini_items(ctx, text, model):
    """([(key, online path, request bytes)], display name, error Reply)."""
    def invalid(message):
        return None, None, error(ctx, 400, message)

    try:
        doc = json.loads(text)
    except ValueError:
        return invalid("Invalid JSON payload received. Unexpected token.")
    batch = doc.get("batch") if isinstance(doc, dict) else None
    if not isinstance(batch, dict):
        return invalid("* BatchGenerateContentRequest.batch: batch is not "
                       "specified")
    name = batch.get("display_name", batch.get("displayName"))
    if not isinstance(name, str) or not name:
        return invalid("* Batch.display_name: display_name is required")
    where = ("batch", ("input_config", "inputConfig"), "requests", "requests")
    raw = raw_member(text, *where)
    reqs = elements(raw, 0) if raw is not None and \
        raw.lstrip().startswith("[") else None
    if not reqs:
        return invalid("* Batch.input_config: requests are not specified")
    path = f"/v1beta/{model}:generateContent{with_query(ctx)}"
    items = []
    for i, (value, raw) in enumerate(reqs):
        request = raw_member(raw, "request")
        if not isinstance(value, dict) or request is None or \
                not request.lstrip().startswith("{"):
            return invalid(f"* Batch.input_config.requests.requests[{i}]."
                           f"request: request is not specified")
        meta = value.get("metadata")
        key = meta.get("key") if isinstance(meta, dict) else None
        items.append((key if isinstance(key, str) else None, path,
                      request.encode()))
    return items, name, None


def gemini_create(ctx, body, model):
    """POST /v1beta/models/{model}:batchGenerateContent."""
    most, size = ctx.store.limits("gemini")
    if len(body) > size:
        return error(ctx, 400, f"Request payload size exceeds the limit: "
                               f"{size} bytes.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    items, name, bad = gemini_items(ctx, text, model)
    if bad is not None:
        return bad
    if most is not None and len(items) > most:
        return error(ctx, 400, f"A batch may hold at most {most} requests, "
                               f"not {len(items)}.")
    bid = "batches/" + ctx.store.new_hex(20)
    failure = None
    if ctx.store.take_failure():
        failure = {"code": 13, "message": "Batch failed: internal error "
                   "(fake_batch --batch-fail-first)."}
        lines = [Line(i, key, "none") for i, (key, _, _) in
                 enumerate(items, 1)]
    else:
        lines = run_lines(ctx, bid, items,
                          lambda: ctx.llm.gemini_fault("500", b"", model))
    b = Batch("gemini", bid, lines, {"model": urllib.parse.unquote(model),
                                     "display_name": name})
    b.failure = failure
    ctx.store.add(b)
    return ok(ctx, gemini_operation(ctx, b, phase(ctx.store, b)), b)


def gemini_inlined(ctx, b):
    """The inlinedResponses of a final batch, in request order."""
    out = []
    for ln, kind in outcomes(b):
        if kind == "canceled":
            continue  # never ran: no output
        if kind == "answer" and ln.reply.status == 200:
            item = {"response": parsed_body(ln.reply)}
        elif kind == "answer":
            item = {"error": parsed_body(ln.reply).get("error")}
        elif kind == "error":
            item = {"error": {"code": 500, "message": "Internal error "
                              "encountered.", "status": "INTERNAL"}}
        else:
            item = {"error": {"code": 504, "message": "The batch expired "
                              "before this request ran.",
                              "status": "DEADLINE_EXCEEDED"}}
        if ln.custom_id is not None:
            item["metadata"] = {"key": ln.custom_id}
        out.append(item)
    return out


def gemini_operation(ctx, b, now):
    """The operation of b in phase now (canceling is CANCELLED at once)."""
    state = GEMINI_STATE[now]
    if now == "ended" and all_expired(b):
        state = "BATCH_STATE_EXPIRED"
    rfc = ctx.llm.rfc3339
    stats = {"requestCount": len(b.lines)}
    done = now in FINAL or now == "canceling"
    if done and now != "failed":
        n = tally(b)
        stats.update(successfulRequestCount=n["ok"],
                     failedRequestCount=n["errored"] + n["expired"])
    else:
        stats["pendingRequestCount"] = len(b.lines)
    meta = {"@type": GEMINI_TYPE + "GenerateContentBatch",
            "model": b.info["model"], "displayName": b.info["display_name"],
            "createTime": rfc(b.created),
            "updateTime": rfc(b.ended_at or b.created),
            "batchStats": {k: str(v) for k, v in stats.items() if v},
            "state": state, "name": b.id}
    if done:
        meta["endTime"] = rfc(b.ended_at or time.time())
    op = {"name": b.id, "metadata": meta}
    if done:
        op["done"] = True
        if now == "failed":
            op["error"] = b.failure
        else:
            op["response"] = {
                "@type": GEMINI_TYPE + "GenerateContentBatchOutput",
                "inlinedResponses": {"inlinedResponses":
                                     gemini_inlined(ctx, b)}}
    return op


def gemini_get(ctx, body, bid):
    """GET /v1beta/batches/ID: one poll."""
    b = ctx.store.get("gemini", "batches/" + bid)
    if b is None:
        return error(ctx, 404, "Requested entity was not found.")
    slow_poll(ctx)
    ctx.store.count("gemini", "polls")
    op = gemini_operation(ctx, b, read(ctx.store, b))
    if "response" in op:
        ctx.store.count("gemini", "results_downloads")
    return ok(ctx, op, b)


def gemini_list(ctx, body):
    """GET /v1beta/batches?pageSize=N."""
    limit, bad = list_limit(ctx, "pageSize", 20, 1000)
    if bad is not None:
        return bad
    page, more = ctx.store.newest("gemini", limit)
    ctx.store.count("gemini", "lists")
    doc = {"operations": [gemini_operation(ctx, b, phase(ctx.store, b))
                          for b in page]}
    if more:
        doc["nextPageToken"] = "fake-next-page"
    return ok(ctx, doc)


def gemini_cancel(ctx, body, bid):
    """POST /v1beta/batches/ID:cancel: {} (a done batch: unchanged)."""
    b = ctx.store.get("gemini", "batches/" + bid)
    if b is None:
        return error(ctx, 404, "Requested entity was not found.")
    if cancel(ctx, b):
        with ctx.store.lock:
            b.cancel_reads = max(b.cancel_reads, 1)
            b.ended_at = b.ended_at or time.time()
    return ok(ctx, {}, b)


ROUTES = [
    ("openai", "POST", re.compile(r"^/v1/files$"), openai_upload),
    ("openai", "GET", re.compile(r"^/v1/files/([^/]+)/content$"),
     openai_content),
    ("openai", "POST", re.compile(r"^/v1/batches$"), openai_create),
    ("openai", "GET", re.compile(r"^/v1/batches$"), openai_list),
    ("openai", "GET", re.compile(r"^/v1/batches/([^/]+)$"), openai_get),
    ("openai", "POST", re.compile(r"^/v1/batches/([^/]+)/cancel$"),
     openai_cancel),
    ("anthropic", "POST", re.compile(r"^/v1/messages/batches$"),
     anthropic_create),
    ("anthropic", "GET", re.compile(r"^/v1/messages/batches$"),
     anthropic_list),
    ("anthropic", "GET", re.compile(r"^/v1/messages/batches/([^/]+)$"),
     anthropic_get),
    ("anthropic", "POST", re.compile(r"^/v1/messages/batches/([^/]+)/cancel$"),
     anthropic_cancel),
    ("anthropic", "GET",
     re.compile(r"^/v1/messages/batches/([^/]+)/results$"),
     anthropic_results),
    ("gemini", "POST",
     re.compile(r"^/v1beta/((?:models|tunedModels)/[^/:]+)"
                r":batchGenerateContent$"), gemini_create),
    ("gemini", "GET", re.compile(r"^/v1beta/batches$"), gemini_list),
    ("gemini", "GET", re.compile(r"^/v1beta/batches/([^/:]+)$"), gemini_get),
    ("gemini", "POST", re.compile(r"^/v1beta/batches/([^/:]+):cancel$"),
     gemini_cancel),
]
