#include "parallel.h"

#include <algorithm>
#include <atomic>

#include "validate.h"

namespace lpgen {
namespace {

std::atomic<int> threads{1};

// Measured here: a thread start and join cost 20-50 us, about 8M int8 MACs of a vector kernel.
constexpr double kDefaultMinSliceWork = 8.0 * (1 << 20);
std::atomic<double> min_slice_work{kDefaultMinSliceWork};

}  // namespace

void set_num_threads(int count) {
    LPGEN_REQUIRE(count >= 0, "thread count must be 0 (all hardware threads) or positive, got " +
                                  std::to_string(count));
    threads = count == 0 ? std::max(1, int(std::thread::hardware_concurrency())) : count;
}

int num_threads() { return threads; }

void set_min_slice_work(double int8_macs) { min_slice_work = int8_macs > 0 ? int8_macs : kDefaultMinSliceWork; }

int slice_count(int extent, int min_rows, Work work) {
    const int by_work = int(std::min(1e6, work.int8_macs / min_slice_work));
    return std::max(1, std::min({num_threads(), extent / std::max(1, min_rows), by_work}));
}

}  // namespace lpgen
