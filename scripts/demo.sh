#!/usr/bin/env bash
# demo.sh: build shipskip and review the bundled sample tools offline.
#
# Until recorded fixtures can be replayed, the demo starts the project's fake
# LLM server (tests/fake_llm.py) on 127.0.0.1 and points shipskip at it: no
# network and no real API key are involved. Scorecards land in out/ (or $1).
set -euo pipefail

cd "$(dirname "$0")/.."
outdir="${1:-out}"
bash scripts/setup.sh

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

python3 tests/fake_llm.py --port 0 --port-file "$tmp/port" --latency-ms 20 &
server_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "demo.sh: fake server did not start" >&2; exit 1; }

OPENAI_API_KEY=demo-key-not-secret ./build/shipskip review fixtures/tools \
  -o "$outdir" --base-url "http://127.0.0.1:$(cat "$tmp/port")/v1" \
  --model fake-1 --concurrency 8
echo "demo.sh: open $outdir/code-llama-4.md for an editor's draft" >&2
