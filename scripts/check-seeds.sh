#!/usr/bin/env bash
# check-seeds.sh: shipskip judged on the twelve published reviews.
#
# Reads the seed pages from ../shared/seeds (beside the clone; SEEDS_DIR to
# point elsewhere) at run time with scripts/seeds.py, writes each published
# review as a reply in every accepted form (the three-line contract, the
# pages' compact "SCORE: NN/100 · ship" line, a bare JSON object and one in
# a ```json fence) to a temporary directory, DIR/<slug>/<persona>.txt, and
# runs two checks. Nothing of the pages' prose is stored.
#
# 1. The validator: `shipskip personas check --replies DIR --tools
#    fixtures/tools` with the default rubric policy and the panel of
#    personas/ must accept all twelve on the first attempt in every form,
#    each with its published score and verdict (for Mistral Medium 3.2,
#    whose scores the pages do not show, the verdicts are the published ones
#    and the scores are chosen by seeds.py, see there).
# 2. End to end, for the lines, compact and JSON forms: tests/fake_llm.py
#    serves those exact replies (--script-dir), `shipskip review` reviews the
#    three seed tools of fixtures/tools through it, and the scorecards must
#    hold the published panels (Gemini 2.5 Flash Lite ship 4/0 100%, Code
#    Llama 4 ship 3/1 75%, Mistral Medium 3.2 ship 3/1 75%) with every
#    review's score and verdict, after exactly 12 requests: no re-ask.
#
# The binary is SHIPSKIP_BIN (ctest sets it), else build/shipskip. Exit 0
# when all pass, 1 otherwise.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seeds=${SEEDS_DIR:-$root/../shared/seeds}
bin=${SHIPSKIP_BIN:-$root/build/shipskip}
[ -d "$seeds" ] || { echo "check-seeds: no seed pages at $seeds" >&2; exit 1; }
[ -x "$bin" ] || { echo "check-seeds: no shipskip at $bin (build first)" >&2; exit 1; }

tmp=$(mktemp -d)
server_pid=
cleanup() {
  # Only the server this script started, by its PID.
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
status=0

# ---- 1. the validator, through the real binary
for form in lines compact json json-fence; do
  mkdir "$tmp/$form"
  python3 "$root/scripts/seeds.py" --seeds "$seeds" --form "$form" "$tmp/$form"
  # The TSV is not a reply: keep it out of the directory that is checked.
  mv "$tmp/$form/expected.tsv" "$tmp/$form.tsv"
  if ! "$bin" personas check --replies "$tmp/$form" \
      --personas-dir "$root/personas" --tools "$root/fixtures/tools" \
      > "$tmp/$form.out"; then
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

# ---- 2. end to end: the fake server answers with the published replies
start_server() { # script-dir log
  rm -f "$tmp/port"
  python3 "$root/tests/fake_llm.py" --host 127.0.0.1 --port 0 \
    --port-file "$tmp/port" --script-dir "$1" --log "$2" &
  server_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$tmp/port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "check-seeds: the fake server did not start" >&2
  return 1
}

stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

# Asserts the scorecards in $1 against the published panels and the TSV $2,
# and the request log $3 (12 requests, each a first attempt answered 200).
check_cards() { # outdir tsv log form
  python3 - "$@" <<'EOF'
import json, sys

out, tsv, log, form = sys.argv[1:5]
panels = {"gemini-2-5-flash-lite": ("Ship", 4, 0, 100),
          "code-llama-4": ("Ship", 3, 1, 75),
          "mistral-medium-3-2": ("Ship", 3, 1, 75)}
want = {}
with open(tsv, encoding="utf-8") as f:
    for line in f:
        slug, persona, score, verdict, _ = line.rstrip("\n").split("\t")
        want[(slug, persona)] = (int(score), verdict)
bad = []
for slug, (verdict, ships, skips, pct) in panels.items():
    with open("%s/%s.json" % (out, slug), encoding="utf-8") as f:
        card = json.load(f)
    p = card["panel"]
    got = (p.get("verdict"), p.get("ships"), p.get("skips"),
           p.get("ship_percent"))
    if got != (verdict, ships, skips, pct):
        bad.append("%s: panel %s, published %s" %
                   (slug, got, (verdict, ships, skips, pct)))
    seen = 0
    for r in card["reviews"]:
        key = (slug, r.get("persona"))
        if key not in want:
            continue
        seen += 1
        if (r.get("score"), r.get("verdict")) != want[key]:
            bad.append("%s/%s: %s/100 %s, published %d/100 %s" %
                       (slug, key[1], r.get("score"), r.get("verdict"),
                        *want[key]))
    if seen != 4:
        bad.append("%s: %d of its 4 published reviews" % (slug, seen))
with open(log, encoding="utf-8") as f:
    reqs = [json.loads(line) for line in f if line.strip()]
if len(reqs) != 12:
    bad.append("%d requests, not 12" % len(reqs))
for r in reqs:
    if r.get("status") != 200 or r.get("fault") != "scripted" \
            or r.get("assistant_turns") != 0:
        bad.append("request %s: status %s, fault %s, %s assistant turns" %
                   (r.get("n"), r.get("status"), r.get("fault"),
                    r.get("assistant_turns")))
for b in bad:
    print("check-seeds: %s: %s" % (form, b), file=sys.stderr)
if bad:
    sys.exit(1)
print("check-seeds: %s end to end: %d requests; %s; every score as "
      "published" % (form, len(reqs), ", ".join(
          "%s %s %d/%d %d%%" % ((slug,) + p) for slug, p in panels.items())))
EOF
}

for form in lines compact json; do
  log="$tmp/$form.log"
  start_server "$tmp/$form" "$log" || { status=1; break; }
  port=$(cat "$tmp/port")
  if ! OPENAI_API_KEY=sk-seeds "$bin" review \
      "$root/fixtures/tools/gemini-2-5-flash-lite.json" \
      "$root/fixtures/tools/code-llama-4.json" \
      "$root/fixtures/tools/mistral-medium-3-2.json" \
      -o "$tmp/$form.cards" --personas-dir "$root/personas" \
      --prompts-dir "$root/prompts" \
      --base-url "http://127.0.0.1:$port/v1" --no-progress \
      > "$tmp/$form.review" 2>&1; then
    echo "check-seeds: $form: review failed:" >&2
    cat "$tmp/$form.review" >&2
    status=1
  fi
  stop_server
  check_cards "$tmp/$form.cards" "$tmp/$form.tsv" "$log" "$form" || status=1
done
exit $status
