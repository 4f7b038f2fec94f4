// The boards a tuner measures on, lent out one candidate at a time: up to --parallel-runs
// measurements at once, never two on the same board (a board's timing is worthless while
// another candidate runs on it). A board is a runner: this host, one command prefix ("ssh
// pi@a"), or a Slurm partition, which counts as many boards as it may run jobs at once (its
// controller gives each job a node of its own).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runner.h"

namespace lpgen::tune {

class RunnerPool {
public:
    // Every board must be of one kind (all measured or all modeled). parallel_runs >= 1.
    RunnerPool(std::vector<std::unique_ptr<Runner>> boards, int parallel_runs);

    // A board lent to the caller until the lease ends.
    class Lease {
    public:
        Lease(RunnerPool &pool, size_t board) : pool_(&pool), board_(board) {}
        Lease(Lease &&o) noexcept : pool_(o.pool_), board_(o.board_) { o.pool_ = nullptr; }
        Lease(const Lease &) = delete;
        Lease &operator=(const Lease &) = delete;
        ~Lease();
        Runner &runner() const { return *pool_->boards_[board_]; }

    private:
        RunnerPool *pool_;
        size_t board_;
    };
    // Waits for a free board; the least busy one.
    Lease acquire();

    // How many candidates can be measured at once: min(parallel_runs, the boards' capacities).
    int concurrency() const { return concurrency_; }
    // How records name the pool: its one board's name, or "pool:" and its boards' names, so a
    // resumed run on the same boards finds its records.
    const std::string &name() const { return name_; }
    bool modeled() const { return boards_.front()->modeled(); }
    std::string caveat() const { return boards_.front()->caveat(); }
    size_t boards() const { return boards_.size(); }

private:
    std::vector<std::unique_ptr<Runner>> boards_;
    std::vector<int> busy_;  // candidates each board measures now
    int concurrency_ = 1, running_ = 0;
    std::string name_;
    std::mutex mutex_;
    std::condition_variable freed_;
};

}  // namespace lpgen::tune
