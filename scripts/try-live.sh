#!/usr/bin/env bash
# try-live.sh: run one shipskip command live, with no API key, against the
# bundled fake LLM server (tests/fake_llm.py), to see a real run: requests,
# progress, re-asks, scorecards.
#
#   bash scripts/try-live.sh review fixtures/tools -o live
#   bash scripts/try-live.sh draft fixtures/tools/flintest.json
#
# The server speaks OpenAI's chat completions on 127.0.0.1 (a free port) and
# answers every persona with a sample reply in the reply contract; it is not
# a model, and the scorecards are no one's opinion. It is stopped when the
# command ends. Paths are taken from where you run it; shipskip is built
# first if build/shipskip is missing (quietly: the log is shown on failure).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="$repo/build/shipskip"
if [ $# -eq 0 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ ! -x "$bin" ]; then
  echo "try-live.sh: building shipskip (log: $tmp/build.log)" >&2
  bash "$repo/scripts/setup.sh" >"$tmp/build.log" 2>&1 || {
    cat "$tmp/build.log" >&2
    exit 1
  }
fi

python3 "$repo/tests/fake_llm.py" --port 0 --port-file "$tmp/port" &
server_pid=$!
for _ in $(seq 200); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "try-live.sh: the fake server did not start" >&2; exit 1; }
url="http://127.0.0.1:$(cat "$tmp/port")/v1"
echo "try-live.sh: fake LLM server at $url (sample replies, not a model)" >&2

# No key is needed; the placeholder never leaves this machine.
status=0
OPENAI_API_KEY=try-live-placeholder OPENAI_BASE_URL="$url" "$bin" "$@" || status=$?
exit "$status"
