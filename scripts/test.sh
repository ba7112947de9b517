#!/usr/bin/env bash
# test.sh: install what is missing, build, and run the whole test suite.
#
#   scripts/test.sh               Release build, ctest
#   scripts/test.sh --sanitize    the same suite under ASan+UBSan
#
# Debian's Chromium is installed too (setup.sh --with-browser), so the
# browser check of the published pages runs with the rest of the suite.
# Installing it needs root or sudo: without either, and without Chromium,
# the rest of the suite still runs and the script says plainly, before and
# after it, that the browser check did not run and how to enable it. CI
# runs as root, so there it always runs.
set -euo pipefail

cd "$(dirname "$0")/.."
browser=(--with-browser)
no_browser=""
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ "$(id -u)" -ne 0 ] &&
  ! command -v sudo >/dev/null 2>&1; then
  browser=()
  no_browser="test.sh: the browser check of the published pages (check_site) DID NOT RUN: Chromium is not installed, and installing it needs root or sudo. To run it, install it as root (apt-get install chromium, or scripts/setup.sh --with-browser) and run test.sh again; CI runs as root and always runs it."
  echo "$no_browser" >&2
fi
# Debian's English package descriptions, ~64,000 real write-ups of tools,
# feed the debian_slugs test (ctest registers it only where they are). A
# fresh machine may have package lists without them: fetch them once.
no_debian=""
if ! compgen -G "/var/lib/apt/lists/*Translation-en*" >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq -o Acquire::Languages=en || true
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq -o Acquire::Languages=en || true
  fi
  compgen -G "/var/lib/apt/lists/*Translation-en*" >/dev/null ||
    no_debian="test.sh: the Debian package descriptions are not on this machine, so debian_slugs DID NOT RUN; as root: apt-get update -o Acquire::Languages=en"
fi
[ -z "$no_debian" ] || echo "$no_debian" >&2
bash scripts/setup.sh "${browser[@]}" "$@"
build_dir=build
for arg in "$@"; do
  [ "$arg" = "--sanitize" ] && build_dir=build-asan
done
# Leak checks stay on under ASan; a leak fails the test that leaked.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" || status=$?
# Said again after ctest's summary, where it will be read.
[ -z "$no_browser" ] || echo "$no_browser" >&2
[ -z "$no_debian" ] || echo "$no_debian" >&2
exit "$status"
