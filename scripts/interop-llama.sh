#!/usr/bin/env bash
# interop-llama.sh: run shipskip against a real llama.cpp `llama-server` with
# structured output on, and show that every reply parses on the first
# attempt. Optional, not part of CI: it needs a llama.cpp build and a small
# GGUF model, which this script does not download.
#
# Getting llama.cpp's server (once):
#   git clone https://github.com/ggml-org/llama.cpp
#   cmake -S llama.cpp -B llama.cpp/build -DCMAKE_BUILD_TYPE=Release \
#     -DLLAMA_CURL=OFF
#   cmake --build llama.cpp/build --target llama-server -j"$(nproc)"
#   # the binary is llama.cpp/build/bin/llama-server
# A small model (about 400 MB, runs on a laptop CPU), for example Qwen2.5
# 0.5B Instruct in Q4_K_M from
#   https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF
#   (file qwen2.5-0.5b-instruct-q4_k_m.gguf)
# Any instruct GGUF works; a bigger one writes better reviews, not better-
# formed ones: the form is the schema's job.
#
# Usage:
#   LLAMA_SERVER=llama.cpp/build/bin/llama-server MODEL=qwen.gguf \
#     bash scripts/interop-llama.sh [TOOLS]
#   LLAMA_URL=http://127.0.0.1:8080/v1 bash scripts/interop-llama.sh [TOOLS]
# TOOLS defaults to fixtures/tools. With LLAMA_SERVER and MODEL the script
# starts the server on a free port (-c 16384 -np 4: 4 KiB of context per
# slot, room for a re-ask) and stops it at the end; with LLAMA_URL it uses
# a server already running.
#
# What it checks: shipskip reviews TOOLS through the "llamacpp" provider
# type with `--structured on` (the schema goes in llama.cpp's own
# "json_schema" field) and `--max-attempts 1`, writing a machine log. Every
# review must come back as a JSON object that parses with its score,
# verdict and review fields (a reply that does not parse, or lacks one,
# names it in the review's errors). The content may still miss the
# reviewer's bar (a tiny model writes thin reviews: word counts, rubric,
# naming the tool): those are counted and shown, not failures of the
# form. Exit 0 when every reply parsed on its first attempt, 1 otherwise.
set -euo pipefail

cd "$(dirname "$0")/.."
tools="${1:-fixtures/tools}"
bin="./build/shipskip"
[ -x "$bin" ] || { echo "interop-llama.sh: build shipskip first (cmake --build build)" >&2; exit 2; }

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ -n "${LLAMA_URL:-}" ]; then
  base="$LLAMA_URL"
elif [ -n "${LLAMA_SERVER:-}" ] && [ -n "${MODEL:-}" ]; then
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  "$LLAMA_SERVER" -m "$MODEL" --host 127.0.0.1 --port "$port" -c 16384 -np 4 \
    >"$tmp/server.log" 2>&1 &
  server_pid=$!
  base="http://127.0.0.1:$port/v1"
  # /health answers 503 "Loading model" until the model is in memory.
  for _ in $(seq 600); do
    if curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
    kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; echo "interop-llama.sh: llama-server exited" >&2; exit 2; }
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$port/health" >/dev/null || { echo "interop-llama.sh: llama-server never became healthy" >&2; exit 2; }
else
  sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

cat >"$tmp/shipskip.json" <<JSON
{"providers": {"llama": {"type": "llamacpp", "base_url": "$base", "structured": "on"}},
 "default": {"provider": "llama", "model": "default"}}
JSON

set +e
"$bin" review "$tools" -o "$tmp/out" --config "$tmp/shipskip.json" \
  --structured on --max-attempts 1 --max-tokens 1024 --concurrency 4 \
  --log-json "$tmp/log.jsonl" --no-progress
rc=$?
set -e
echo "shipskip exit status: $rc"

python3 - "$tmp/out" <<'PY'
import glob, json, os, re, sys
out = sys.argv[1]
# Messages that mean the reply was not a well-formed JSON object of the
# schema's fields (validate.c's wording for the JSON form).
FORM = re.compile(r"does not parse|is missing|must be a (number|string)|"
                  r"text after the JSON|not an object|escaped NUL|"
                  r"no SCORE|no VERDICT|no REVIEW|cut off")
# An HTTP or transport failure: no reply at all.
NO_REPLY = re.compile(r"gave up after|HTTP \d|no answer within|building the")
parsed = content = bad = 0
for path in sorted(glob.glob(os.path.join(out, "*.json"))):
    if os.path.basename(path) == "summary.json":
        continue
    card = json.load(open(path, encoding="utf-8"))
    for r in card["reviews"]:
        errs = r.get("errors") or []
        form = [e for e in errs if FORM.search(e)]
        where = f'{card["tool"]["slug"]}/{r["persona"]}'
        if form:
            bad += 1
            print(f"NOT PARSED  {where}: {form[0]}")
        elif errs and NO_REPLY.match(errs[0]):
            bad += 1
            print(f"NO REPLY    {where}: {errs[0]}")
        elif r["status"] == "ok":
            parsed += 1
            ev = len((r.get("rubric") or {}).get("evidence") or {})
            print(f"ok          {where}: {r['score']}/100 {r['verdict']}, "
                  f"{ev} evidence quote(s) found in the review")
        else:
            content += 1
            print(f"parsed      {where}: content refused: {errs[0]}")
print(f"\n{parsed + content} of {parsed + content + bad} replies parsed on "
      f"the first attempt ({parsed} accepted, {content} refused on content)")
sys.exit(1 if bad else 0)
PY
