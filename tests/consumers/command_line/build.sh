#!/bin/sh
# SPDX-License-Identifier: MIT
# A user's plain compiler command line: pkg-config gives every flag but the C++ standard.
set -eu
cd "$(dirname "$0")"
${CXX:-c++} -std=c++20 main.cpp $(pkg-config --cflags --libs descent) -o fit_line
