// Schedule knobs: the named, discrete choices a schedule template exposes.
//
// Each template declares its knob space once (name, allowed values, default per target profile)
// beside its code; generators take a "knobs" string such as "tile_vecs:2,unroll_k:2" (GenGen reserves '='), and the
// autotuner enumerates the same space. Anything not named in the string takes the profile default.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "Halide.h"

namespace lpgen {

// The profiles of DESIGN.md, "Target profiles".
enum class Profile { X86Avx512, X86Avx2, Arm64A53, Arm32A53 };

Profile profile_of(const Halide::Target &target);

struct KnobSpec {
    std::string name;
    std::vector<int> allowed;
    // Default per profile, in Profile order: avx512, avx2, arm64-a53, arm32-a53.
    int defaults[4];
    std::string meaning;
};

using KnobSpace = std::vector<KnobSpec>;
using Knobs = std::map<std::string, int>;

// A check that rejects configurations a profile cannot run well (before anything compiles).
using KnobCheck = bool (*)(const Knobs &knobs, Profile profile);

// A register tile of rows x vecs accumulators, each `lanes_bits` wide, fits in three quarters of
// the profile's vector registers (the rest hold the operands being broadcast and loaded).
bool tile_fits(Profile profile, int rows, int vecs, int lanes_bits);

// Fills defaults for `target` and overrides them with "name:value,..." from `text`.
// An unknown name or a value outside the allowed set is a generator error.
Knobs parse_knobs(const KnobSpace &space, const std::string &text, const Halide::Target &target);

}  // namespace lpgen
