#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (clang, -Dfuzz=true) and runs each for N seconds
# (default 60) from scratch copies of fuzz/corpus/, so the committed corpora stay
# small. Exits non-zero when a target finds a crash, a leak or a sanitizer report;
# the input that triggered it is kept in <build>/fuzz-artifacts/.
# Usage: fuzz/run.sh [seconds]    (build folder: $FUZZ_BUILD_DIR, default build-fuzz)
set -eu

seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
  CXX=${CXX:-clang++} meson setup "$build" "$root" -Dfuzz=true -Dtests=false
else
  meson configure "$build" -Dfuzz=true -Dtests=false
fi
ninja -C "$build" fuzz/csv_fuzz fuzz/idx_fuzz

artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

status=0
for target in csv idx; do
  mkdir "$work/$target"
  cp "$root/fuzz/corpus/$target/"* "$work/$target/"
  echo "== ${target}_fuzz for ${seconds}s"
  if ! "$build/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=10 \
       -artifact_prefix="$artifacts/$target-" -print_final_stats=1 "$work/$target"; then
    echo "== ${target}_fuzz FAILED: see the report above and $artifacts/" >&2
    status=1
  fi
done
exit $status
