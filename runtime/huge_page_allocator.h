// An allocator for large, long-lived operands (prepared weights) that asks Linux for
// transparent huge pages: a kernel's column tile reads one line per k-row of the weights, each
// on another 4 KiB page, and with 4 KiB pages those reads miss the first-level TLB. Blocks
// under 512 KiB, and systems without madvise(MADV_HUGEPAGE), get ordinary memory.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace lpgen {

template <typename T>
struct HugePageAllocator {
    using value_type = T;
    static constexpr size_t kHugePage = size_t(2) << 20;
    static constexpr size_t kWorthIt = size_t(512) << 10;

    HugePageAllocator() = default;
    template <typename U>
    HugePageAllocator(const HugePageAllocator<U> &) {}

    T *allocate(size_t n) {
        const size_t bytes = n * sizeof(T);
        if (bytes < kWorthIt) return static_cast<T *>(::operator new(bytes));
        const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
        void *p = std::aligned_alloc(kHugePage, rounded);
        if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure only costs speed
#endif
        return static_cast<T *>(p);
    }
    void deallocate(T *p, size_t n) {
        if (n * sizeof(T) < kWorthIt) {
            ::operator delete(p);
        } else {
            std::free(p);
        }
    }
    template <typename U>
    bool operator==(const HugePageAllocator<U> &) const { return true; }
    template <typename U>
    bool operator!=(const HugePageAllocator<U> &) const { return false; }
};

}  // namespace lpgen
