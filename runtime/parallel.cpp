#include "parallel.h"

#include <algorithm>
#include <atomic>

#include "validate.h"

namespace lpgen {
namespace {

std::atomic<int> threads{1};

}  // namespace

void set_num_threads(int count) {
    LPGEN_REQUIRE(count >= 0, "thread count must be 0 (all hardware threads) or positive, got " +
                                  std::to_string(count));
    threads = count == 0 ? std::max(1, int(std::thread::hardware_concurrency())) : count;
}

int num_threads() { return threads; }
int thread_count() { return threads; }

int slice_count(int extent, int min_rows) {
    return std::max(1, std::min(thread_count(), extent / std::max(1, min_rows)));
}

}  // namespace lpgen
