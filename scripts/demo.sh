#!/usr/bin/env bash
# demo.sh: build shipskip and review the bundled sample tools offline.
#
# The reviews are replayed from the recorded exchanges in fixtures/exchanges/
# (see scripts/record-fixtures.sh): no network, no API key, no server. The
# scorecards land in out/ (or the directory given as $1), byte for byte the
# same on every machine.
set -euo pipefail

cd "$(dirname "$0")/.."
outdir="${1:-out}"
bash scripts/setup.sh
./build/shipskip review fixtures/tools -o "$outdir" --replay fixtures/exchanges
echo "demo.sh: scorecards in $outdir/ (try $outdir/code-llama-4.md)" >&2
