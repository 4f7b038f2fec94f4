#include "tune_plan.h"

#include <fstream>
#include <optional>
#include <sstream>

#include "bitserial_int8.h"
#include "kernel_table.h"
#include "layer_job.h"
#include "layer_set.h"
#include "lpgen/lpgen.h"
#include "precision.h"
#include "search_space.h"
#include "tuned_kernels.h"

namespace lpgen::cli {

namespace {

// The int8 path is measured as an alternative from this many plane pairs on: below it popcount
// makes at most two AND+POPCNT passes per 64 products, which no int8 dot matches on any ISA
// lpgen targets (Zen 4, GEMM 1024^3: 1A2W popcount 779 GOPS, int8 624; AVX2 2A1W 320 / 269);
// from three the int8 kernels may win (1A3W 529 / 626).
constexpr int kInt8AlternativeFromPlanePairs = 3;

struct Planned {
    std::string ran;
    Dispatch kernel, choice;
};

// Runs the layer once as the runtime would (the algorithm forced, unless Auto) and records where
// it went.
Planned plan_once(const Layer &layer, const Precision &p, unsigned seed, BitserialAlgorithm algorithm) {
    const ForcedAlgorithm forced(algorithm);
    const DispatchRecording recording;
    Planned out;
    out.ran = make_job(layer, p, seed)->run();
    out.kernel = last_dispatch(), out.choice = last_algorithm_key();
    return out;
}

}  // namespace

std::vector<PlannedTask> plan_tasks(const std::string &layers, const std::string &precisions, unsigned seed) {
    std::vector<PlannedTask> tasks;
    for (const Layer &layer : load_layers(layers)) {
        for (const Precision &p : parse_precisions(precisions)) {
            if (p.is_baseline()) throw Error("lpgen: " + p.name + " is a baseline; tune bit-serial or MX precisions");
            PlannedTask t;
            // The runtime's own choice: 1x1 convolutions run as GEMMs, wide sums take the generic
            // kernel, ...; under LPGEN_BITSERIAL_ALGORITHM the forced algorithm's.
            const BitserialAlgorithm forced = bitserial_algorithm();
            const Planned by_rule = plan_once(layer, p, seed, forced);
            t.default_family = kernel_family(by_rule.ran.c_str());
            t.task.layer_name = layer.name;
            t.task.base.layer_json = layer_json(layer);
            t.task.base.precision = p.name;
            const Conv2dShape &s = layer.shape;
            const double outputs = double(s.batch) * s.out_height() * s.out_width() * s.out_channels;
            const double window = double(s.kernel_h) * s.kernel_w;
            if (p.kind != Precision::Kind::Bitserial) {  // MACs: channels padded to 32
                t.task.base.family = by_rule.kernel.family;
                t.task.base.shape = by_rule.kernel.shape;
                t.task.base.work = outputs * window * ((s.channels + 31) / 32 * 32.0);
                tasks.push_back(t);
                continue;
            }
            // An algorithm forced (LPGEN_BITSERIAL_ALGORITHM) is the only one planned.
            const Planned popcount = plan_once(layer, p, seed, BitserialAlgorithm::Popcount);
            t.choice_family = popcount.choice.family, t.choice_shape = popcount.choice.shape;
            std::optional<Planned> int8;
            if (forced != BitserialAlgorithm::Popcount &&
                (p.abits * p.wbits >= kInt8AlternativeFromPlanePairs || forced == BitserialAlgorithm::Int8Dot)) {
                int8 = plan_once(layer, p, seed, BitserialAlgorithm::Int8Dot);
                if (int8->kernel.family.rfind("mx_", 0) != 0) int8.reset();  // not exact in it: popcount serves
            }
            if (!int8 || forced != BitserialAlgorithm::Int8Dot) {
                t.algorithm = t.task.base.algorithm = algorithm_name(BitserialAlgorithm::Popcount);
                t.task.base.family = popcount.kernel.family;
                t.task.base.shape = popcount.kernel.shape;
                // popcount bits: channels padded to 64
                t.task.base.work = outputs * window * ((s.channels + 63) / 64 * 64.0) * p.abits * p.wbits;
                tasks.push_back(t);
            }
            if (int8) {
                t.algorithm = t.task.base.algorithm = algorithm_name(BitserialAlgorithm::Int8Dot);
                t.task.base.family = int8->kernel.family;
                t.task.base.shape = int8->kernel.shape;
                t.task.base.work = outputs * window * ((s.channels + 31) / 32 * 32.0);  // MACs, as the MX kernels count
                tasks.push_back(t);
            }
        }
    }
    return tasks;
}

std::string adams2019_estimate(const tune::Candidate &t) {
    const std::vector<int> v = tune::shape_numbers(t.shape);
    auto join = [](std::vector<int> values) {
        std::string out;
        for (int x : values) out += (out.empty() ? "" : "x") + std::to_string(x);
        return out;
    };
    const Precision p = parse_precision(t.precision);
    const bool conv = t.shape.rfind("conv2d ", 0) == 0, gemm = t.shape.rfind("gemm ", 0) == 0;
    if (t.family.rfind("bs_conv2d_f32", 0) == 0 && conv && v.size() == 15 && v[5] == v[6]) {
        return join({v[1], v[2], v[3], v[4], v[5], v[7], v[11], p.abits, p.wbits});  // h w c oc k stride pad bits
    }
    if (t.family.rfind("bs_gemm_f32", 0) == 0 && gemm && v.size() == 3) return join({v[0], v[1], v[2], p.abits, p.wbits});
    if ((t.family == "mx_gemm_i8" || t.family == "mx_gemm_i8_narrow") && gemm && v.size() == 3) return join(v);
    return "";
}

std::string host_profile() { return cpu_supports_isa("x86_avx512") ? "x86-64-avx512" : "x86-64-avx2"; }

nlohmann::json load_knob_spaces(const tune::Catalog &catalog) {
    std::ifstream in(catalog.knob_spaces_path);
    if (!in) throw Error("lpgen: cannot read the knob spaces " + catalog.knob_spaces_path);
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception &e) {
        throw Error("lpgen: " + catalog.knob_spaces_path + ": " + e.what());
    }
}

int count_stale(const tune::Database &db, const std::vector<PlannedTask> &tasks, const std::string &profile,
                const std::string &sources_hash) {
    int stale = 0;
    for (const PlannedTask &t : tasks) {
        stale += db.stale_count(t.task.base.family, t.task.base.shape, t.task.base.precision, profile, sources_hash);
    }
    return stale;
}

std::string tool_version() {
    std::ostringstream v;
    v << "lpgen " << lpgen_version();
#ifdef LPGEN_TOOLCHAIN_VERSION
    v << "; " << LPGEN_TOOLCHAIN_VERSION;
#endif
    return v.str();
}

std::string record_problem(const tune::Record &r, const tune::Catalog &catalog, const nlohmann::json &spaces) {
    try {
        const tune::ProfileInfo &profile = catalog.profile(r.profile);
        const tune::Family &family = catalog.family(r.op);
        parse_precision(r.precision);
        check_tuned_entry(r.op, r.shape, profile.suffix);
        tune::SearchSpace::load(spaces, family.schedule_template, r.profile).from_knobs(r.knobs);
    } catch (const std::exception &e) {  // lpgen::Error, or std::invalid_argument for a knob
        return e.what();
    }
    return "";
}

}  // namespace lpgen::cli
