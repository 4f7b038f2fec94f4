#include "knobs.h"

#include <sstream>
#include <stdexcept>

namespace lpgen {

Profile profile_of(const Halide::Target &target) {
    if (target.arch == Halide::Target::ARM) {
        return target.bits == 64 ? Profile::Arm64A53 : Profile::Arm32A53;
    }
    return target.has_feature(Halide::Target::AVX512_Skylake) ? Profile::X86Avx512 : Profile::X86Avx2;
}

const char *profile_name(Profile profile) {
    switch (profile) {
    case Profile::X86Avx512: return "x86-64-avx512";
    case Profile::X86Avx2: return "x86-64-avx2";
    case Profile::Arm64A53: return "arm64-a53";
    case Profile::Arm32A53: return "arm32-a53";
    }
    return "unknown";
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

std::string format_knobs(const KnobSpace &space, const Knobs &knobs) {
    std::string text;
    for (const KnobSpec &spec : space) {
        if (!text.empty()) text += ",";
        text += spec.name + ":" + std::to_string(knobs.at(spec.name));
    }
    return text;
}

}  // namespace lpgen
