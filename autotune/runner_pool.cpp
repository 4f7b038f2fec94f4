#include "runner_pool.h"

#include <algorithm>

#include "lpgen/bitserial.hpp"

namespace lpgen::tune {

RunnerPool::RunnerPool(std::vector<std::unique_ptr<Runner>> boards, int parallel_runs) : boards_(std::move(boards)) {
    if (boards_.empty()) throw Error("lpgen: no runner to measure on");
    if (parallel_runs < 1) throw Error("lpgen: --parallel-runs must be at least 1");
    int capacity = 0;
    for (const auto &b : boards_) {
        if (b->modeled() != boards_.front()->modeled()) {
            throw Error("lpgen: a pool of runners cannot mix the model with measuring runners");
        }
        capacity += b->capacity();
    }
    concurrency_ = std::max(1, std::min(parallel_runs, capacity));
    busy_.assign(boards_.size(), 0);
    std::vector<std::string> names;
    for (const auto &b : boards_) names.push_back(b->name());
    if (names.size() == 1) {
        name_ = names.front();
    } else {
        std::sort(names.begin(), names.end());  // the same boards in another order are the same pool
        if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
            throw Error("lpgen: a runner is named twice in the pool: each board once");
        }
        name_ = "pool:";
        for (size_t i = 0; i < names.size(); ++i) name_ += (i ? " + " : "") + names[i];
    }
}

RunnerPool::Lease RunnerPool::acquire() {
    std::unique_lock<std::mutex> lock(mutex_);
    size_t chosen = 0;
    freed_.wait(lock, [&] {
        if (running_ >= concurrency_) return false;
        int least = 0;
        bool found = false;
        for (size_t i = 0; i < boards_.size(); ++i) {
            if (busy_[i] < boards_[i]->capacity() && (!found || busy_[i] < least)) chosen = i, least = busy_[i], found = true;
        }
        return found;
    });
    ++busy_[chosen];
    ++running_;
    return Lease(*this, chosen);
}

RunnerPool::Lease::~Lease() {
    if (pool_ == nullptr) return;
    {
        const std::lock_guard<std::mutex> lock(pool_->mutex_);
        --pool_->busy_[board_];
        --pool_->running_;
    }
    pool_->freed_.notify_all();
}

}  // namespace lpgen::tune
