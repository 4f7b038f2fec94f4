#include "manifest.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bitserial_config.h"
#include "layer_set.h"
#include "safe_files.h"
#include "lpgen/bitserial.hpp"
#include "tuned_kernels.h"

namespace lpgen::cli {
namespace {

std::string text(const nlohmann::json &j, const char *key, const std::string &where, bool required = true) {
    if (!j.contains(key)) {
        if (required) throw Error("lpgen: " + where + " has no \"" + key + "\"");
        return "";
    }
    if (!j[key].is_string()) throw Error("lpgen: " + where + ": \"" + key + "\" must be a string");
    return j[key].get<std::string>();
}

// A file name inside the bundle: no directories, so a manifest cannot point elsewhere.
std::string file_name(const nlohmann::json &j, const char *key, const std::string &where) {
    const std::string name = text(j, key, where);
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        throw Error("lpgen: " + where + ": \"" + key + "\" must be a file name in the bundle, got '" + name + "'");
    }
    return name;
}

}  // namespace

std::string serving_kernel(const ManifestEntry &e, const std::string &isa) {
    if (!e.function.empty()) return e.function;
    return "lpgen_" + (e.default_family.empty() ? e.family : e.default_family) + "__" + isa;
}

std::string manifest_json(const Manifest &m) {
    nlohmann::json entries = nlohmann::json::array();
    for (const ManifestEntry &e : m.entries) {
        entries.push_back({{"layer", e.layer},   {"layer_spec", nlohmann::json::parse(e.layer_json)},
                           {"precision", e.precision}, {"family", e.family}, {"shape", e.shape},
                           {"function", e.function},   {"knobs", e.knobs},   {"specialised", e.specialised},
                           {"default_family", e.default_family}, {"source", e.source},
                           {"algorithm", e.algorithm}, {"algorithm_family", e.choice_family},
                           {"algorithm_shape", e.choice_shape}});
    }
    const nlohmann::json j = {{"name", m.name},
                              {"profile", m.profile},
                              {"isa", m.isa},
                              {"lpgen_version", m.lpgen_version},
                              {"sources_hash", m.sources_hash},
                              {"library", m.library},
                              {"shared_object", m.shared_object},
                              {"header", m.header},
                              {"entries", entries}};
    return j.dump(2) + "\n";
}

Manifest parse_manifest(const std::string &json_text, const std::string &source) {
    check_json_depth(json_text, source);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception &e) {
        throw Error("lpgen: " + source + " is not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw Error("lpgen: " + source + " is not a JSON object");
    Manifest m;
    m.name = text(j, "name", source);
    m.profile = text(j, "profile", source);
    m.isa = text(j, "isa", source);
    m.lpgen_version = text(j, "lpgen_version", source);
    m.sources_hash = text(j, "sources_hash", source);
    m.library = file_name(j, "library", source);
    m.shared_object = file_name(j, "shared_object", source);
    m.header = file_name(j, "header", source);
    if (!j.contains("entries") || !j["entries"].is_array()) throw Error("lpgen: " + source + " needs an \"entries\" array");
    for (size_t i = 0; i < j["entries"].size(); ++i) {
        const auto &e = j["entries"][i];
        const std::string where = source + " entry " + std::to_string(i);
        if (!e.is_object()) throw Error("lpgen: " + where + " is not an object");
        ManifestEntry entry;
        entry.layer = text(e, "layer", where);
        if (!e.contains("layer_spec") || !e["layer_spec"].is_object()) {
            throw Error("lpgen: " + where + " needs a \"layer_spec\" object");
        }
        entry.layer_json = e["layer_spec"].dump();
        parse_layer(entry.layer_json, where);  // a valid layer
        entry.precision = text(e, "precision", where);
        entry.family = text(e, "family", where);
        entry.shape = text(e, "shape", where);
        entry.function = text(e, "function", where);
        entry.knobs = text(e, "knobs", where, false);
        entry.specialised = text(e, "specialised", where, false);
        entry.default_family = text(e, "default_family", where, false);
        entry.source = text(e, "source", where, false);
        entry.algorithm = text(e, "algorithm", where, false);
        entry.choice_family = text(e, "algorithm_family", where, false);
        entry.choice_shape = text(e, "algorithm_shape", where, false);
        if (!entry.algorithm.empty()) {
            const auto a = parse_algorithm(entry.algorithm);
            if (!a || *a == BitserialAlgorithm::Auto) {
                throw Error("lpgen: " + where + ": \"algorithm\" must be popcount or int8-dot, got '" +
                            entry.algorithm.substr(0, 40) + "'");
            }
            try {
                check_algorithm_entry(entry.choice_family, entry.choice_shape, m.isa, *a);
            } catch (const Error &error) {
                throw Error("lpgen: " + where + ": " + std::string(error.what()).substr(7));
            }
        }
        m.entries.push_back(entry);
    }
    return m;
}

Manifest load_manifest(const std::string &bundle_dir) {
    const std::string path = bundle_dir + "/manifest.json";
    return parse_manifest(read_capped(path, "bundle manifest"), path);
}

}  // namespace lpgen::cli
