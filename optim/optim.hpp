// SPDX-License-Identifier: MIT
// Everything a user of optim needs: the update rules, batching, schedules,
// clipping and the descent loop.
#pragma once

#include "optim/adagrad.hpp"
#include "optim/adam.hpp"
#include "optim/batching.hpp"
#include "optim/checkpoint.hpp"
#include "optim/clip.hpp"
#include "optim/minimize.hpp"
#include "optim/optimizer.hpp"
#include "optim/rmsprop.hpp"
#include "optim/schedule.hpp"
#include "optim/sgd.hpp"
#include "optim/trace.hpp"
