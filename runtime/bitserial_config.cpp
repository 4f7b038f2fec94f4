#include "bitserial_config.h"

#include <regex>

namespace lpgen {
namespace {

char letter(Encoding e) { return e == Encoding::Signed ? 's' : e == Encoding::Bipolar ? 'b' : 'u'; }

Encoding encoding_of(char c) { return c == 's' ? Encoding::Signed : c == 'b' ? Encoding::Bipolar : Encoding::Unsigned; }

const char *param_name(Encoding e) {
    return e == Encoding::Signed ? "signed" : e == Encoding::Bipolar ? "bipolar" : "unsigned";
}

}  // namespace

bool BitserialConfig::operator==(const BitserialConfig &o) const {
    return abits == o.abits && wbits == o.wbits && a_encoding == o.a_encoding && w_encoding == o.w_encoding &&
           a_zero_point == o.a_zero_point && w_zero_point == o.w_zero_point && wide == o.wide;
}

BitserialConfig config_of(const Operand &a, const Operand &w, bool wide) {
    return {a.bits, w.bits, a.encoding, w.encoding, a.zero_point != 0, w.zero_point != 0, wide};
}

std::string config_name(const BitserialConfig &c) {
    std::string s = std::to_string(c.abits) + "A" + std::to_string(c.wbits) + "W:";
    s += letter(c.a_encoding);
    if (c.a_zero_point) s += 'z';
    s += 'x';
    s += letter(c.w_encoding);
    if (c.w_zero_point) s += 'z';
    if (c.wide) s += ":wide";
    return s;
}

std::optional<BitserialConfig> parse_config(const std::string &text) {
    if (text == "xnor") return parse_config("1A1W:bxb");
    static const std::regex grammar("([1-8])A([1-8])W(?::([usb])(z?)x([usb])(z?))?(:wide)?");
    std::smatch m;
    if (!std::regex_match(text, m, grammar)) return std::nullopt;
    BitserialConfig c;
    c.abits = std::stoi(m[1]), c.wbits = std::stoi(m[2]);
    if (m[3].matched) {
        c.a_encoding = encoding_of(m[3].str()[0]), c.a_zero_point = m[4].length() > 0;
        c.w_encoding = encoding_of(m[5].str()[0]), c.w_zero_point = m[6].length() > 0;
    }
    c.wide = m[7].matched;
    // A bipolar operand has no zero point (lpgen refuses one): such a configuration never runs.
    if ((c.a_encoding == Encoding::Bipolar && c.a_zero_point) || (c.w_encoding == Encoding::Bipolar && c.w_zero_point)) {
        return std::nullopt;
    }
    return c;
}

std::string describe_config(const BitserialConfig &c) {
    auto operand = [](int bits, Encoding e, const char *what) {
        return std::to_string(bits) + "-bit " + param_name(e) + " " + what;
    };
    std::string zero_points = c.a_zero_point && c.w_zero_point ? "both zero points"
                              : c.a_zero_point                 ? "an activation zero point"
                              : c.w_zero_point                 ? "a weight zero point"
                                                               : "no zero points";
    return operand(c.abits, c.a_encoding, "activations") + " x " + operand(c.wbits, c.w_encoding, "weights") + ", " +
           zero_points + ", " + (c.wide ? "int64" : "int32") + " sums";
}

const char *algorithm_name(BitserialAlgorithm a) {
    switch (a) {
        case BitserialAlgorithm::Popcount: return "popcount";
        case BitserialAlgorithm::Int8Dot: return "int8-dot";
        case BitserialAlgorithm::Auto: break;
    }
    return "rule";
}

std::optional<BitserialAlgorithm> parse_algorithm(const std::string &text) {
    if (text == "popcount") return BitserialAlgorithm::Popcount;
    if (text == "int8-dot" || text == "int8") return BitserialAlgorithm::Int8Dot;
    if (text == "rule" || text == "auto") return BitserialAlgorithm::Auto;
    return std::nullopt;
}

bool is_specialisable_family(const std::string &generic_family) {
    for (const char *f : {"bs_gemm_i32", "bs_gemm_f32", "bs_gemm_packed", "bs_gemm_i32_gemv", "bs_gemm_f32_gemv",
                          "bs_conv2d_i32", "bs_conv2d_f32", "bs_conv2d_packed"}) {
        if (generic_family == f) return true;
    }
    return false;
}

std::string configured_family(const std::string &generic_family, const BitserialConfig &c) {
    return generic_family + "@" + config_name(c);
}

std::optional<ConfiguredFamily> split_configured_family(const std::string &family) {
    const size_t at = family.find('@');
    if (at == std::string::npos) return std::nullopt;
    const std::string generic = family.substr(0, at), config = family.substr(at + 1);
    if (!is_specialisable_family(generic)) return std::nullopt;
    const auto c = parse_config(config);
    if (!c || config_name(*c) != config) return std::nullopt;  // canonical spellings only: keys must match
    return ConfiguredFamily{generic, *c};
}

std::vector<std::string> generator_params(const BitserialConfig &c) {
    return {"fixed_abits=" + std::to_string(c.abits),
            "fixed_wbits=" + std::to_string(c.wbits),
            std::string("fixed_a_encoding=") + param_name(c.a_encoding),
            std::string("fixed_w_encoding=") + param_name(c.w_encoding),
            std::string("a_zero_point_used=") + (c.a_zero_point ? "true" : "false"),
            std::string("w_zero_point_used=") + (c.w_zero_point ? "true" : "false"),
            std::string("wide_sums=") + (c.wide ? "true" : "false")};
}

}  // namespace lpgen
