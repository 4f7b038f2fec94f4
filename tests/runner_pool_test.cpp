// The runner pool (autotune/runner_pool.h): how many candidates are measured at once, never
// two on one board; parallel_for; and records saying where they were measured.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "database.h"
#include "lpgen/bitserial.hpp"
#include "runner_pool.h"
#include "tuner.h"

namespace lpgen::tune {
namespace {

// A board that takes 20 ms a candidate and counts how many it measures at once.
class CountingBoard : public Runner {
public:
    CountingBoard(std::string name, int capacity) : name_(std::move(name)), capacity_(capacity) {}
    Measurement measure(const Candidate &) override {
        const int now = ++running_;
        int seen = most_;
        while (now > seen && !most_.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        --running_;
        ++measured_;
        Measurement m{"ok", 1e-3};
        m.measured_on = name_;
        return m;
    }
    std::string name() const override { return name_; }
    int capacity() const override { return capacity_; }
    int most() const { return most_; }
    int measured() const { return measured_; }

private:
    std::string name_;
    int capacity_;
    std::atomic<int> running_{0}, most_{0}, measured_{0};
};

// Measures `n` candidates from `threads` threads through the pool; the most measured at once.
int measure_through(RunnerPool &pool, int n, int threads) {
    std::atomic<int> running{0}, most{0};
    parallel_for(n, threads, [&](size_t) {
        const RunnerPool::Lease board = pool.acquire();
        const int now = ++running;
        int seen = most;
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        board.runner().measure({});
        --running;
    });
    return most;
}

TEST(RunnerPool, NeverTwoCandidatesOnOneBoard) {
    std::vector<std::unique_ptr<Runner>> boards;
    boards.push_back(std::make_unique<CountingBoard>("command:ssh pi@b", 1));
    boards.push_back(std::make_unique<CountingBoard>("command:ssh pi@a", 1));
    auto *a = static_cast<CountingBoard *>(boards[1].get()), *b = static_cast<CountingBoard *>(boards[0].get());
    RunnerPool pool(std::move(boards), 4);
    EXPECT_EQ(pool.concurrency(), 2);  // two boards, whatever --parallel-runs asks
    EXPECT_EQ(pool.name(), "pool:command:ssh pi@a + command:ssh pi@b");  // sorted: the same pool in any order
    EXPECT_EQ(measure_through(pool, 16, 6), 2);
    EXPECT_EQ(a->most(), 1);
    EXPECT_EQ(b->most(), 1);
    EXPECT_EQ(a->measured() + b->measured(), 16);
    EXPECT_GT(a->measured(), 0);
    EXPECT_GT(b->measured(), 0);
}

TEST(RunnerPool, APartitionMeasuresAsManyAsItMay) {
    std::vector<std::unique_ptr<Runner>> boards;
    boards.push_back(std::make_unique<CountingBoard>("slurm:pis", 3));  // --parallel-runs 3 on a partition
    auto *partition = static_cast<CountingBoard *>(boards[0].get());
    RunnerPool pool(std::move(boards), 3);
    EXPECT_EQ(pool.concurrency(), 3);
    EXPECT_EQ(pool.name(), "slurm:pis");
    EXPECT_EQ(measure_through(pool, 12, 6), 3);
    EXPECT_EQ(partition->most(), 3);
}

TEST(RunnerPool, OneAtATimeUnlessAsked) {
    std::vector<std::unique_ptr<Runner>> boards;
    boards.push_back(std::make_unique<CountingBoard>("slurm:pis", 1));
    RunnerPool pool(std::move(boards), 1);
    EXPECT_EQ(measure_through(pool, 6, 4), 1);
}

TEST(RunnerPool, RefusesWhatCannotBeAPool) {
    auto pool_of = [](std::vector<std::string> names, int runs) {
        std::vector<std::unique_ptr<Runner>> boards;
        for (auto &n : names) boards.push_back(std::make_unique<CountingBoard>(n, 1));
        return RunnerPool(std::move(boards), runs);
    };
    EXPECT_THROW(pool_of({}, 1), Error);
    EXPECT_THROW(pool_of({"command:ssh pi@a"}, 0), Error);
    EXPECT_THROW(pool_of({"command:ssh pi@a", "command:ssh pi@a"}, 2), Error);  // one board named twice
}

TEST(ParallelFor, EveryIndexOnceAndTheFirstErrorRethrown) {
    std::mutex m;
    std::multiset<size_t> seen;
    parallel_for(100, 4, [&](size_t i) {
        const std::lock_guard<std::mutex> lock(m);
        seen.insert(i);
    });
    ASSERT_EQ(seen.size(), 100u);
    for (size_t i = 0; i < 100; ++i) EXPECT_EQ(seen.count(i), 1u);
    std::atomic<int> after{0};
    EXPECT_THROW(parallel_for(1000, 2,
                              [&](size_t i) {
                                  if (i == 3) throw Error("board gone");
                                  std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a measurement
                                  if (i > 50) ++after;
                              }),
                 Error);
    EXPECT_LT(after.load(), 900);  // nothing new started once one had thrown (those in flight end)
}

Record record(const std::string &knobs, const std::string &verdict, const std::string &where) {
    Record r;
    r.op = "bs_gemm_f32", r.shape = "gemm 16x64x300", r.precision = "1A1W", r.profile = "x86-64-avx2";
    r.runner = "slurm:pis", r.knobs = knobs, r.verdict = verdict, r.median_s = verdict == "ok" ? 1e-3 : 0;
    r.sources_hash = "h", r.timestamp = "2026-12-04T00:00:00Z", r.measured_on = where;
    if (verdict != "ok") r.detail = "node n3 ran out of memory";
    return r;
}

TEST(FarmRecords, WhereMeasuredSurvivesExportAndImportAndReimportIsANoOp) {
    const std::string a = testing::TempDir() + "/farm_a.db", b = testing::TempDir() + "/farm_b.db";
    std::remove(a.c_str()), std::remove(b.c_str());
    Database first(a), second(b);
    first.insert(record("k:1", "ok", "n1"));
    first.insert(record("k:2", "ok", "n2"));
    second.insert(record("k:2", "crashed", "n3"));  // a failure elsewhere of a candidate first measured
    second.insert(record("k:3", "ok", "n4"));
    const auto taken = second.import_jsonl(first.to_jsonl(), "first.jsonl");
    EXPECT_EQ(taken.added, 2);  // k:1, and k:2's valid record replacing the failure
    EXPECT_EQ(taken.present, 0);
    const auto again = second.import_jsonl(first.to_jsonl(), "first.jsonl");
    EXPECT_EQ(again.added, 0);
    EXPECT_EQ(again.present, 2);
    EXPECT_EQ(second.all().size(), 3u);
    Record key = record("k:2", "ok", "");
    ASSERT_TRUE(second.find(key));
    EXPECT_EQ(second.find(key)->verdict, "ok");
    EXPECT_EQ(second.find(key)->measured_on, "n2");
    // A failure imported over a valid record changes nothing.
    const std::string c = testing::TempDir() + "/farm_c.db";
    std::remove(c.c_str());
    Database third(c);
    third.insert(record("k:2", "crashed", "n3"));
    const auto failure = first.import_jsonl(third.to_jsonl(), "third.jsonl");
    EXPECT_EQ(failure.added, 0);
    EXPECT_EQ(failure.present, 1);
    EXPECT_EQ(first.find(key)->verdict, "ok");
    EXPECT_EQ(first.find(key)->measured_on, "n2");
}

TEST(FarmRecords, SeveralThreadsInsertIntoOneDatabase) {
    const std::string path = testing::TempDir() + "/farm_threads.db";
    std::remove(path.c_str());
    Database db(path);
    parallel_for(64, 8, [&](size_t i) { db.insert(record("k:" + std::to_string(i), "ok", "n" + std::to_string(i % 4))); });
    EXPECT_EQ(db.all().size(), 64u);
}

}  // namespace
}  // namespace lpgen::tune
