// SPDX-License-Identifier: MIT
// parse_api_names: one pass over the lines with a stack of the scopes they are in.
#include "api_names.hpp"

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

namespace support {

namespace {

// A scope a line can be in. Declarations count only in namespaces and in the
// public part of classes; bodies and enums hide what they hold.
struct Scope {
  enum Kind { ns, hidden, type, body } kind;
  std::string name;
  bool is_public = true;
};

const std::set<std::string> kNotNames = {"return", "if", "for", "while", "switch", "throw", "sizeof", "static_assert",
                                         "requires", "decltype", "alignas", "alignof", "noexcept", "catch"};

bool visible(const std::vector<Scope>& stack) {
  return std::all_of(stack.begin(), stack.end(), [](const Scope& s) {
    return s.kind == Scope::ns || (s.kind == Scope::type && s.is_public);
  });
}

std::string enclosing_type(const std::vector<Scope>& stack) {
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    if (it->kind == Scope::type) return it->name;
  }
  return {};
}

}  // namespace

std::vector<std::string> parse_api_names(const std::string& header_text) {
  static const std::regex type_decl(
      R"(^(?:template\s*<[^;{]*>\s*)?(?:enum\s+class|class|struct|enum)\s+(?:alignas\(\d+\)\s+)?([A-Za-z_]\w*))");
  static const std::regex alias(R"(^(?:template\s*<.*>\s*)?using\s+([A-Za-z_]\w*)\s*=)");
  static const std::regex concept_decl(R"(^(?:template\s*<.*>\s*)?concept\s+([A-Za-z_]\w*))");
  static const std::regex function(
      R"(^(?:template\s*<.*>\s*)?(?:(?:static|virtual|inline|explicit|constexpr|friend|\[\[[^\]]*\]\])\s+)*)"
      R"((?:([A-Za-z_][\w:<>,\s\*&]*?[\s\*&>])\s*)?(operator\s*(?:\(\)|[^\s(]+)|~?[A-Za-z_]\w*)\s*\()");
  static const std::regex namespace_open(R"(^\s*namespace\s+(\w+))");
  static const std::regex type_open(R"(^\s*(?:template\s*<[^;{]*>\s*)?(class|struct|union)\s+(?:alignas\(\d+\)\s+)?(\w+))");
  static const std::regex access(R"(^(public|private|protected):)");

  const std::string text = std::regex_replace(header_text, std::regex("//[^\n]*"), "");
  std::vector<std::string> out;
  std::vector<Scope> stack;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const std::string s = line.substr(std::min(line.find_first_not_of(" \t"), line.size()));
    std::smatch m;
    if (!stack.empty() && stack.back().kind == Scope::type && std::regex_search(s, m, access)) {
      stack.back().is_public = m[1] == "public";
      continue;
    }
    if (visible(stack)) {
      const std::string owner = enclosing_type(stack);
      const bool forward = s.find('{') == std::string::npos && s.find(':') == std::string::npos &&
                           s.find(';') != std::string::npos;
      if (std::regex_search(s, m, type_decl)) {
        if (!forward) out.push_back(m[1]);
      } else if (std::regex_search(s, m, alias) || std::regex_search(s, m, concept_decl)) {
        out.push_back(m[1]);
      } else if (std::regex_search(s, m, function)) {
        const std::string name = m[2];
        const std::string result = m[1].matched ? std::string(m[1]) : std::string();
        const bool constructor = name == owner;
        const bool named = !kNotNames.count(name) && (constructor || (!result.empty() && !kNotNames.count(
                                                                          result.substr(0, result.find(' ')))));
        if (named && name[0] != '~' && name != "operator=") out.push_back(name);
      }
    }
    // Open and close scopes in the order the braces come.
    for (const char c : line) {
      if (c == '}') {
        if (!stack.empty()) stack.pop_back();
      } else if (c == '{') {
        std::smatch open;
        const bool in_body = !stack.empty() && stack.back().kind == Scope::body;
        if (!in_body && std::regex_search(line, open, namespace_open)) {
          const bool internal = open[1] == "detail" || open[1] == "rules";
          stack.push_back({internal ? Scope::hidden : Scope::ns, open[1]});
        } else if (!in_body && std::regex_search(line, open, type_open) &&
                   (stack.empty() || stack.back().name != open[2] || stack.back().kind != Scope::type)) {
          stack.push_back({Scope::type, open[2], open[1] != "class"});
        } else {
          stack.push_back({Scope::body, ""});
        }
      }
    }
  }
  return out;
}

}  // namespace support
