// Writes every schedule template's knob space, as declared beside the template, to JSON: per
// profile its default configuration and every configuration that passes the template's check.
// The autotuner reads this file, so the spaces have one source of truth.
//
//   lpgen_knob_spaces > knob_spaces.json
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

#include "schedules/baseline_schedule.h"
#include "schedules/bitpack_schedule.h"
#include "schedules/bitserial_conv2d_schedule.h"
#include "schedules/bitserial_gemm_schedule.h"
#include "schedules/mx_codec_schedule.h"
#include "schedules/lowbit_gemv_schedule.h"
#include "schedules/mx_gemm_schedule.h"

namespace {

using namespace lpgen;

struct Template {
    const char *name;
    const KnobSpace &space;
    KnobCheck check;  // null: every configuration is allowed
};

const char *const kProfiles[] = {"x86-64-avx512", "x86-64-avx2", "arm64-a53", "arm32-a53"};

// Every combination of allowed values, first knob slowest.
void enumerate(const KnobSpace &space, size_t at, std::vector<int> &current,
               const std::function<void(const std::vector<int> &)> &visit) {
    if (at == space.size()) return visit(current);
    for (int v : space[at].allowed) {
        current[at] = v;
        enumerate(space, at + 1, current, visit);
    }
}

nlohmann::json describe(const Template &t) {
    nlohmann::json j;
    for (const KnobSpec &k : t.space) j["knobs"].push_back({{"name", k.name}, {"allowed", k.allowed}, {"meaning", k.meaning}});
    for (int p = 0; p < 4; ++p) {
        const auto profile = static_cast<Profile>(p);
        std::vector<int> defaults;
        for (const KnobSpec &k : t.space) defaults.push_back(k.defaults[p]);
        nlohmann::json valid = nlohmann::json::array();
        std::vector<int> current(t.space.size());
        enumerate(t.space, 0, current, [&](const std::vector<int> &values) {
            Knobs knobs;
            for (size_t i = 0; i < values.size(); ++i) knobs[t.space[i].name] = values[i];
            if (t.check == nullptr || t.check(knobs, profile)) valid.push_back(values);
        });
        j["profiles"][kProfiles[p]] = {{"default", defaults}, {"valid", valid}};
    }
    return j;
}

}  // namespace

int main() {
    const Template templates[] = {
        {"bitpack", bitpack_knob_space(), nullptr},
        {"bitserial_gemm", bitserial_gemm_knob_space(), bitserial_gemm_knobs_fit},
        {"bitserial_gemv", bitserial_gemv_knob_space(), nullptr},
        {"bitserial_conv2d", bitserial_conv2d_knob_space(), bitserial_conv2d_knobs_fit},
        {"baseline_gemm", baseline_gemm_knob_space(), baseline_knobs_fit},
        {"baseline_conv2d", baseline_conv2d_knob_space(), baseline_knobs_fit},
        {"mx_codec", mx_codec_knob_space(), nullptr},
        {"mx_gemm", mx_gemm_knob_space(), mx_gemm_knobs_fit},
        {"mx_gemm_i16", mx_gemm_i16_knob_space(), mx_block_tile_knobs_fit},
        {"mx_gemm_i16_split", mx_gemm_i16_split_knob_space(), mx_split_block_tile_knobs_fit},
        {"mx_gemm_i16_fp8", mx_gemm_i16_fp8_knob_space(), mx_fp8_block_tile_knobs_fit},
        {"mx_gemm_i8", mx_gemm_i8_knob_space(), mx_block_tile_knobs_fit},
        {"mx_gemv", mx_gemv_knob_space(), nullptr},
        {"lowbit_gemv", lowbit_gemv_knob_space(), nullptr},
    };
    nlohmann::json out;
    for (const Template &t : templates) out["templates"][t.name] = describe(t);
    std::printf("%s\n", out.dump().c_str());
    return 0;
}
