#include "knobs.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace lpgen {

Profile profile_of(const Halide::Target &target) {
    if (target.arch == Halide::Target::ARM) {
        return target.bits == 64 ? Profile::Arm64A53 : Profile::Arm32A53;
    }
    return target.has_feature(Halide::Target::AVX512_Skylake) ? Profile::X86Avx512 : Profile::X86Avx2;
}

bool tile_fits(Profile profile, int rows, int vecs, int lanes_bits) {
    //                        avx512 avx2 arm64 arm32
    static const int registers[] = {32, 16, 32, 16};
    static const int width[] = {512, 256, 128, 128};
    const int p = static_cast<int>(profile);
    const int per_vector = std::max(1, lanes_bits / width[p]);
    return rows * vecs * per_vector * 4 <= registers[p] * 3;
}

Knobs parse_knobs(const KnobSpace &space, const std::string &text, const Halide::Target &target) {
    Knobs knobs;
    const int profile = static_cast<int>(profile_of(target));
    for (const KnobSpec &spec : space) knobs[spec.name] = spec.defaults[profile];

    std::stringstream items(text);
    std::string item;
    while (std::getline(items, item, ',')) {
        if (item.empty()) continue;
        const size_t eq = item.find(':');
        if (!(eq != std::string::npos)) throw std::invalid_argument(std::string() + "knob '" + item + "' is not name:value");
        const std::string name = item.substr(0, eq);
        const int value = std::stoi(item.substr(eq + 1));
        const KnobSpec *spec = nullptr;
        for (const KnobSpec &candidate : space) {
            if (candidate.name == name) spec = &candidate;
        }
        if (!(spec != nullptr)) throw std::invalid_argument(std::string() + "unknown knob '" + name + "'");
        bool allowed = false;
        for (int v : spec->allowed) allowed |= (v == value);
        if (!(allowed)) throw std::invalid_argument(std::string() + "knob " + name + "=" + std::to_string(value) + " is outside its allowed values");
        knobs[name] = value;
    }
    return knobs;
}

}  // namespace lpgen
