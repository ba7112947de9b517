#!/usr/bin/env bash
# demo.sh: build shipskip and review the bundled sample tools offline.
#
# The reviews are replayed from the recorded exchanges in fixtures/exchanges/
# (see scripts/record-fixtures.sh): no network, no API key, no server. The
# scorecards land in out/ (or the directory given as $1), byte for byte the
# same on every machine. Only the shipskip binary is built, and quietly:
# the build's output goes to a log that is shown only when it fails.
set -euo pipefail

cd "$(dirname "$0")/.."
outdir="${1:-out}"
log=$(mktemp "${TMPDIR:-/tmp}/shipskip-demo-build.XXXXXX")
trap 'rm -f "$log"' EXIT
echo "demo.sh: installing what is missing and building build/shipskip..." >&2
if ! bash scripts/setup.sh --target=shipskip >"$log" 2>&1; then
  cat "$log" >&2
  echo "demo.sh: the build failed (its output is above)" >&2
  exit 1
fi
./build/shipskip review fixtures/tools -o "$outdir" --replay fixtures/exchanges
cat >&2 <<MSG
demo.sh: scorecards in $outdir/ (try $outdir/code-llama-4.md)
demo.sh: to see the pages: ./build/shipskip site $outdir
         then open $outdir/site/index.html in a browser
MSG
