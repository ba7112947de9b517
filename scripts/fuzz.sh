#!/usr/bin/env bash
# fuzz.sh: build the libFuzzer targets of tests/fuzz with clang and run each
# for a while; fail if any of them crashes.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 30); TARGETs default to all of them. Installs
# what is missing with apt-get (as root, or through sudo): clang and, for
# libFuzzer itself, libclang-rt-14-dev (Debian 12 ships libFuzzer there, not
# in the clang package). Builds into build-fuzz/ with SHIPSKIP_FUZZ=ON
# (coverage, ASan, UBSan), then runs each fuzz_<target> over its seeds
# (tests/fuzz/corpus/<target>) and past crashes (tests/fuzz/regressions/
# <target>), growing its own corpus in build-fuzz/corpus/<target>. Prints
# executions, coverage (libFuzzer's cov: edges and ft: features) and the
# result per target. A crash leaves its input in build-fuzz/crashes/<target>/
# with a command to reproduce it; copy it into tests/fuzz/regressions/
# <target>/ with the fix, and ctest replays it on every build from then on.
#
# The journal reader (--resume) is covered by the journal target, the one
# scorecard reader (resume, the desk, publishing) by the scorecard target,
# the summaries `merge` reads back (shard sets) by the summary target.
set -euo pipefail

cd "$(dirname "$0")/.."

all_targets=(toolsrc template prompt provider_openai provider validate fixture
             inject journal draft scorecard trend jsonget summary batch)
seconds=30
if [ $# -gt 0 ]; then
  case "$1" in
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *[!0-9]*) ;;
    *) seconds=$1; shift ;;
  esac
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  if [ ! -f "tests/fuzz/fuzz_$t.c" ]; then
    echo "fuzz.sh: unknown target '$t' (targets: ${all_targets[*]})" >&2
    exit 2
  fi
done

packages=(clang libclang-rt-14-dev cmake make pkg-config python3 libuv1-dev
          libcurl4-openssl-dev libcjson-dev libpcre2-dev)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "fuzz.sh: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "fuzz.sh: need root (or sudo) to install: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

CC=clang cmake -S . -B build-fuzz -DSHIPSKIP_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target fuzz -j "$(nproc)" >/dev/null

export SK_SOURCE_DIR="$PWD"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p build-fuzz/logs

failed=0
summary=()
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  crashes=build-fuzz/crashes/$t
  log=build-fuzz/logs/$t.log
  mkdir -p "$corpus" "$crashes"
  echo "fuzz.sh: fuzz_$t for ${seconds}s" >&2
  # Seed and crash directories that exist: git keeps no empty directory,
  # and libFuzzer stops on a missing one.
  inputs=("$corpus")
  for d in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do
    [ -d "$d" ] && inputs+=("$d")
  done
  set +e
  "build-fuzz/tests/fuzz/fuzz_$t" "${inputs[@]}" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" >"$log" 2>&1
  rc=$?
  set -e
  # libFuzzer's final stats; a run that crashed early may lack some.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$( (grep -o 'cov: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
  ft=$( (grep -o 'ft: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
  corp=$( (grep -o 'corp: [0-9]*' "$log" || true) | tail -1 | cut -d' ' -f2)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="CRASH (exit $rc)"
    failed=1
    echo "fuzz.sh: fuzz_$t crashed; log: $log" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz invariant|.*runtime error)' "$log" \
      | head -5 >&2 || true
    for a in "$crashes"/*; do
      [ -e "$a" ] || continue
      echo "  input: $a" >&2
      echo "  reproduce: build-fuzz/tests/fuzz/fuzz_$t $a" >&2
    done
  fi
  summary+=("$(printf '%-16s %12s %9s %6s %7s %6s  %s' "$t" "${execs:-?}" \
    "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result")")
done

printf '%-16s %12s %9s %6s %7s %6s  %s\n' target executions exec/s cov ft \
  corpus result
for line in "${summary[@]}"; do
  echo "$line"
done
exit "$failed"
