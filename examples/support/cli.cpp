// SPDX-License-Identifier: MIT
// CLI11 validators that read the flag's text with std::from_chars (the whole
// text, no locale, no wrap-around), the shared parse, and the output checks.
#include "examples/support/cli.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace examples {

namespace {

// The text as a number of type T when it is one in full, else nullopt.
template <class T>
std::optional<T> parse_whole(const std::string& text) {
  T value{};
  const char* first = text.data();
  if (text.size() > 1 && text[0] == '+') ++first;  // "+3" as people write it
  const auto [end, ec] = std::from_chars(first, text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

CLI::Validator real_at_least(double low, bool strict, const char* description) {
  return CLI::Validator(
      [low, strict, description](std::string& text) -> std::string {
        const auto value = parse_whole<double>(text);
        const bool ok = value && std::isfinite(*value) && (strict ? *value > low : *value >= low);
        return ok ? std::string() : fmt::format("needs {}, got '{}'", description, text);
      },
      strict ? "X > 0" : "X >= 0");
}

}  // namespace

CLI::Validator positive_real() { return real_at_least(0.0, true, "a finite number > 0"); }

CLI::Validator non_negative_real() { return real_at_least(0.0, false, "a finite number >= 0"); }

CLI::Validator integer_in(std::int64_t low, std::int64_t high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        const auto value = parse_whole<std::int64_t>(text);
        if (value && *value >= low && *value <= high) return {};
        return fmt::format("needs a whole number in [{}, {}], got '{}'", low, high, text);
      },
      fmt::format("N in [{}, {}]", low, high));
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    fmt::print("{}", app.help());
    return 0;
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: error: {}\nrun '{} --help' for the flags\n", app.get_name(), e.what(), app.get_name());
    return 2;
  }
  return std::nullopt;
}

void check_output_folder(std::string_view flag, const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec || !std::filesystem::is_directory(folder)) {
    throw std::runtime_error(fmt::format("{} {}: cannot create this folder: {}", flag, folder.string(),
                                         ec ? ec.message() : "a file of that name is in the way"));
  }
  // Creating a file is the only reliable test (access() ignores read-only mounts for root).
  std::string probe = (folder / ".descent-write-test-XXXXXX").string();
  const int fd = mkstemp(probe.data());
  if (fd < 0) {
    throw std::runtime_error(
        fmt::format("{} {}: cannot write in this folder: {}", flag, folder.string(), std::strerror(errno)));
  }
  close(fd);
  unlink(probe.c_str());
}

void check_output_file(std::string_view flag, const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw std::runtime_error(fmt::format("{} {}: this is a folder; give a file name", flag, file.string()));
  }
  const std::filesystem::path folder = file.parent_path().empty() ? "." : file.parent_path();
  check_output_folder(flag, folder);
}

}  // namespace examples
