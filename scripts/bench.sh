#!/usr/bin/env bash
# bench.sh: how close a review batch comes to ceil(R/C) x L, and what it
# costs, against the fake OpenAI-compatible server, with curl --parallel as
# the reference in the same run (scripts/bench.py does the measuring).
#
#   scripts/bench.sh            default matrix (every N, C and L at least once,
#                               the target cells 3 times; about 6 minutes);
#                               updates docs/BENCHMARKS.md and
#                               docs/bench-results.json
#   scripts/bench.sh --quick    a one-minute check; writes no docs
#   scripts/bench.sh --full     every N x C x L, 3 times (hours)
#   scripts/bench.sh --help     the measuring script's other options
#
# Installs what is missing (the build's packages, curl, time, python3),
# builds a Release binary in build-bench/ (apart from build/), and exits 0
# when every target is met, 1 when one is missed, 2 on an error.
set -euo pipefail

cd "$(dirname "$0")/.."

packages=(gcc make cmake pkg-config python3 libuv1-dev libcurl4-openssl-dev
          libcjson-dev libpcre2-dev curl time)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bench.sh: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "bench.sh: need root (or sudo) to install: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for arg in "$@"; do
  case "$arg" in
    -h|--help) exec python3 scripts/bench.py --help ;;
  esac
done

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j "$(nproc)" --target shipskip >/dev/null
exec python3 scripts/bench.py --binary build-bench/shipskip "$@"
