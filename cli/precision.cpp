#include "precision.h"

#include <regex>
#include <sstream>

#include "lpgen/bitserial.hpp"

namespace lpgen::cli {
namespace {

lpgen_mx_format format_named(const std::string &name) {
    lpgen_mx_format f;
    if (lpgen_mx_format_from_name(name.c_str(), &f) != LPGEN_OK) throw Error(lpgen_last_error());
    return f;
}

Precision mx(const std::string &name, lpgen_mx_format a, lpgen_mx_format w) {
    Precision p;
    p.name = name, p.kind = Precision::Kind::Mx, p.a_format = a, p.w_format = w;
    return p;
}

}  // namespace

Precision parse_precision(const std::string &name) {
    Precision p;
    p.name = name;
    std::smatch m;
    if (name.find(":wide") == std::string::npos) {  // int64 sums follow from the shape, never named
        if (const auto config = parse_config(name)) {
            p.kind = Precision::Kind::Bitserial, p.bitserial = *config;
            p.abits = config->abits, p.wbits = config->wbits;
            return p;
        }
    }
    if (name == "mxfp4") return mx(name, LPGEN_MX_FP4_E2M1, LPGEN_MX_FP4_E2M1);
    if (name == "mxfp6") return mx(name, LPGEN_MX_FP6_E2M3, LPGEN_MX_FP6_E2M3);
    if (name == "mxfp8") return mx(name, LPGEN_MX_FP8_E4M3, LPGEN_MX_FP8_E4M3);
    if (name == "mxint8") return mx(name, LPGEN_MX_INT8, LPGEN_MX_INT8);
    if (std::regex_match(name, m, std::regex("mx:([a-z0-9_]+)x([a-z0-9_]+)"))) {
        return mx(name, format_named(m[1]), format_named(m[2]));
    }
    if (name == "int8") return p.kind = Precision::Kind::Int8, p;
    if (name == "int16") return p.kind = Precision::Kind::Int16, p;
    if (name == "fp32") return p.kind = Precision::Kind::Fp32, p;
    if (name == "onednn-int8") return p.kind = Precision::Kind::OneDnnInt8, p;
    throw Error("lpgen: unknown precision '" + name +
                "'; expected <a>A<w>W (e.g. 2A1W), <a>A<w>W:<u|s|b>[z]x<u|s|b>[z] (e.g. 3A5W:sxb; bipolar takes no z), xnor, mxfp4, mxfp6, mxfp8, mxint8, mx:<fmt>x<fmt>, int8, int16, fp32 or onednn-int8");
}

std::vector<Precision> parse_precisions(const std::string &comma_separated) {
    std::vector<Precision> all;
    std::stringstream stream(comma_separated);
    for (std::string name; std::getline(stream, name, ',');) {
        if (!name.empty()) all.push_back(parse_precision(name));
    }
    if (all.empty()) throw Error("lpgen: no precision given");
    return all;
}

}  // namespace lpgen::cli
