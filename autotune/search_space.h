// One schedule template's knob space for one target profile, as the template declares it
// (read from the JSON that lpgen_knob_spaces writes): knob names, the default configuration
// and every configuration the template's check accepts.
#pragma once

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace lpgen::tune {

using Config = std::vector<int>;  // one value per knob, in the template's knob order

class SearchSpace {
public:
    // Throws lpgen::Error for a template or profile the JSON does not have.
    static SearchSpace load(const nlohmann::json &spaces, const std::string &template_name,
                            const std::string &profile);

    const std::vector<std::string> &names() const { return names_; }
    const Config &default_config() const { return default_; }
    const std::vector<Config> &valid() const { return valid_; }
    bool contains(const Config &config) const;
    // Keeps only the configurations with knob `name` at `value` (no-op for a knob the template
    // lacks); throws lpgen::Error when the default does not survive.
    void fix(const std::string &name, int value);

    // "name:value,..." as the generators take it, and back (throws lpgen::Error for an unknown
    // name, a missing knob or a configuration the template rejects).
    std::string to_knobs(const Config &config) const;
    Config from_knobs(const std::string &knobs) const;

    // A valid configuration that differs from `config` in one knob, chosen with `rng`; `config`
    // itself when it has no valid neighbour.
    Config mutate(const Config &config, std::mt19937_64 &rng) const;

private:
    std::vector<std::string> names_;
    Config default_;
    std::vector<Config> valid_;  // sorted, for binary search
};

}  // namespace lpgen::tune
