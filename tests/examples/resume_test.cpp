// SPDX-License-Identifier: MIT
// --checkpoint and --resume of the mini-batch examples (char_lm, fashion_mnist,
// two_moons: their paths are the arguments): a process killed with SIGKILL once its first
// checkpoint is on disk, then resumed, saves models bit-identical to those of a
// run that was never interrupted.
#define BOOST_TEST_MODULE resume
#include <boost/test/unit_test.hpp>

#include "run_program.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fs = std::filesystem;
using test_examples::Output;

namespace {

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Runs program with args three ways: uninterrupted into dir/whole; killed once
// watched (a checkpoint file) exists, then resumed, into dir/resumed. Checks the
// models saved in both folders are the same bytes.
void check_kill_and_resume(const std::string& program, const std::string& args, const std::string& checkpoint_suffix,
                           std::initializer_list<std::string> models) {
  const fs::path dir = test_examples::scratch("descent_resume_");
  const std::string prog = "'" + program + "' " + args;
  const Output whole = test_examples::run_command(prog + " --out '" + (dir / "whole").string() + "'");
  if (whole.status == 77) {
    BOOST_TEST_MESSAGE("skipped: the example's data is not installed");
    fs::remove_all(dir);
    return;
  }
  BOOST_TEST_REQUIRE(whole.status == 0, whole.text);
  const fs::path checkpoint = dir / "run.ckpt";
  const fs::path watched = checkpoint.string() + checkpoint_suffix;
  const std::string resumable = prog + " --out '" + (dir / "resumed").string() + "' --checkpoint '" +
                                checkpoint.string() + "' --checkpoint-every 3";
  // SIGKILL as soon as the first checkpoint is renamed into place: no chance to clean up.
  const Output killed = test_examples::run_command(
      "(" + resumable + " >/dev/null 2>&1 & pid=$!; while [ ! -e '" + watched.string() +
      "' ] && kill -0 $pid 2>/dev/null; do sleep 0.01; done; kill -9 $pid; wait $pid; echo exit $?)");
  BOOST_TEST_REQUIRE(killed.text.find("exit 137") != std::string::npos, "not killed part-way: " << killed.text);
  const Output resumed = test_examples::run_command(resumable + " --resume");
  BOOST_TEST_REQUIRE(resumed.status == 0, resumed.text);
  BOOST_TEST(resumed.text.find("resumed from " + watched.string() + " after update") != std::string::npos,
             resumed.text);
  for (const std::string& model : models) {
    const std::string a = read_bytes(dir / "whole" / model);
    BOOST_TEST(!a.empty(), model);
    BOOST_TEST((a == read_bytes(dir / "resumed" / model)), model << " differs after the resume");
  }
  fs::remove_all(dir);
}

}  // namespace

BOOST_AUTO_TEST_CASE(char_lm_killed_and_resumed_saves_the_same_models) {
  check_kill_and_resume(test_examples::program_argument(1),
                        "--limit 2000 --bigram-steps 5 --epochs 3 --samples 3 --skip-if-missing", "",
                        {"char_lm_bigram.bin", "char_lm_mlp.bin"});
}

BOOST_AUTO_TEST_CASE(fashion_mnist_killed_and_resumed_saves_the_same_models) {
  check_kill_and_resume(test_examples::program_argument(2), "--limit 600 --epochs 2 --hidden 32 --skip-if-missing",
                        ".softmax", {"fashion_mnist_softmax.bin", "fashion_mnist_mlp.bin"});
}

BOOST_AUTO_TEST_CASE(two_moons_killed_and_resumed_saves_the_same_model) {
  check_kill_and_resume(test_examples::program_argument(3), "--epochs 100 --points 100", "", {"two_moons_mlp.bin"});
}
