#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds descent, installs it to a temporary prefix, then builds and runs four
# outside projects that use it the ways the README gives: a meson subproject,
# meson with pkg-config, CMake's find_package, and a plain compiler command line.
# Each project builds fit_line.cpp and exits non-zero unless its fit is right.
# Usage: tests/consumers/run.sh [WORK_DIR]   (default: a new temporary folder)
set -euo pipefail
consumers="$(cd "$(dirname "$0")" && pwd)"
source_dir="$(cd "$consumers/../.." && pwd)"
work="${1:-$(mktemp -d)}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
prefix="$work/prefix"
echo "consumers: working in $work"

# descent itself, as a user would install it: no tests, no examples.
meson setup "$work/descent-build" "$source_dir" --prefix "$prefix" -Dtests=false -Dexamples=false >/dev/null
ninja -C "$work/descent-build" >/dev/null
meson install -C "$work/descent-build" >/dev/null
test -f "$prefix/include/descent/descent.hpp" || { echo "consumers: descent.hpp was not installed"; exit 1; }

# Each consumer is its folder plus fit_line.cpp as main.cpp, copied out of the checkout.
project() {
  rm -rf "${work:?}/$1"
  cp -r "$consumers/$1" "$work/$1"
  cp "$consumers/fit_line.cpp" "$work/$1/main.cpp"
  echo; echo "--- consumer: $1"
}

# 1. descent as a meson subproject. --force-fallback-for keeps an installed descent out.
project meson_subproject
mkdir -p "$work/meson_subproject/subprojects"
ln -s "$source_dir" "$work/meson_subproject/subprojects/descent"
(cd "$work/meson_subproject" && meson setup build --force-fallback-for=descent >/dev/null && ninja -C build >/dev/null)
"$work/meson_subproject/build/fit_line"
# As a subproject, descent builds its library and nothing else, and installs nothing.
targets="$(meson introspect --targets "$work/meson_subproject/build" | python3 -c \
  'import json, sys; print(" ".join(sorted(t["name"] for t in json.load(sys.stdin))))')"
[ "$targets" = "descent fit_line" ] || { echo "consumers: the subproject built more than its library: $targets"; exit 1; }
installed="$(meson introspect --installed "$work/meson_subproject/build")"
[ "$installed" = "{}" ] || { echo "consumers: the subproject would install $installed"; exit 1; }

# 2. to 4. find the installed tree.
export PKG_CONFIG_PATH="$(dirname "$(find "$prefix" -name descent.pc)")"
export CMAKE_PREFIX_PATH="$prefix"

project meson_pkgconfig
(cd "$work/meson_pkgconfig" && meson setup build >/dev/null && ninja -C build >/dev/null)
"$work/meson_pkgconfig/build/fit_line"

project cmake
cmake -S "$work/cmake" -B "$work/cmake/build" >/dev/null && cmake --build "$work/cmake/build" >/dev/null
"$work/cmake/build/fit_line"

project command_line
sh "$work/command_line/build.sh"
"$work/command_line/fit_line"

echo; echo "consumers: all four built and fitted the line"
