#!/usr/bin/env bash
# setup.sh: install what shipskip needs (Debian packages, only when missing)
# and build it.
#
#   scripts/setup.sh              Release build in build/
#   scripts/setup.sh --sanitize   Debug build with ASan+UBSan in build-asan/
#   scripts/setup.sh --with-browser   also install Chromium (scripts/check-site.sh)
#   scripts/setup.sh --target=NAME    build only that target (demo.sh: shipskip)
#
# Safe to run again: installed packages are skipped, the build is incremental.
set -euo pipefail

cd "$(dirname "$0")/.."

build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE=Release)
with_browser=0
target=()
for arg in "$@"; do
  case "$arg" in
    --target=*)
      target=(--target "${arg#--target=}") ;;
    --with-browser)
      with_browser=1 ;;
    --sanitize)
      build_dir=build-asan
      cmake_args=(-DCMAKE_BUILD_TYPE=Debug -DSHIPSKIP_SANITIZE=ON)
      ;;
    -h|--help)
      sed -n '2,10p' "$0"; exit 0 ;;
    *)
      echo "setup.sh: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

# jq: the docs' examples use it, and ctest docs runs them.
packages=(gcc make cmake pkg-config python3 libuv1-dev libcurl4-openssl-dev
          libcjson-dev libpcre2-dev jq)
if [ "$with_browser" -eq 1 ]; then
  packages+=(chromium)
fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "setup.sh: need root (or sudo) to install: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" "${target[@]}"
echo "setup.sh: built $build_dir/shipskip" >&2
