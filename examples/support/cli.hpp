// SPDX-License-Identifier: MIT
// The examples' command lines, parsed by CLI11 in one place: checks of a flag's
// text that name the flag, the parse with --help and exit codes, and the checks
// that an output path can be written before any training starts.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace examples {

// A real number written in full ("1e-3", not "1e-3xyz"), finite and > 0.
CLI::Validator positive_real();
// A real number written in full, finite and >= 0.
CLI::Validator non_negative_real();
// A whole number written in full (no sign wrap-around: "-1" is not 2^64 - 1) in [low, high].
CLI::Validator integer_in(std::int64_t low, std::int64_t high);

// Parses argv into the options of app. Returns the exit code when the program
// should stop now: 0 after printing --help, 2 after printing a bad flag's error
// (naming the flag) and a pointer to --help; nullopt when it should run.
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

// Creates the folder given with flag (and its parents) and proves it writable by
// creating and removing a file in it. Throws std::runtime_error naming the flag
// and the path otherwise, so that a bad --out stops a run before it trains.
void check_output_folder(std::string_view flag, const std::filesystem::path& folder);
// The same for a file to be written later: its folder is created and writable,
// and the path is not a folder itself.
void check_output_file(std::string_view flag, const std::filesystem::path& file);

}  // namespace examples
