#include "catalog.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bitserial_config.h"
#include "lpgen/bitserial.hpp"
#include "subprocess.h"

namespace lpgen::tune {
namespace {

std::string read_text(const std::string &path, const char *what) {
    std::ifstream in(path);
    if (!in) throw Error(std::string("lpgen: cannot read the ") + what + " " + path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

std::string template_of(const std::string &generator, const std::vector<std::string> &params) {
    if (generator.rfind("bitserial_conv2d", 0) == 0) return "bitserial_conv2d";
    if (generator.rfind("bitserial_gemm", 0) == 0) {
        const bool gemv = std::find(params.begin(), params.end(), "gemv=true") != params.end();
        return gemv ? "bitserial_gemv" : "bitserial_gemm";
    }
    if (generator == "mx_gemm_i8" || generator == "mx_gemm_i16") {
        const bool gemv = std::find(params.begin(), params.end(), "gemv=true") != params.end();
        const bool split = std::find(params.begin(), params.end(), "a_planes=2") != params.end();
        const bool fp8 = std::find(params.begin(), params.end(), "a_planes=3") != params.end();
        return gemv ? "mx_gemv" : split ? "mx_gemm_i16_split" : fp8 ? "mx_gemm_i16_fp8" : generator;
    }
    if (generator == "mx_gemm") return generator;
    if (generator == "baseline_gemm" || generator == "baseline_conv2d") return generator;
    return "";  // packing and codec kernels are not tuned per shape
}

namespace {

// The catalog of an installed lpgen (share/lpgen beside bin/), else of the build tree.
std::string default_catalog_path() {
    if (const char *env = std::getenv("LPGEN_CATALOG")) return env;
    const std::string installed = executable_dir() + "/../share/lpgen/kernel_catalog.json";
    if (access(installed.c_str(), R_OK) == 0) return installed;
#ifdef LPGEN_KERNEL_CATALOG
    return LPGEN_KERNEL_CATALOG;
#else
    return "";
#endif
}

// Paths in an installed catalog are relative to its own directory (the prefix can move).
std::string resolve(const std::string &path, const std::string &catalog_path) {
    if (path.empty() || path[0] == '/') return path;
    return (std::filesystem::path(catalog_path).parent_path() / path).lexically_normal().string();
}

}  // namespace

Catalog Catalog::load(const std::string &path_or_default) {
    std::string path = path_or_default.empty() ? default_catalog_path() : path_or_default;
    if (path.empty()) throw Error("lpgen: this build has no kernel catalog (the tuner needs a host build)");
    Catalog c;
    try {
        const auto j = nlohmann::json::parse(read_text(path, "kernel catalog"));
        c.generators = resolve(j.at("generators"), path);
        c.llc = j.at("llc");
        c.adams2019 = j.value("adams2019", "");
        c.knob_spaces_path = resolve(j.at("knob_spaces"), path);
        std::string hash = read_text(resolve(j.at("sources_hash_file"), path), "sources hash");
        c.sources_hash = hash.substr(0, hash.find_first_of("\r\n"));
        for (const auto &[name, f] : j.at("families").items()) {
            Family family{name, f.at("generator"), f.at("params").get<std::vector<std::string>>(), ""};
            family.schedule_template = template_of(family.generator, family.params);
            c.families[name] = family;
        }
        for (const auto &[name, p] : j.at("profiles").items()) {
            c.profiles[name] = {name, p.at("halide_target"), p.at("llc_cpu"), p.at("suffix"), p.at("cxx"),
                                resolve(p.at("measurer"), path)};
        }
    } catch (const nlohmann::json::exception &e) {
        throw Error("lpgen: kernel catalog " + path + ": " + e.what());
    }
    return c;
}

Family Catalog::family(const std::string &name) const {
    // A family specialised for one bit-serial configuration: its generic family's generator and
    // parameters, with the configuration's fixed on top (bitserial_config.h).
    if (name.find('@') != std::string::npos) {
        const auto configured = split_configured_family(name);
        if (!configured) {
            throw Error("lpgen: kernel family '" + name.substr(0, 120) +
                        "' is not <generic bit-serial family>@<configuration> (e.g. bs_conv2d_f32@3A5W:sxb)");
        }
        Family f = family(configured->generic);
        f.name = name;
        for (const std::string &p : generator_params(configured->config)) f.params.push_back(p);
        return f;
    }
    auto it = families.find(name);
    if (it == families.end()) throw Error("lpgen: no kernel family '" + name + "' in this build");
    return it->second;
}

const ProfileInfo &Catalog::profile(const std::string &name) const {
    auto it = profiles.find(name);
    if (it == profiles.end()) {
        std::string known;
        for (const auto &[n, p] : profiles) known += (known.empty() ? "" : ", ") + n;
        throw Error("lpgen: profile '" + name + "' is not built here (have: " + known + ")");
    }
    return it->second;
}

}  // namespace lpgen::tune
