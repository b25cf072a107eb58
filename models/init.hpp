// SPDX-License-Identifier: MIT
// Seeded weight initialisation and the activations a layer can use. Random
// numbers come from std::mt19937_64 turned into doubles by our own code, so a
// seed gives the same weights with every standard library.
#pragma once

#include "../autodiff/var.hpp"

#include <cstdint>
#include <random>
#include <string_view>

namespace models {

enum class Activation { tanh, relu, sigmoid };

// "tanh", "relu", "sigmoid".
std::string_view to_string(Activation activation);
// The activation applied element-wise to a Var (of doubles or of floats).
autodiff::Var apply(Activation activation, const autodiff::Var& x);
autodiff::f32::Var apply(Activation activation, const autodiff::f32::Var& x);

// A uniform double in [0, 1) from the top 53 bits of one draw.
double uniform01(std::mt19937_64& rng);

// A fan_in x fan_out array of U(-a, a) draws with Glorot and Bengio's (2010)
// a = sqrt(6 / (fan_in + fan_out)), which keeps the variance of tanh and sigmoid
// layers' activations and gradients about constant from layer to layer.
autodiff::Array glorot_uniform(autodiff::Index fan_in, autodiff::Index fan_out, std::mt19937_64& rng);

// A fan_in x fan_out array of U(-a, a) draws with He et al.'s (2015)
// a = sqrt(6 / fan_in), i.e. variance 2 / fan_in, which makes up for ReLU
// zeroing half of its inputs.
autodiff::Array he_uniform(autodiff::Index fan_in, autodiff::Index fan_out, std::mt19937_64& rng);

// The rule that suits a layer followed by `activation`: He for ReLU, Glorot otherwise.
autodiff::Array init_weights(Activation activation, autodiff::Index fan_in, autodiff::Index fan_out,
                             std::mt19937_64& rng);

}  // namespace models
