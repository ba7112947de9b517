#!/usr/bin/env bash
# package.sh: build the Debian package and try it as a user would get it.
#
#   scripts/package.sh
#
# Builds build/ (setup.sh), makes build/package/shipskip_<version>_<arch>.deb
# with `cpack -G DEB`, unpacks it into a temporary root with `dpkg -x`, and
# from another directory runs the demo with the unpacked binary: it must
# find the unpacked personas and prompts (not its built-in copy) and replay
# the bundled sample tools into scorecards byte for byte the same as the
# build tree's. The man page must render and the completions parse. CI runs
# it (.ci/run). Needs dpkg-deb (dpkg) and groff (man-db), both on Debian.
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/shipskip-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Build output goes to a log, shown only when something fails.
quietly() {
  if ! "$@" >"$work/log" 2>&1; then
    cat "$work/log" >&2
    echo "package.sh: failed: $*" >&2
    exit 1
  fi
}
fail() {
  echo "package.sh: $*" >&2
  exit 1
}

quietly bash scripts/setup.sh
rm -rf build/package
quietly cpack --config build/CPackConfig.cmake -G DEB -B build/package
deb=$(ls build/package/shipskip_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libuv libcurl libcjson libpcre2-8; do
  case "$depends" in
    *"$lib"*) ;;
    *) fail "$deb: Depends ($depends) does not name $lib" ;;
  esac
done

root="$work/root"
dpkg -x "$deb" "$root"
bin="$root/usr/bin/shipskip"
[ -x "$bin" ] || fail "$deb holds no usr/bin/shipskip"
mkdir "$work/elsewhere"
cd "$work/elsewhere"
# The installed data, not the copy built into the binary.
"$bin" personas list >"$work/personas.txt"
grep -q "(order 10, $root/usr/share/shipskip/personas/builder.json)" \
  "$work/personas.txt" || fail "the unpacked binary did not use the unpacked personas: $(head -1 "$work/personas.txt")"
"$bin" review "$repo/fixtures/tools" -o "$work/deb-out" \
  --replay "$repo/fixtures/exchanges" -q
cd "$repo"
./build/shipskip review fixtures/tools -o "$work/tree-out" \
  --replay fixtures/exchanges -q
diff -r -x summary.json -x summary.csv -x journal.jsonl \
  "$work/tree-out" "$work/deb-out" >&2 ||
  fail "the packaged binary's scorecards differ from the build tree's"

warnings=$(groff -man -Tutf8 -ww -z "$root/usr/share/man/man1/shipskip.1" 2>&1)
[ -z "$warnings" ] || fail "shipskip.1: $warnings"
bash -n "$root/usr/share/bash-completion/completions/shipskip" ||
  fail "the bash completion does not parse"
[ -s "$root/usr/share/zsh/site-functions/_shipskip" ] ||
  fail "the zsh completion is missing"

echo "package.sh: $deb ($depends): unpacked, replayed from another" \
  "directory, same scorecards as the build tree" >&2
