#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (clang, -Dfuzz=true) and runs each for N seconds
# (default 30) from scratch copies of fuzz/corpus/, so the committed corpora stay
# small. Exits non-zero when a target finds a crash, a leak or a sanitizer report;
# the input that triggered it is kept in <build>/fuzz-artifacts/.
# Usage: fuzz/run.sh [seconds]    (build folder: $FUZZ_BUILD_DIR, default build-fuzz)
set -eu

seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
  CXX=${CXX:-clang++} meson setup "$build" "$root" -Dfuzz=true -Dtests=false
else
  meson configure "$build" -Dfuzz=true -Dtests=false
fi
targets="csv idx idx_gzip model_file checkpoint"
ninja -C "$build" $(for t in $targets; do echo "fuzz/${t}_fuzz"; done)

artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

status=0
for target in $targets; do
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
