// SPDX-License-Identifier: MIT
// Tests of models::Cnn: the shapes of the Fashion-MNIST network counted by hand, a
// gradient check of a tiny CNN, the batched predictions, save/load and the errors.
#define BOOST_TEST_MODULE cnn
#include <boost/test/unit_test.hpp>

#include "model_helpers.hpp"
#include "models/cnn.hpp"

using autodiff::Array;
using models::Cnn;

namespace {

bool message_has(const std::exception& e, const std::string& part) {
  return std::string(e.what()).find(part) != std::string::npos;
}

// 2 channels of 4x6 images, 3 and 2 filters of 3x3, 3 classes: 2 x 1 x 2 pooled pixels each.
models::CnnOptions tiny() {
  return {.channels = 2, .height = 4, .width = 6, .conv1 = 3, .conv2 = 2, .kernel = 3, .classes = 3};
}

}  // namespace

BOOST_AUTO_TEST_CASE(fashion_mnist_network_has_the_hand_counted_shapes) {
  Cnn cnn({}, 1);
  // conv1: 16 filters of 1x5x5; conv2: 32 filters of 16x5x5; fc: 32*7*7 = 1568 -> 10.
  BOOST_TEST(cnn.conv1_weight.rows() == 16);
  BOOST_TEST(cnn.conv1_weight.cols() == 25);
  BOOST_TEST(cnn.conv1_bias.cols() == 16);
  BOOST_TEST(cnn.conv2_weight.rows() == 32);
  BOOST_TEST(cnn.conv2_weight.cols() == 400);
  BOOST_TEST(cnn.conv2_bias.cols() == 32);
  BOOST_TEST(cnn.flat_features() == 1568);
  BOOST_TEST(cnn.fc_weight.rows() == 1568);
  BOOST_TEST(cnn.fc_weight.cols() == 10);
  // 416 + 12,832 + 15,690 parameters.
  autodiff::Index total = 0;
  for (const autodiff::Parameter* p : cnn.parameters()) total += p->size();
  BOOST_TEST(total == 416 + 12832 + 15690);
  // Padding 2 keeps 28x28 through conv1 and 14x14 through conv2.
  BOOST_TEST(cnn.conv1_geometry().out_height() == 28);
  BOOST_TEST(cnn.conv2_geometry().out_width() == 14);

  const Array x = Array::Random(3, 784);
  const autodiff::Var h = cnn.features(x);
  BOOST_TEST(h.rows() == 3);
  BOOST_TEST(h.cols() == 32 * 7 * 7);
  const autodiff::Var logits = cnn.logits(x);
  BOOST_TEST(logits.rows() == 3);
  BOOST_TEST(logits.cols() == 10);
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(tiny_cnn_gradient_matches_finite_differences) {
  Cnn cnn(tiny(), 2);
  // Nonzero biases, so that relu's kinks sit away from the sampled points less by chance.
  for (autodiff::Parameter* p : cnn.parameters()) p->value() += 0.1 * Array::Random(p->rows(), p->cols());
  const Array x = Array::Random(4, 2 * 4 * 6);
  const std::vector<std::int64_t> labels{0, 2, 1, 2};
  const auto result = autodiff::gradcheck([&] { return cnn.loss(x, labels); }, cnn.parameters());
  BOOST_TEST(result.passed, result.summary());
}

BOOST_AUTO_TEST_CASE(batched_predictions_equal_one_pass_and_leave_the_tape_alone) {
  Cnn cnn(tiny(), 3);
  const Array x = Array::Random(7, 48);
  const std::vector<std::int64_t> once = cnn.predict(autodiff::Var(x));
  autodiff::tape().clear();
  const autodiff::Var kept(Array::Ones(2, 2));
  const std::vector<std::int64_t> batched = cnn.predict(x, 3);
  BOOST_TEST(once == batched);
  BOOST_TEST(kept.value()(0, 0) == 1.0);  // still valid: the batches ran on another tape
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(saved_cnn_loads_into_a_fresh_one_with_the_same_logits) {
  Cnn saved(tiny(), 4), loaded(tiny(), 5);
  support::RemoveOnExit file{support::temp_path("cnn", "tiny.bin")};
  saved.save(file.path);
  loaded.load(file.path);
  const Array x = Array::Random(2, 48);
  const Array a = saved.logits(x).value(), b = loaded.logits(x).value();
  BOOST_TEST((a == b).all());
  autodiff::tape().clear();
}

BOOST_AUTO_TEST_CASE(bad_sizes_and_inputs_throw_naming_the_number) {
  auto options = tiny();
  options.kernel = 4;
  BOOST_CHECK_EXCEPTION(Cnn(options, 1), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "kernel is 4"); });
  options = tiny();
  options.height = 3;
  BOOST_CHECK_EXCEPTION(Cnn(options, 1), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "height is 3"); });
  options = tiny();
  options.classes = 1;
  BOOST_CHECK_EXCEPTION(Cnn(options, 1), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "classes is 1"); });
  Cnn cnn(tiny(), 1);
  BOOST_CHECK_EXCEPTION(cnn.logits(Array::Random(2, 47)), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "2x47") && message_has(e, "48 pixels"); });
  BOOST_CHECK_EXCEPTION(cnn.predict(Array::Random(2, 48), 0), std::invalid_argument,
                        [](const auto& e) { return message_has(e, "batch is 0"); });
  autodiff::tape().clear();
}

// f32::Cnn starts from the same weights rounded to float; its loss and gradients agree
// with the double Cnn's to float's precision, and so do its batched predictions.
BOOST_AUTO_TEST_CASE(a_float_cnn_starts_from_the_same_weights_and_agrees_with_double) {
  Cnn wide(tiny(), 6);
  models::f32::Cnn narrow(tiny(), 6);
  const Array x = Array::Random(5, 48);
  const std::vector<std::int64_t> labels{0, 1, 2, 2, 1};
  autodiff::tape().clear();
  autodiff::f32::tape().clear();
  const autodiff::Var lw = wide.loss(x, labels);
  const autodiff::f32::Var ln = narrow.loss(autodiff::f32::Array(x.cast<float>()), labels);
  autodiff::backward(lw);
  autodiff::backward(ln);
  BOOST_TEST(std::abs(double(ln.item()) - lw.item()) < 1e-5 * std::abs(lw.item()));
  test_models::check_float_model_agrees(wide, narrow);
  // The batched predict takes the images in double and leaves the caller's float tape alone.
  const std::size_t recorded = autodiff::f32::tape().size();
  BOOST_TEST(narrow.predict(x, 2) == wide.predict(x, 2));
  BOOST_TEST(autodiff::f32::tape().size() == recorded);
  autodiff::tape().clear();
  autodiff::f32::tape().clear();
}
