// SPDX-License-Identifier: MIT
// Running a built example from a test: the command's exit status and what it
// printed, and a fresh scratch folder per test.
#pragma once

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

namespace test_examples {

struct Output {
  int status = -1;
  std::string text;  // stdout, and stderr unless left out
};

// Runs a shell command line; with_stderr merges stderr into the text.
inline Output run_command(const std::string& command_line, bool with_stderr = true) {
  const std::string command = command_line + (with_stderr ? " 2>&1" : " 2>/dev/null");
  Output out;
  FILE* pipe = popen(command.c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.text.append(buffer.data(), n);
  const int status = pclose(pipe);
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// The k-th command-line argument of the test program (a built example's path).
inline std::string program_argument(int k) {
  auto& suite = boost::unit_test::framework::master_test_suite();
  BOOST_REQUIRE_MESSAGE(suite.argc > k, "pass the example programs as arguments");
  return suite.argv[k];
}

// A fresh folder for one test's files.
inline std::filesystem::path scratch(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  std::filesystem::path dir = std::filesystem::temp_directory_path() / (prefix + std::to_string(rng()));
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace test_examples
