#include "search_space.h"

#include <algorithm>
#include <sstream>

#include "lpgen/bitserial.hpp"

namespace lpgen::tune {

SearchSpace SearchSpace::load(const nlohmann::json &spaces, const std::string &template_name,
                              const std::string &profile) {
    const auto &templates = spaces.at("templates");
    if (!templates.contains(template_name)) throw Error("lpgen: no schedule template '" + template_name + "'");
    const auto &t = templates.at(template_name);
    if (!t.at("profiles").contains(profile)) throw Error("lpgen: no target profile '" + profile + "'");
    SearchSpace s;
    for (const auto &k : t.at("knobs")) s.names_.push_back(k.at("name").get<std::string>());
    const auto &p = t.at("profiles").at(profile);
    s.default_ = p.at("default").get<Config>();
    s.valid_ = p.at("valid").get<std::vector<Config>>();
    std::sort(s.valid_.begin(), s.valid_.end());
    return s;
}

void SearchSpace::fix(const std::string &name, int value) {
    auto it = std::find(names_.begin(), names_.end(), name);
    if (it == names_.end()) return;
    const size_t i = size_t(it - names_.begin());
    valid_.erase(std::remove_if(valid_.begin(), valid_.end(), [&](const Config &c) { return c[i] != value; }),
                 valid_.end());
    default_[i] = value;
    if (!contains(default_)) throw Error("lpgen: the default configuration is invalid with " + name + ":" + std::to_string(value));
}

bool SearchSpace::contains(const Config &config) const {
    return std::binary_search(valid_.begin(), valid_.end(), config);
}

std::string SearchSpace::to_knobs(const Config &config) const {
    std::string out;
    for (size_t i = 0; i < names_.size(); ++i) {
        out += (i ? "," : "") + names_[i] + ":" + std::to_string(config.at(i));
    }
    return out;
}

Config SearchSpace::from_knobs(const std::string &knobs) const {
    Config config(names_.size(), 0);
    std::vector<bool> seen(names_.size(), false);
    std::stringstream items(knobs);
    for (std::string item; std::getline(items, item, ',');) {
        const size_t colon = item.find(':');
        const std::string name = item.substr(0, colon);
        auto it = std::find(names_.begin(), names_.end(), name);
        if (colon == std::string::npos || it == names_.end()) throw Error("lpgen: unknown knob '" + item + "'");
        const size_t i = size_t(it - names_.begin());
        config[i] = std::stoi(item.substr(colon + 1));
        seen[i] = true;
    }
    if (std::find(seen.begin(), seen.end(), false) != seen.end()) throw Error("lpgen: knobs '" + knobs + "' miss one");
    if (!contains(config)) throw Error("lpgen: knobs '" + knobs + "' are not a valid configuration");
    return config;
}

Config SearchSpace::mutate(const Config &config, std::mt19937_64 &rng) const {
    std::vector<const Config *> neighbours;
    for (const Config &c : valid_) {
        size_t differ = 0;
        for (size_t i = 0; i < c.size(); ++i) differ += c[i] != config[i];
        if (differ == 1) neighbours.push_back(&c);
    }
    if (neighbours.empty()) return config;
    return *neighbours[std::uniform_int_distribution<size_t>(0, neighbours.size() - 1)(rng)];
}

}  // namespace lpgen::tune
