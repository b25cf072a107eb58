// SPDX-License-Identifier: MIT
// docs/api.md against the public headers: every op of ops.hpp has its signature
// there, and every function and type a public header declares is named there, so
// the reference cannot fall behind the code. Adding an op means adding its line.
#define BOOST_TEST_MODULE api_doc
#include <boost/test/unit_test.hpp>

#include "api_names.hpp"
#include "op_table.hpp"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_source(const std::filesystem::path& relative) {
  std::ifstream in(std::filesystem::path(DESCENT_SOURCE_DIR) / relative);
  BOOST_TEST_REQUIRE(bool(in), "cannot read " << relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The installed headers: each folder's own (detail/ holds internals) and the umbrella's.
std::vector<std::filesystem::path> public_headers() {
  std::vector<std::filesystem::path> out;
  for (const char* folder : {"autodiff", "optim", "models", "datasets", "include/descent"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(DESCENT_SOURCE_DIR) / folder)) {
      if (entry.path().extension() == ".hpp") out.push_back(std::filesystem::path(folder) / entry.path().filename());
    }
  }
  return out;
}

// Whether api.md names `name`: as a whole word, or an operator as written.
bool names(const std::string& doc, const std::string& name) {
  if (name.rfind("operator", 0) == 0) return doc.find(name) != std::string::npos;
  return std::regex_search(doc, std::regex("\\b" + name + "\\b"));
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_op_of_ops_hpp_has_its_signature_in_api_md) {
  const std::string header = read_source("autodiff/ops.hpp") + read_source("autodiff/arithmetic.hpp") +
                             read_source("autodiff/elementwise.hpp");
  const std::vector<std::string> declared = support::parse_op_signatures(header);
  BOOST_TEST(declared.size() >= 40u);  // the parser found the ops at all
  const std::vector<std::string> documented = support::parse_op_signatures(read_source("docs/api.md"));
  const std::set<std::string> in_doc(documented.begin(), documented.end());
  for (const std::string& s : declared) BOOST_TEST(in_doc.count(s) == 1u, "docs/api.md lacks the op " << s);
}

BOOST_AUTO_TEST_CASE(every_function_and_type_of_the_public_headers_is_named_in_api_md) {
  const std::string doc = read_source("docs/api.md");
  std::size_t found = 0;
  for (const auto& header : public_headers()) {
    for (const std::string& name : support::parse_api_names(read_source(header))) {
      ++found;
      BOOST_TEST(names(doc, name), "docs/api.md does not name " << name << " (declared in " << header.string() << ")");
    }
  }
  BOOST_TEST(found >= 150u);  // the headers were read and parsed
}

BOOST_AUTO_TEST_CASE(the_name_reader_skips_internals_private_members_and_bodies) {
  const auto read = support::parse_api_names(
      "namespace autodiff {\n"
      "class Seen {\n"
      " public:\n"
      "  explicit Seen(int x);\n"
      "  double shown() const { return hidden_call(); }\n"
      "  static Seen make(int n,\n"
      "                   int m);\n"
      "  ~Seen();\n"
      "  Seen& operator=(const Seen&) = delete;\n"
      "  Var operator()(Index i) const;\n"
      " private:\n"
      "  void private_helper();\n"
      "};\n"
      "class Forward;\n"
      "struct Open { int field = 0; };\n"
      "using Alias = int;\n"
      "// Var commented(Var a);\n"
      "inline Var free_function(Var a) {\n"
      "  Var body_local = helper(a);\n"
      "  return body_local;\n"
      "}\n"
      "namespace detail {\n"
      "Var internal(Var a);\n"
      "}  // namespace detail\n"
      "}  // namespace autodiff\n");
  const std::vector<std::string> expected = {"Seen",  "Seen", "shown", "make",         "operator()",
                                             "Open", "Alias", "free_function"};
  BOOST_TEST(read == expected, boost::test_tools::per_element());
}
