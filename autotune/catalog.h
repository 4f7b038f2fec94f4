// What compiling a candidate needs, as the build wrote it (build/autotune/kernel_catalog.json):
// every kernel family's generator and parameters, every profile's Halide target, llc CPU,
// linking compiler and measuring binary, and the hash of the generator and schedule sources.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace lpgen::tune {

struct Family {
    std::string name;       // "bs_conv2d_f32_a1w1"
    std::string generator;  // "bitserial_conv2d_f32"
    std::vector<std::string> params;  // "fixed_abits=1", ...
    std::string schedule_template;    // knob space it takes: "bitserial_conv2d"
};

struct ProfileInfo {
    std::string name, halide_target, llc_cpu, suffix, cxx, measurer;
};

struct Catalog {
    std::string generators, llc, knob_spaces_path, sources_hash;
    std::string adams2019;  // Halide's Adams2019 autoscheduler plugin ("" when not found)
    std::map<std::string, Family> families;
    std::map<std::string, ProfileInfo> profiles;

    // The catalog at `path`; by default $LPGEN_CATALOG, else an installed lpgen's
    // (share/lpgen/kernel_catalog.json beside bin/), else this build tree's. Throws lpgen::Error.
    static Catalog load(const std::string &path = "");
    // Also "<generic family>@<configuration>": a family specialised for one bit-serial
    // configuration, derived from the generic one (bitserial_config.h).
    Family family(const std::string &name) const;
    const ProfileInfo &profile(const std::string &name) const;
};

// The schedule template whose knobs a generator takes.
std::string template_of(const std::string &generator, const std::vector<std::string> &params);

}  // namespace lpgen::tune
