// SPDX-License-Identifier: MIT
// Module: the registered list and what is derived from it.
#include "models/module.hpp"

#include "models/model_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace models {

template <autodiff::TapeScalar S>
void BasicModule<S>::register_parameters(const ParameterList& params) {
  for (Parameter* p : params) {
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
                                   [&](const Parameter* q) { return q == p || q->name() == p->name(); });
    if (same != parameters_.end()) {
      throw std::invalid_argument(fmt::format("Module::register_parameters: parameter {} ('{}') {} parameter {}", k,
                                              p->name(), *same == p ? "is already registered as" : "has the name of",
                                              same - parameters_.begin()));
    }
    parameters_.push_back(p);
  }
}

template <autodiff::TapeScalar S>
std::vector<std::pair<std::string, autodiff::BasicParameter<S>*>> BasicModule<S>::named_parameters() const {
  std::vector<std::pair<std::string, Parameter*>> named;
  named.reserve(parameters_.size());
  for (Parameter* p : parameters_) named.emplace_back(p->name(), p);
  return named;
}

template <autodiff::TapeScalar S>
void BasicModule<S>::zero_grad() {
  for (Parameter* p : parameters_) p->zero_grad();
}

template <autodiff::TapeScalar S>
void BasicModule<S>::save(const std::filesystem::path& file) const { save_parameters(file, parameters_); }

template <autodiff::TapeScalar S>
void BasicModule<S>::load(const std::filesystem::path& file) { load_parameters(file, parameters_); }

template class BasicModule<double>;
template class BasicModule<float>;

}  // namespace models
