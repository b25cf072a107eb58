// SPDX-License-Identifier: MIT
// Everything descent offers in one include: autodiff (Var, Parameter, the ops,
// backward, gradcheck), optim (update rules, batching, schedules, the descent
// loop), models (Module, the ready-made models, save/load) and datasets (CSV, IDX).
#pragma once

#include "version.hpp"

#include "autodiff/autodiff.hpp"
#include "datasets/csv.hpp"
#include "datasets/idx.hpp"
#include "datasets/scale.hpp"
#include "models/bigram.hpp"
#include "models/char_data.hpp"
#include "models/cnn.hpp"
#include "models/init.hpp"
#include "models/linear.hpp"
#include "models/logistic_regression.hpp"
#include "models/metrics.hpp"
#include "models/mlp.hpp"
#include "models/mlp_language_model.hpp"
#include "models/model_file.hpp"
#include "models/module.hpp"
#include "models/sampling.hpp"
#include "models/softmax_regression.hpp"
#include "optim/optim.hpp"
