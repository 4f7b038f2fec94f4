// What `lpgen tune` and `lpgen generate` share: which kernel family and shape each layer x
// precision dispatches to (asked of the runtime itself, by running the layer once), the host's
// profile, the knob spaces and the tool versions records carry.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "catalog.h"
#include "database.h"
#include "tuner.h"

namespace lpgen::cli {

struct PlannedTask {
    tune::Task task;
    // The library kernel family that serves the task when nothing is registered for it (the
    // task's own family may be a configuration no prebuilt kernel has: "bs_conv2d_f32@3A5W:sxb").
    std::string default_family;
    // Bit-serial precisions are planned once per exact algorithm that can serve them
    // ("popcount", and "int8-dot" where its sums are exact and the widths give it a chance), each
    // a task of its own: the tuner searches the algorithm as it searches knobs, and generate
    // keeps the faster. Empty for MX precisions.
    std::string algorithm;
    // The key a bundle's algorithm choice is registered under (register_algorithm): the
    // configured bit-serial family and shape the call looks its algorithm up with.
    std::string choice_family, choice_shape;
};

// Every (layer, precision) of the sets, in order, a bit-serial one's algorithms next to each other
// (popcount first); baselines are refused (they are not tuned per shape).
std::vector<PlannedTask> plan_tasks(const std::string &layers, const std::string &precisions, unsigned seed);

// The generator's "estimate" param for Adams2019 (generators/estimates.h) from a task's
// dispatched shape and precision; empty for families without estimates.
std::string adams2019_estimate(const tune::Candidate &task);

// "x86-64-avx512" where this CPU runs that variant, else "x86-64-avx2".
std::string host_profile();
nlohmann::json load_knob_spaces(const tune::Catalog &catalog);
int count_stale(const tune::Database &db, const std::vector<PlannedTask> &tasks, const std::string &profile,
                const std::string &sources_hash);
std::string tool_version();

// Why a tuning record cannot be applied on this build ("" when it can): an unknown profile,
// family or precision, a shape the family's operator does not spell that way, or knobs outside
// the family's knob space (an unknown knob, a value out of range). Imports refuse such records
// and generate skips them, so that no record can make a build die.
std::string record_problem(const tune::Record &r, const tune::Catalog &catalog, const nlohmann::json &spaces);

}  // namespace lpgen::cli
