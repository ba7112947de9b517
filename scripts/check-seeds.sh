#!/usr/bin/env bash
# check-seeds.sh: the validator judged on the twelve published reviews.
#
# Reads the seed pages from ../shared/seeds (beside the clone; SEEDS_DIR to
# point elsewhere) at run time with scripts/seeds.py, writes each published
# review as a reply in every accepted form (the three-line contract, the
# pages' compact "SCORE: NN/100 · ship" line, a bare JSON object and one in
# a ```json fence) to a temporary directory, DIR/<slug>/<persona>.txt, and
# checks them with the default rubric policy, the tool records of
# fixtures/tools and the panel of personas/. Passes when all twelve are
# accepted on the first attempt in every form, each with its published
# score and verdict (for Mistral Medium 3.2, whose scores the pages do not
# show, the verdicts are the published ones and the scores are chosen by
# seeds.py, see there). Nothing of the pages' prose is stored.
#
# The checker is CHECK_REPLIES (the tests' check_replies driver; ctest sets
# it), else build/tests/check_replies. Exit 0 when all pass, 1 otherwise.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seeds=${SEEDS_DIR:-$root/../shared/seeds}
check=${CHECK_REPLIES:-$root/build/tests/check_replies}
[ -d "$seeds" ] || { echo "check-seeds: no seed pages at $seeds" >&2; exit 1; }
[ -x "$check" ] || { echo "check-seeds: no checker at $check (build first)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for form in lines compact json json-fence; do
  mkdir "$tmp/$form"
  python3 "$root/scripts/seeds.py" --seeds "$seeds" --form "$form" "$tmp/$form"
  expected="$tmp/$form/expected.tsv"
  # The TSV is not a reply: keep it out of the directory that is checked.
  mv "$expected" "$tmp/$form.tsv"
  if ! "$check" --personas "$root/personas" --tools "$root/fixtures/tools" \
      "$tmp/$form" > "$tmp/$form.out"; then
    echo "check-seeds: $form: not every published review was accepted:" >&2
    cat "$tmp/$form.out" >&2
    status=1
    continue
  fi
  # Every reply accepted with the figures it was written with.
  while IFS=$'\t' read -r slug persona score verdict figures; do
    if ! grep -q "^  $slug/$persona.txt  accepted  $score/100 $verdict  " \
        "$tmp/$form.out"; then
      echo "check-seeds: $form: $slug/$persona: not accepted as $score/100" \
           "$verdict ($figures)" >&2
      grep "  $slug/$persona.txt  " "$tmp/$form.out" >&2 || true
      status=1
    fi
  done < "$tmp/$form.tsv"
  n=$(wc -l < "$tmp/$form.tsv")
  [ "$n" -eq 12 ] || { echo "check-seeds: $form: $n reviews, not 12" >&2; status=1; }
  echo "check-seeds: $form: $(tail -n 1 "$tmp/$form.out")"
done
# The three panels as published: ships and skips per tool.
for panel in "gemini-2-5-flash-lite 4 0" "code-llama-4 3 1" "mistral-medium-3-2 3 1"; do
  set -- $panel
  ships=$(grep -c "^  $1/[a-z]*\.txt  accepted  [0-9]*/100 ship " "$tmp/lines.out" || true)
  skips=$(grep -c "^  $1/[a-z]*\.txt  accepted  [0-9]*/100 skip " "$tmp/lines.out" || true)
  if [ "$ships" != "$2" ] || [ "$skips" != "$3" ]; then
    echo "check-seeds: $1: $ships ship / $skips skip, published $2 / $3" >&2
    status=1
  else
    echo "check-seeds: $1: $ships ship / $skips skip, as published"
  fi
done
exit $status
