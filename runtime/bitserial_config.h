// A bit-serial configuration: what a bundle's kernel is specialised for (widths, encodings,
// zero-point presence, int32 or int64 sums), and how it is spelt.
//
//   "<a>A<w>W[:<a enc>x<w enc>]", each encoding u (unsigned), s (signed) or b (bipolar), followed
//   by z when that operand has a zero point; ":wide" appended when the sums may not fit int32.
//   "3A5W" is "3A5W:uxu"; "1A1W:bxb" is XNOR; "8A4W:uzxs" has an activation zero point.
//
// A kernel family specialised for one configuration is "<generic family>@<configuration>", e.g.
// "bs_conv2d_f32@3A5W:sxb": the runtime looks a call up under its own configuration's family
// first, so such a kernel only ever serves the calls it was compiled for.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lpgen/bitserial.hpp"

namespace lpgen {

struct BitserialConfig {
    int abits = 1, wbits = 1;
    Encoding a_encoding = Encoding::Unsigned, w_encoding = Encoding::Unsigned;
    bool a_zero_point = false, w_zero_point = false;
    bool wide = false;  // sums may exceed int32 (fp32 outputs only; others ignore it)

    bool operator==(const BitserialConfig &o) const;
};

// The configuration of a call; `wide` when its sums over `terms` products may not fit int32.
BitserialConfig config_of(const Operand &a, const Operand &w, bool wide);

// The canonical spelling ("3A5W:sxb", "1A1W:bxb", "8A4W:uzxs:wide").
std::string config_name(const BitserialConfig &c);
// Reads any accepted spelling (with or without the encoding part; "xnor" for "1A1W:bxb").
std::optional<BitserialConfig> parse_config(const std::string &text);

// In words, for manifests: "3-bit signed activations x 5-bit bipolar weights, no zero points,
// int32 sums".
std::string describe_config(const BitserialConfig &c);

// "<family>@<configuration>" for a generic bit-serial family that can be specialised.
std::string configured_family(const std::string &generic_family, const BitserialConfig &c);
// Splits a configured family; nullopt unless it is a specialisable family @ a canonical config.
struct ConfiguredFamily {
    std::string generic;
    BitserialConfig config;
};
std::optional<ConfiguredFamily> split_configured_family(const std::string &family);
// The generic families a configuration specialises (the runtime-width kernels).
bool is_specialisable_family(const std::string &generic_family);

// Which exact algorithm serves a bit-serial call (bitserial_int8.h): decided by the measured
// rule (Auto), by a bundle's tuned choice, or forced (LPGEN_BITSERIAL_ALGORITHM, tests).
enum class BitserialAlgorithm { Auto, Popcount, Int8Dot };
// "popcount", "int8-dot" ("rule" for Auto).
const char *algorithm_name(BitserialAlgorithm a);
// Reads "popcount", "int8-dot" (also "int8"), "rule" / "auto"; nullopt for anything else.
std::optional<BitserialAlgorithm> parse_algorithm(const std::string &text);

// The generator parameters that fix a configuration ("fixed_abits=3", "fixed_a_encoding=signed",
// "a_zero_point_used=false", "wide_sums=true", ...).
std::vector<std::string> generator_params(const BitserialConfig &c);

}  // namespace lpgen
