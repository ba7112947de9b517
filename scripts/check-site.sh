#!/usr/bin/env bash
# check-site.sh: build the static site from the sample scorecards and look at
# it in headless Chromium, as a reader would.
#
#   scripts/check-site.sh              check, and save docs/screenshots/*.png
#   SCREENSHOT_DIR=DIR scripts/check-site.sh     save the screenshots in DIR
#
# Steps: replay the sample reviews (fixtures/exchanges: no network, no key)
# into scorecards; build the site with the two published comparisons; build
# a second site around a hostile scorecard (tests/data/publish/evil-tool.json:
# markup, javascript: links and formulas in every field); open every page
# through scripts/check_site.py (no console errors, no network requests,
# self-contained, semantic tables, fits a phone, dark scheme, prints, and no
# planted markup runs; every page at 390, 1280 and 1600 px wide with every
# table column in view); then save screenshots of a tool page and a
# comparison page with Chromium's own --screenshot, and of the index at the
# three widths.
#
# Environment: SHIPSKIP_BIN (default build/shipskip), CHROMIUM (default
# /usr/bin/chromium; install it with scripts/setup.sh --with-browser),
# SCREENSHOT_DIR (default docs/screenshots).
set -euo pipefail

cd "$(dirname "$0")/.."
bin="${SHIPSKIP_BIN:-build/shipskip}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
shots="${SCREENSHOT_DIR:-docs/screenshots}"

if [ ! -x "$chromium" ]; then
  echo "check-site.sh: $chromium not found; run scripts/setup.sh --with-browser" >&2
  exit 2
fi
if [ ! -x "$bin" ]; then
  echo "check-site.sh: $bin not found; build first (scripts/setup.sh)" >&2
  exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "check-site.sh: replaying the sample reviews" >&2
"$bin" review fixtures/tools -o "$tmp/out" --replay fixtures/exchanges -q \
  --no-progress

# Two earlier nights (the same replay), so panel.html draws its
# night-by-night line charts too.
mkdir -p "$tmp/nights"
cp -r "$tmp/out" "$tmp/nights/2026-12-01"
cp -r "$tmp/out" "$tmp/nights/2026-12-02"

echo "check-site.sh: building the site" >&2
"$bin" site "$tmp/out" -o "$tmp/site" -q --trend "$tmp/nights" \
  --compare gemini-2-5-flash-lite:code-llama-4 \
  --compare gemini-2-5-flash-lite:mistral-medium-3-2

mkdir -p "$tmp/evil"
cp tests/data/publish/evil-tool.json "$tmp/out/gemini-2-5-flash-lite.json" \
  "$tmp/evil/"
"$bin" site "$tmp/evil" -o "$tmp/evil-site" -q --compare evil-tool:gemini-2-5-flash-lite

pages=("$tmp/site/index.html" "$tmp/site/by-score.html" "$tmp/site/by-name.html")
pages+=("$tmp/site/panel.html")
pages+=("$tmp"/site/tools/*.html "$tmp"/site/compare/*.html)
for p in "${pages[@]}"; do
  [ -s "$p" ] || { echo "check-site.sh: $p is missing or empty" >&2; exit 1; }
done

echo "check-site.sh: opening ${#pages[@]} pages in Chromium" >&2
mkdir -p "$tmp/shots"
python3 scripts/check_site.py --chromium "$chromium" --shots "$tmp/shots" \
  "${pages[@]}"

echo "check-site.sh: opening the hostile pages" >&2
python3 scripts/check_site.py --chromium "$chromium" --hostile-flag __pwned \
  "$tmp"/evil-site/index.html "$tmp"/evil-site/panel.html \
  "$tmp"/evil-site/tools/*.html \
  "$tmp"/evil-site/compare/*.html

# Chromium's own screenshot mode, at a desktop size. Each run gets a fresh
# profile so nothing is shared between them or with the checks above.
screenshot() {
  local page="$1" png="$2" profile
  profile="$(mktemp -d "$tmp/profile.XXXXXX")"
  "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size=1200,1600 \
    --screenshot="$png" "file://$(realpath "$page")" \
    >"$tmp/screenshot.log" 2>&1 || {
      cat "$tmp/screenshot.log" >&2
      echo "check-site.sh: screenshot of $page failed" >&2
      exit 1
    }
  # A PNG starts with these eight bytes.
  if [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then
    echo "check-site.sh: $png is not a PNG" >&2
    exit 1
  fi
}

mkdir -p "$shots"
screenshot "$tmp/site/tools/gemini-2-5-flash-lite.html" "$shots/tool-page.png"
screenshot "$tmp/site/compare/gemini-2-5-flash-lite-vs-code-llama-4.html" \
  "$shots/compare.png"
screenshot "$tmp/site/panel.html" "$shots/panel.png"
# The index as a phone and two desktop windows show it; check_site.py has
# already checked that every column fits at each of these widths.
for w in 390 1280 1600; do
  cp "$tmp/shots/index-$w.png" "$shots/index-$w.png"
done
echo "check-site.sh: all pages passed; screenshots in $shots/" >&2
