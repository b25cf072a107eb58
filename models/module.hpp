// SPDX-License-Identifier: MIT
// Module: what every model shares. A model registers its parameters once, in its
// constructor, and gets parameters(), named_parameters(), zero_grad(), save()
// and load() from that one list.
#pragma once

#include "../autodiff/var.hpp"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace models {

// A model over parameters of scalar type S: Module is the double one, f32::Module the float one.
template <autodiff::TapeScalar S>
class BasicModule {
 public:
  using Parameter = autodiff::BasicParameter<S>;
  using ParameterList = autodiff::BasicParameterList<S>;

  virtual ~BasicModule() = default;
  // The list points into the model, so a copy or a move would point into the old one.
  BasicModule(const BasicModule&) = delete;
  BasicModule& operator=(const BasicModule&) = delete;

  // The registered parameters, in order: what optimizers, minimize, gradcheck,
  // clip_grad_norm and save/load take. Like a pointer member, a const Module
  // still hands out Parameters that an optimizer may update.
  const ParameterList& parameters() const { return parameters_; }
  // (name, parameter) in the same order, with the names the Parameters carry.
  std::vector<std::pair<std::string, Parameter*>> named_parameters() const;
  // Sets every parameter's gradient to zero (gradients accumulate, as in PyTorch).
  void zero_grad();

  // save_parameters(file, parameters()) and load_parameters(file, parameters()):
  // a file keeps each parameter's name, and loading checks the names, in order.
  void save(const std::filesystem::path& file) const;
  void load(const std::filesystem::path& file);

 protected:
  BasicModule() = default;
  // Appends params to parameters(). Each needs a name unique in the module, since
  // files and named_parameters() tell parameters apart by it; throws
  // std::invalid_argument naming the parameter otherwise.
  void register_parameters(const ParameterList& params);

 private:
  ParameterList parameters_;
};

using Module = BasicModule<double>;
namespace f32 {
using Module = BasicModule<float>;
}  // namespace f32

}  // namespace models
