// SPDX-License-Identifier: MIT
// Module: the registered list and what is derived from it.
#include "models/module.hpp"

#include "models/model_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace models {

void Module::register_parameters(const autodiff::ParameterList& params) {
  for (autodiff::Parameter* p : params) {
    const std::size_t k = parameters_.size();
    if (p == nullptr) {
      throw std::invalid_argument(fmt::format("Module::register_parameters: parameter {} is null", k));
    }
    if (p->name().empty()) {
      throw std::invalid_argument(fmt::format(
          "Module::register_parameters: parameter {} ({}x{}) has no name; give it one: Parameter(value, \"name\")", k,
          p->rows(), p->cols()));
    }
    const auto same = std::find_if(parameters_.begin(), parameters_.end(),
                                   [&](const autodiff::Parameter* q) { return q == p || q->name() == p->name(); });
    if (same != parameters_.end()) {
      throw std::invalid_argument(fmt::format("Module::register_parameters: parameter {} ('{}') {} parameter {}", k,
                                              p->name(), *same == p ? "is already registered as" : "has the name of",
                                              same - parameters_.begin()));
    }
    parameters_.push_back(p);
  }
}

std::vector<std::pair<std::string, autodiff::Parameter*>> Module::named_parameters() const {
  std::vector<std::pair<std::string, autodiff::Parameter*>> named;
  named.reserve(parameters_.size());
  for (autodiff::Parameter* p : parameters_) named.emplace_back(p->name(), p);
  return named;
}

void Module::zero_grad() {
  for (autodiff::Parameter* p : parameters_) p->zero_grad();
}

void Module::save(const std::filesystem::path& file) const { save_parameters(file, parameters_); }

void Module::load(const std::filesystem::path& file) { load_parameters(file, parameters_); }

}  // namespace models
