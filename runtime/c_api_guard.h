// The C boundary: every C entry point runs its body through guarded(), which turns the C++
// runtime's exceptions into a status and a per-thread message, and records which kernel ran.
#pragma once

#include <new>
#include <string>

#include "lpgen/lpgen.h"
#include "validate.h"

namespace lpgen::capi {

void set_last_error(const std::string &message);
void set_last_kernel(const char *name);

template <typename Body>
lpgen_status guarded(Body &&body) noexcept {
    try {
        set_last_kernel(body());
        set_last_error("");
        return LPGEN_OK;
    } catch (const Unsupported &e) {
        set_last_error(e.what());
        return LPGEN_UNSUPPORTED;
    } catch (const Error &e) {
        set_last_error(e.what());
        // Halide reports its own failures through run_kernel, whose messages name the kernel.
        return std::string(e.what()).rfind("lpgen: ", 0) == 0 ? LPGEN_INVALID_ARGUMENT : LPGEN_KERNEL_FAILED;
    } catch (const std::bad_alloc &) {
        set_last_error("lpgen: out of memory");
        return LPGEN_OUT_OF_MEMORY;
    } catch (const std::exception &e) {
        set_last_error(std::string("lpgen: internal error: ") + e.what());
        return LPGEN_INTERNAL_ERROR;
    } catch (...) {
        set_last_error("lpgen: internal error");
        return LPGEN_INTERNAL_ERROR;
    }
}

// Dereferences a pointer argument that must not be null.
template <typename T>
const T &required(const T *pointer, const char *name) {
    LPGEN_REQUIRE(pointer != nullptr, std::string(name) + " is null");
    return *pointer;
}

}  // namespace lpgen::capi
