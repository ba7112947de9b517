#!/usr/bin/env bash
# nightly.sh: the unattended nightly review of every tool submitted that day.
#
#   scripts/nightly.sh INBOX [OUTROOT]
#
# INBOX holds the day's submissions (*.json, *.jsonl, *.ndjson). Scorecards,
# the journal and the summary go to OUTROOT/<date>/ (OUTROOT defaults to
# nightly/). Relative paths, here and in the settings below, are taken from
# the directory you run it in, as with any command (so is ./shipskip.json). Rerunning on the same day resumes: reviews already journaled
# are not requested (or paid for) again. Settings come from the environment:
#
#   SHIPSKIP_BIN        the binary (default: the repository's build/shipskip,
#                       built if missing)
#   SHIPSKIP_DATE       the run's date (default: today, UTC, YYYY-MM-DD)
#   SHIPSKIP_ARGS       extra review options, e.g. "--model gpt-4o-mini --rpm 500"
#   SHIPSKIP_DEADLINE   stop starting work after this (default 6h)
#   SHIPSKIP_SHARD      I/N to review one shard on this machine (optional);
#                       summary.json records the shard and a digest of the
#                       inbox, and `shipskip merge` of the N outputs refuses
#                       a set with a shard missing, repeated, stopped before
#                       the end of its input or made from another inbox
#                       (rerun that shard; --allow-partial merges anyway)
#   OPENAI_API_KEY      (or the variable your provider uses)
#
# The latest earlier run under OUTROOT (the newest <date> folder before this
# one with a summary.json) is the baseline: the summary's "drift" names the
# tools whose panel verdict flipped since, and personas whose ship rate or
# mean score moved beyond chance (docs/PANEL-STATS.md); add --fail-on-drift
# to SHIPSKIP_ARGS to make drift fail the run. `shipskip site OUTDIR --trend
# OUTROOT` then charts the last runs night by night.
#
# Exit status, for the scheduler: 0 every tool reviewed; 1 some tools failed
# or were left for the next run (see OUTROOT/<date>/summary.json); 2 a usage
# or configuration error (nothing was sent); 130/143 stopped by a signal
# (rerun to resume).
set -uo pipefail

# Only the default binary and its build are the repository's; everything
# else stays relative to the caller's directory.
repo="$(cd "$(dirname "$0")/.." && pwd)"
inbox="${1:?usage: nightly.sh INBOX [OUTROOT]}"
outroot="${2:-nightly}"
day="${SHIPSKIP_DATE:-$(date -u +%F)}"
bin="${SHIPSKIP_BIN:-$repo/build/shipskip}"
deadline="${SHIPSKIP_DEADLINE:-6h}"
outdir="$outroot/$day"

if [ ! -x "$bin" ]; then
  bash "$repo/scripts/setup.sh" >&2 || exit 2
fi
if [ ! -d "$inbox" ]; then
  echo "nightly.sh: inbox '$inbox' is not a directory" >&2
  exit 2
fi

args=(review "$inbox" -o "$outdir" --deadline "$deadline" --no-progress)
[ -n "${SHIPSKIP_SHARD:-}" ] && args+=(--shard "$SHIPSKIP_SHARD")
# A journal from an earlier run today means this is a rerun: resume it.
[ -s "$outdir/journal.jsonl" ] && args+=(--resume)
# The baseline: date folders sort by name, so the last one before today is
# the previous run.
baseline=""
for prev in "$outroot"/*/; do
  prev="${prev%/}"
  name="${prev##*/}"
  if [[ "$name" < "$day" ]] && [ -s "$prev/summary.json" ]; then
    baseline="$prev"
  fi
done
[ -n "$baseline" ] && args+=(--baseline "$baseline")
# shellcheck disable=SC2206
[ -n "${SHIPSKIP_ARGS:-}" ] && args+=($SHIPSKIP_ARGS)

echo "nightly.sh: $day: ${args[*]}" >&2
"$bin" "${args[@]}" --log-json "$outdir.events.jsonl"
status=$?
echo "nightly.sh: $day${SHIPSKIP_SHARD:+ (shard $SHIPSKIP_SHARD)}: exit $status;" \
  "summary in $outdir/summary.json" >&2
exit "$status"
