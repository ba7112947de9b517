#!/usr/bin/env bash
# test.sh: install what is missing, build, and run the whole test suite.
#
#   scripts/test.sh               Release build, ctest
#   scripts/test.sh --sanitize    the same suite under ASan+UBSan
#
# Debian's Chromium is installed too (setup.sh --with-browser), so the
# browser check of the published pages runs with the rest of the suite.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-browser "$@"
build_dir=build
for arg in "$@"; do
  [ "$arg" = "--sanitize" ] && build_dir=build-asan
done
# Leak checks stay on under ASan; a leak fails the test that leaked.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
