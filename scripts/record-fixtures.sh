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

python3 tests/fake_llm.py --port 0 --port-file "$tmp/port" \
  --script-dir fixtures/reviews &
server_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "record-fixtures.sh: fake server did not start" >&2; exit 1; }

rm -rf fixtures/exchanges
# The key is a placeholder: the fake server takes none, and no key is ever
# written into a fixture.
OPENAI_API_KEY=recording-placeholder ./build/shipskip review fixtures/tools \
  -o "$tmp/out" --base-url "http://127.0.0.1:$(cat "$tmp/port")/v1" \
  --record fixtures/exchanges --stamp-fixtures --concurrency 4
# Say what these replies are: pages made from a replay show this label, so
# nobody takes the samples for the output of the model the requests name.
printf '%s\n' "Hand-written sample replies, served by the fake server (tests/fake_llm.py) and recorded" \
  >fixtures/exchanges/LABEL
./build/shipskip fixtures check fixtures/exchanges
