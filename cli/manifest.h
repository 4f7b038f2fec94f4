// A bundle's manifest.json: what `lpgen generate` put in the bundle and why, read back by
// `lpgen verify --bundle`. The parser checks every field (it reads files users edit and share;
// tests/fuzz/manifest_fuzzer.cpp fuzzes it).
#pragma once

#include <string>
#include <vector>

namespace lpgen::cli {

struct ManifestEntry {
    std::string layer, layer_json, precision, family, shape;
    std::string function;  // the tuned kernel in the bundle; empty: the library's default serves it
    std::string default_family;  // the library kernel family serving the entry when `function` is empty
    std::string knobs;     // configuration it was generated with
    std::string specialised;  // what the kernel fixes at generation (bit-serial: widths, encodings, ...)
    // "tuned: <runner> record of <timestamp> on <node or board>, <median>" or "default: <why>"
    std::string source;
    // Bit-serial entries tuned under more than one algorithm: the faster ("popcount" or
    // "int8-dot"), registered for the call's configured family and shape (lpgen_register_algorithms).
    // Empty: the runtime's rule picks.
    std::string algorithm, choice_family, choice_shape;
};

struct Manifest {
    std::string name, profile, isa, lpgen_version, sources_hash;
    std::string library, shared_object, header;  // file names inside the bundle directory
    std::vector<ManifestEntry> entries;
};

// The kernel that serves an entry: its bundle function, else the library's kernel of its
// default family for variant `isa` ("x86_avx512").
std::string serving_kernel(const ManifestEntry &e, const std::string &isa);

std::string manifest_json(const Manifest &m);
// Throws lpgen::Error naming the field at fault.
Manifest parse_manifest(const std::string &json_text, const std::string &source);
Manifest load_manifest(const std::string &bundle_dir);

}  // namespace lpgen::cli
