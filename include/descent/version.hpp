// SPDX-License-Identifier: MIT
// descent's version, for code that must tell releases apart at compile time.
// meson.build checks that DESCENT_VERSION matches the project's version.
#pragma once

#define DESCENT_VERSION "0.2.0"
#define DESCENT_VERSION_MAJOR 0
#define DESCENT_VERSION_MINOR 2
#define DESCENT_VERSION_PATCH 0
