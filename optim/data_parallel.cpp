// SPDX-License-Identifier: MIT
// The data-parallel step: a pool of threads that each record one shard on their own
// tape, and the fixed-order reduction of their gradients (then across processes).
#include "optim/data_parallel.hpp"

#include "autodiff/error.hpp"
#include "autodiff/tape.hpp"

#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace optim {

std::vector<Batch> split(const Batch& batch, std::size_t shards) {
  if (shards == 0) throw std::invalid_argument("split: the number of shards must be positive, got 0");
  const std::size_t n = batch.indices.size();
  std::vector<Batch> pieces;
  pieces.reserve(shards);
  std::size_t begin = 0;
  for (std::size_t s = 0; s < shards; ++s) {
    const std::size_t size = n / shards + (s < n % shards ? 1 : 0);
    // A single shard is the batch itself, so that one worker sees what the serial loop sees.
    pieces.push_back({batch.indices.subspan(begin, size), batch.full && shards == 1});
    begin += size;
  }
  return pieces;
}

// Threads 1 … threads − 1 wait for a call; the calling thread is worker 0. A call
// bumps the generation, every worker runs its shard, the last one to finish wakes the caller.
struct DataParallel::Pool {
  std::mutex lock;
  std::condition_variable start, done;
  std::uint64_t generation = 0;
  std::size_t running = 0;
  bool stop = false;
  std::vector<std::exception_ptr> errors;
  std::vector<std::thread> threads;
};

DataParallel::DataParallel(ParameterList params, DataParallelOptions options)
    : params_(std::move(params)), reduction_(options.reduction), communicator_(options.communicator),
      threads_(options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency())) {
  if (params_.empty()) throw std::invalid_argument("DataParallel: the parameter list is empty");
  for (std::size_t k = 0; k < params_.size(); ++k) {
    if (!params_[k]) throw std::invalid_argument(fmt::format("DataParallel: parameter {} is a null pointer", k));
    sum_.push_back(autodiff::Array::Zero(params_[k]->rows(), params_[k]->cols()));
  }
  if (communicator_) {
    rank_ = communicator_->rank();
    processes_ = communicator_->size();
  }
  for (std::size_t w = 0; w < threads_; ++w) sinks_.push_back(std::make_unique<autodiff::GradientSink>(params_));
  losses_.assign(threads_, 0.0);
  weights_.assign(threads_, 0.0);
  pool_ = std::make_unique<Pool>();
  pool_->errors.resize(threads_);
  for (std::size_t w = 1; w < threads_; ++w) {
    pool_->threads.emplace_back([this, w] {
      std::uint64_t seen = 0;
      for (;;) {
        {
          std::unique_lock<std::mutex> guard(pool_->lock);
          pool_->start.wait(guard, [&] { return pool_->stop || pool_->generation != seen; });
          if (pool_->stop) return;
          seen = pool_->generation;
        }
        work(w);
        std::lock_guard<std::mutex> guard(pool_->lock);
        if (--pool_->running == 0) pool_->done.notify_one();
      }
    });
  }
}

DataParallel::~DataParallel() {
  {
    std::lock_guard<std::mutex> guard(pool_->lock);
    pool_->stop = true;
  }
  pool_->start.notify_all();
  for (std::thread& t : pool_->threads) t.join();
}

void DataParallel::work(std::size_t worker) {
  try {
    autodiff::GradientSink& sink = *sinks_[worker];
    sink.zero();
    losses_[worker] = 0.0;
    const Batch& shard = shards_[std::size_t(rank_) * threads_ + worker];
    if (shard.indices.empty()) return;  // more workers than examples: nothing to add
    autodiff::Tape& tape = autodiff::tape();
    tape.clear();
    {
      autodiff::GradientSink::Scope scope(sink);
      std::optional<autodiff::NoGrad> no_grad;
      if (!add_gradient_) no_grad.emplace();  // the loss alone: record no gradient path
      const autodiff::Var loss = (*record_)(shard);
      if (!loss.is_scalar()) {
        throw autodiff::ShapeError(fmt::format("DataParallel: the loss function returned a {}x{} Var on a shard "
                                               "of {} examples; a loss must be 1x1: sum or mean it",
                                               loss.rows(), loss.cols(), shard.size()));
      }
      losses_[worker] = loss.item();
      if (add_gradient_) autodiff::backward(loss);
    }
    // The leaves point into the sink and share the Parameters: let go of both.
    tape.clear();
  } catch (...) {
    pool_->errors[worker] = std::current_exception();
  }
}

double DataParallel::operator()(const Loss::Record& record, const Batch& batch, bool add_gradient) {
  if (!record) throw std::invalid_argument("DataParallel: the loss function is empty");
  shards_ = split(batch, workers());
  record_ = &record;
  add_gradient_ = add_gradient;
  const double n = double(batch.indices.size());
  for (std::size_t w = 0; w < threads_; ++w) {
    const double n_s = double(shards_[std::size_t(rank_) * threads_ + w].indices.size());
    weights_[w] = reduction_ == LossReduction::sum ? 1.0 : n_s / n;
  }
  {
    std::lock_guard<std::mutex> guard(pool_->lock);
    for (auto& e : pool_->errors) e = nullptr;
    pool_->running = threads_ - 1;
    ++pool_->generation;
  }
  pool_->start.notify_all();
  work(0);
  {
    std::unique_lock<std::mutex> guard(pool_->lock);
    pool_->done.wait(guard, [&] { return pool_->running == 0; });
  }
  record_ = nullptr;
  for (const auto& e : pool_->errors) {
    if (e) std::rethrow_exception(e);
  }
  double loss = 0.0;
  reduce(add_gradient, loss);
  return loss;
}

void DataParallel::reduce(bool add_gradient, double& loss) {
  const auto start = std::chrono::steady_clock::now();
  // Shard order, always: the same bits from run to run. d(Σ w_s L_s) = Σ w_s dL_s.
  for (std::size_t w = 0; w < threads_; ++w) loss += weights_[w] * losses_[w];
  if (add_gradient) {
    for (std::size_t k = 0; k < params_.size(); ++k) {
      sum_[k].setZero();
      for (std::size_t w = 0; w < threads_; ++w) sum_[k] += weights_[w] * sinks_[w]->grad(k);
    }
  }
  if (communicator_ && processes_ > 1) {
    flat_.clear();
    flat_.push_back(loss);
    if (add_gradient) {
      for (const auto& g : sum_) flat_.insert(flat_.end(), g.data(), g.data() + g.size());
    }
    communicator_->sum(flat_);
    loss = flat_[0];
    std::size_t at = 1;
    for (auto& g : sum_) {
      if (!add_gradient) break;
      std::copy(flat_.begin() + std::ptrdiff_t(at), flat_.begin() + std::ptrdiff_t(at + std::size_t(g.size())), g.data());
      at += std::size_t(g.size());
    }
  }
  if (add_gradient) {
    for (std::size_t k = 0; k < params_.size(); ++k) {
      autodiff::Array& grad = params_[k]->grad();
      if (grad.rows() != sum_[k].rows() || grad.cols() != sum_[k].cols()) {
        throw autodiff::ShapeError(fmt::format("DataParallel: parameter {} is {}x{} but was {}x{} when the workers "
                                               "were made; make a new DataParallel",
                                               k, grad.rows(), grad.cols(), sum_[k].rows(), sum_[k].cols()));
      }
      grad += sum_[k];
    }
  }
  reduce_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

Loss DataParallel::loss(Loss::Record record) {
  if (!record) throw std::invalid_argument("DataParallel::loss: the loss function is empty");
  return Loss::objective(
      [this, record = std::move(record)](const Batch& batch, bool add_gradient) {
        return (*this)(record, batch, add_gradient);
      });
}

void DataParallel::broadcast_parameters() {
  if (!communicator_ || processes_ == 1) return;
  flat_.clear();
  for (const autodiff::Parameter* p : params_) flat_.insert(flat_.end(), p->value().data(), p->value().data() + p->size());
  communicator_->broadcast(flat_);
  std::size_t at = 0;
  for (autodiff::Parameter* p : params_) {
    std::copy(flat_.begin() + std::ptrdiff_t(at), flat_.begin() + std::ptrdiff_t(at + std::size_t(p->size())),
              p->value().data());
    at += std::size_t(p->size());
  }
}

}  // namespace optim
