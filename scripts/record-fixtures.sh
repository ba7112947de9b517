#!/usr/bin/env bash
# record-fixtures.sh: re-record the bundled sample exchanges in
# fixtures/exchanges/ from the hand-written replies in fixtures/reviews/.
#
# The fake LLM server answers each sample tool and persona with the exact
# reply in fixtures/reviews/<slug>/<persona>.txt (and <persona>.first.txt on a
# first attempt, which makes a recorded re-ask). shipskip sends exactly what it
# would send to OpenAI with the default model; every exchange is recorded.
# Afterwards `shipskip review fixtures/tools -o out --replay fixtures/exchanges`
# reproduces the sample scorecards offline.
#
# Then the structured-output sample, fixtures/structured/: its tool reviewed
# by a mixed panel (fixtures/structured/shipskip.json: Anthropic, Gemini,
# Ollama and llama.cpp's server, each asked in its native structured form)
# from the replies in fixtures/structured/reviews/, recorded into
# fixtures/structured/exchanges/. The text-contract exchanges above are
# recorded exactly as before.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Starts the fake server answering from the replies in $1.
start_server() {
  rm -f "$tmp/port"
  python3 tests/fake_llm.py --port 0 --port-file "$tmp/port" \
    --script-dir "$1" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
  [ -s "$tmp/port" ] || { echo "record-fixtures.sh: fake server did not start" >&2; exit 1; }
}

# Stops the server started last.
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

start_server fixtures/reviews

rm -rf fixtures/exchanges
# The key is a placeholder: the fake server takes none, and no key is ever
# written into a fixture.
OPENAI_API_KEY=recording-placeholder ./build/shipskip review fixtures/tools \
  -o "$tmp/out" --base-url "http://127.0.0.1:$(cat "$tmp/port")/v1" \
  --record fixtures/exchanges --stamp-fixtures --concurrency 4
# Say what these replies are: pages made from a replay show this label, so
# nobody takes the samples for the output of the model the requests name.
label="Hand-written sample replies, served by the fake server (tests/fake_llm.py) and recorded"
printf '%s\n' "$label" >fixtures/exchanges/LABEL
./build/shipskip fixtures check fixtures/exchanges

# The structured-output sample: the same panel config with every base URL
# pointed at the fake server (the host is not part of a fixture's key).
stop_server
start_server fixtures/structured/reviews
port="$(cat "$tmp/port")"
python3 - "$port" fixtures/structured/shipskip.json "$tmp/structured.json" <<'PY'
import json, sys
port, src, dst = sys.argv[1:]
cfg = json.load(open(src, encoding="utf-8"))
for p in cfg["providers"].values():
    root = f"http://127.0.0.1:{port}"
    p["base_url"] = root + "/v1" if p["type"] == "llamacpp" else root
json.dump(cfg, open(dst, "w", encoding="utf-8"))
PY
rm -rf fixtures/structured/exchanges
ANTHROPIC_API_KEY=recording-placeholder GEMINI_API_KEY=recording-placeholder \
  ./build/shipskip review fixtures/structured/tools -o "$tmp/out-structured" \
  --config "$tmp/structured.json" --record fixtures/structured/exchanges \
  --stamp-fixtures --concurrency 4
printf '%s\n' "$label" >fixtures/structured/exchanges/LABEL
./build/shipskip fixtures check fixtures/structured/exchanges
