// SPDX-License-Identifier: MIT
// Everything a user of optim needs: the update rules, batching, schedules,
// clipping and the descent loop.
#pragma once

#include "adagrad.hpp"
#include "adam.hpp"
#include "batching.hpp"
#include "checkpoint.hpp"
#include "clip.hpp"
#include "data_parallel.hpp"
#include "minimize.hpp"
#include "optimizer.hpp"
#include "rmsprop.hpp"
#include "schedule.hpp"
#include "sgd.hpp"
#include "trace.hpp"
