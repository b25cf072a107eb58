// SPDX-License-Identifier: MIT
// The examples' command lines, parsed by CLI11 in one place: checks of a flag's
// text that name the flag, the parse with --help and exit codes, and the checks
// that an output path can be written before any training starts.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace examples {

// The largest value a whole-number flag can take: "no limit" in the ranges below.
constexpr std::int64_t kNoLimit = std::numeric_limits<std::int64_t>::max();

// A real number written in full ("1e-3", not "1e-3xyz"), finite and > 0.
CLI::Validator positive_real();
// A real number written in full, finite and >= 0.
CLI::Validator non_negative_real();
// A whole number written in full (no sign wrap-around: "-1" is not 2^64 - 1) in [low, high].
CLI::Validator integer_in(std::int64_t low, std::int64_t high);

// A whole-number flag in [low, high], with its default shown by --help.
template <class T>
CLI::Option* add_whole_number(CLI::App& app, const std::string& name, T& value, std::int64_t low, std::int64_t high,
                              const std::string& description) {
  return app.add_option(name, value, description)->check(integer_in(low, high))->capture_default_str();
}

// A flag without a default: value stays empty unless the flag is given.
template <class T>
CLI::Option* add_optional(CLI::App& app, const std::string& name, std::optional<T>& value,
                          const std::string& description) {
  return app.add_option_function<T>(name, [&value](const T& given) { value = given; }, description);
}

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
