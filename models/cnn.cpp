// SPDX-License-Identifier: MIT
#include "models/cnn.hpp"

#include "autodiff/tape.hpp"
#include "models/init.hpp"
#include "models/metrics.hpp"

#include <fmt/format.h>

#include <exception>
#include <random>
#include <stdexcept>
#include <thread>

namespace models {

using autodiff::Index;

namespace {

CnnOptions checked(const CnnOptions& o) {
  auto require = [](bool ok, const char* what, Index value, const char* needs) {
    if (!ok) throw std::invalid_argument(fmt::format("Cnn: {} is {}, needs {}", what, value, needs));
  };
  require(o.channels >= 1, "channels", o.channels, ">= 1");
  require(o.height >= 4, "height", o.height, ">= 4 (two 2x2 pools)");
  require(o.width >= 4, "width", o.width, ">= 4 (two 2x2 pools)");
  require(o.conv1 >= 1, "conv1", o.conv1, ">= 1");
  require(o.conv2 >= 1, "conv2", o.conv2, ">= 1");
  require(o.kernel >= 1 && o.kernel % 2 == 1, "kernel", o.kernel, "an odd number >= 1");
  require(o.classes >= 2, "classes", o.classes, ">= 2 for the softmax head");
  return o;
}

// He uniform for a conv weight: one row per filter, fan-in = the filter's size.
autodiff::Array conv_weights(Index filters, Index fan_in, std::mt19937_64& rng) {
  return he_uniform(fan_in, filters, rng).transpose();
}

}  // namespace

struct detail::CnnInit {
  autodiff::Array conv1, conv2, fc;  // drawn in double, so both scalar types start from the same weights
};

template <autodiff::TapeScalar S>
BasicCnn<S>::BasicCnn(CnnOptions options, std::uint64_t seed) : BasicCnn(checked(options), [&] {
  std::mt19937_64 rng(seed);
  const CnnOptions o = checked(options);
  const Index k2 = o.kernel * o.kernel;
  detail::CnnInit init;
  init.conv1 = conv_weights(o.conv1, o.channels * k2, rng);
  init.conv2 = conv_weights(o.conv2, o.conv1 * k2, rng);
  // The output layer feeds softmax, a smooth squashing like tanh: Glorot, as in Mlp.
  init.fc = init_weights(Activation::tanh, o.conv2 * (o.height / 4) * (o.width / 4), o.classes, rng);
  return init;
}()) {}

template <autodiff::TapeScalar S>
BasicCnn<S>::BasicCnn(CnnOptions options, detail::CnnInit&& init)
    : options_(options),
      conv1_weight(std::move(init.conv1), "conv1.weight"),
      conv1_bias(autodiff::BasicArray<S>::Zero(1, options.conv1), "conv1.bias"),
      conv2_weight(std::move(init.conv2), "conv2.weight"),
      conv2_bias(autodiff::BasicArray<S>::Zero(1, options.conv2), "conv2.bias"),
      fc_weight(std::move(init.fc), "fc.weight"),
      fc_bias(autodiff::BasicArray<S>::Zero(1, options.classes), "fc.bias") {
  this->register_parameters({&conv1_weight, &conv1_bias, &conv2_weight, &conv2_bias, &fc_weight, &fc_bias});
}

template <autodiff::TapeScalar S>
autodiff::Conv2dGeometry BasicCnn<S>::conv1_geometry() const {
  return {.channels = options_.channels, .height = options_.height, .width = options_.width,
          .kernel_height = options_.kernel, .kernel_width = options_.kernel, .stride = 1,
          .padding = options_.kernel / 2};
}

template <autodiff::TapeScalar S>
autodiff::Conv2dGeometry BasicCnn<S>::conv2_geometry() const {
  return {.channels = options_.conv1, .height = options_.height / 2, .width = options_.width / 2,
          .kernel_height = options_.kernel, .kernel_width = options_.kernel, .stride = 1,
          .padding = options_.kernel / 2};
}

// Two floor halvings of H are floor(H / 4).
template <autodiff::TapeScalar S>
Index BasicCnn<S>::flat_features() const { return options_.conv2 * (options_.height / 4) * (options_.width / 4); }

template <autodiff::TapeScalar S>
autodiff::BasicVar<S> BasicCnn<S>::features(const Var& x) const {
  const Index pixels = options_.channels * options_.height * options_.width;
  if (x.cols() != pixels) {
    throw std::invalid_argument(fmt::format("Cnn::logits: x is {}x{}, the model takes {}x{}x{} = {} pixels a row",
                                            x.rows(), x.cols(), options_.channels, options_.height,
                                            options_.width, pixels));
  }
  const autodiff::Conv2dGeometry g1 = conv1_geometry(), g2 = conv2_geometry();
  // Each pool halves the image: 2x2 windows at stride 2.
  const autodiff::Pool2dGeometry p1{.channels = options_.conv1, .height = g1.height, .width = g1.width, .kernel = 2};
  const autodiff::Pool2dGeometry p2{.channels = options_.conv2, .height = g2.height, .width = g2.width, .kernel = 2};
  const Var h1 = max_pool2d(relu(conv2d(x, conv1_weight, conv1_bias, g1)), p1);
  return max_pool2d(relu(conv2d(h1, conv2_weight, conv2_bias, g2)), p2);
}

template <autodiff::TapeScalar S>
autodiff::BasicVar<S> BasicCnn<S>::logits(const Var& x) const {
  return autodiff::matmul(features(x), fc_weight) + fc_bias;
}

template <autodiff::TapeScalar S>
autodiff::BasicVar<S> BasicCnn<S>::loss(const Var& x, std::span<const std::int64_t> labels) const {
  return autodiff::cross_entropy(logits(x), labels);
}

template <autodiff::TapeScalar S>
std::vector<std::int64_t> BasicCnn<S>::predict(const Var& x) const {
  autodiff::NoGrad no_grad;
  return argmax_rows(logits(x).value().template cast<double>());
}

template <autodiff::TapeScalar S>
std::vector<std::int64_t> BasicCnn<S>::predict(const autodiff::Array& images, Index batch) const {
  if (batch < 1) throw std::invalid_argument(fmt::format("Cnn::predict: batch is {}, needs >= 1", batch));
  std::vector<std::int64_t> out;
  std::exception_ptr error;
  std::thread worker([&] {
    try {
      autodiff::NoGrad no_grad;
      for (Index first = 0; first < images.rows(); first += batch) {
        const Index count = std::min(batch, images.rows() - first);
        const Var logits_ = logits(autodiff::BasicArray<S>(images.middleRows(first, count).template cast<S>()));
        const std::vector<std::int64_t> part = argmax_rows(logits_.value().template cast<double>());
        out.insert(out.end(), part.begin(), part.end());
        autodiff::BasicTape<S>::current().clear();
      }
    } catch (...) {
      error = std::current_exception();
    }
  });
  worker.join();
  if (error) std::rethrow_exception(error);
  return out;
}

template class BasicCnn<double>;
template class BasicCnn<float>;

}  // namespace models
