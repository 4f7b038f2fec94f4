// lpgen generate: a static-library bundle for one target profile. For each layer x precision
// it takes the best valid, non-stale tuning record of the kernel family and shape the runtime
// dispatches the layer to, compiles that configuration, and writes
//   <out>/<name>.a     the tuned kernels and <name>_register(), which hands their table to the
//                      runtime (lpgen_register_kernels); link it with liblpgen.a
//   <out>/<name>.h     declares <name>_register()
//   <out>/<name>.so    the same, loadable: what `lpgen verify --bundle` runs
//   <out>/manifest.json what is in the bundle and where each choice came from
// Layers without a record keep the library's default kernel, and the manifest says so.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "bitserial_config.h"
#include "builder.h"
#include "commands.h"
#include "lpgen/bitserial.hpp"
#include "lpgen/lpgen.h"
#include "manifest.h"
#include "safe_files.h"
#include "subprocess.h"
#include "tune_plan.h"

namespace lpgen::cli {
namespace {

using namespace lpgen::tune;

std::string identifier(const std::string &text) {
    std::string out;
    for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return out;
}

// Measured beats modeled; then the lower cost.
bool better_record(const Record &a, const Record &b) {
    auto modeled = [](const Record &r) { return r.runner.rfind("model:", 0) == 0; };
    if (modeled(a) != modeled(b)) return !modeled(a);
    return a.cost() < b.cost();
}

// The best record to apply: the fastest valid one, measured first; modeled only where nothing
// was measured (a profile tuned under the A53 model, with no board). Records this build cannot
// apply (see record_problem) are passed over, and `skipped` says why.
std::optional<Record> best_record(const Database &db, const Task &t, const std::string &profile, const std::string &hash,
                                  const Catalog &catalog, const nlohmann::json &spaces, std::string &skipped) {
    std::vector<Record> usable;
    for (const Record &r : db.all()) {
        if (r.op != t.base.family || r.shape != t.base.shape || r.precision != t.base.precision || r.profile != profile ||
            r.sources_hash != hash || r.verdict != "ok" || !(r.cost() > 0)) {
            continue;
        }
        const std::string problem = record_problem(r, catalog, spaces);
        if (problem.empty()) {
            usable.push_back(r);
        } else if (skipped.empty()) {
            skipped = "a record of " + r.timestamp + " skipped: " + problem.substr(0, 200);
        }
    }
    if (usable.empty()) return std::nullopt;
    return *std::min_element(usable.begin(), usable.end(), better_record);
}

// What a family's kernel fixes at generation, in words.
std::string specialisation_of(const std::string &family) {
    if (const auto configured = split_configured_family(family)) return describe_config(configured->config);
    return "";
}

std::string describe_record(const Record &r) {
    char cost[64];
    if (r.modeled_cycles > 0) {
        std::snprintf(cost, sizeof cost, "%.4g modeled cycles", r.modeled_cycles);
    } else {
        std::snprintf(cost, sizeof cost, "%.4f ms", r.median_s * 1e3);
    }
    const std::string where = r.measured_on.empty() ? "" : " on " + r.measured_on;
    return "tuned: " + r.runner + " record of " + r.timestamp + where + ", " + cost;
}

// Where lpgen/lpgen.h is: installed beside the binary, or in the source tree.
std::string runtime_include_dir() {
    const std::string installed = executable_dir() + "/../include";
    if (access((installed + "/lpgen/lpgen.h").c_str(), R_OK) == 0) return installed;
    return std::string(LPGEN_SOURCE_DIR) + "/runtime";
}

void write_registry(const std::string &path, const std::string &name, const Manifest &m) {
    std::ostringstream c;
    c << "/* Written by lpgen generate: the kernel table of bundle " << name << ". */\n#include \"lpgen/lpgen.h\"\n\n";
    std::map<std::string, bool> declared;
    for (const ManifestEntry &e : m.entries) {
        if (!e.function.empty() && !declared[e.function]) c << "extern int " << e.function << "();\n", declared[e.function] = true;
    }
    c << "\nstatic const lpgen_kernel_entry entries[] = {\n";
    size_t count = 0;
    for (const ManifestEntry &e : m.entries) {
        if (e.function.empty()) continue;
        c << "    {\"" << e.family << "\", \"" << e.shape << "\", \"" << m.isa << "\", (void (*)(void))" << e.function
          << ", \"" << e.function << "\"},  /* " << e.layer << " " << e.precision << " */\n";
        ++count;
    }
    if (count == 0) c << "    {0, 0, 0, 0, 0},\n";
    c << "};\n\n/* Where the tuner measured the bit-serial algorithms against each other, the faster one. */\n"
      << "static const lpgen_algorithm_entry algorithms[] = {\n";
    size_t choices = 0;
    for (const ManifestEntry &e : m.entries) {
        if (e.algorithm.empty()) continue;
        c << "    {\"" << e.choice_family << "\", \"" << e.choice_shape << "\", \"" << m.isa << "\", \"" << e.algorithm
          << "\"},  /* " << e.layer << " " << e.precision << " */\n";
        ++choices;
    }
    if (choices == 0) c << "    {0, 0, 0, 0},\n";
    c << "};\n\nlpgen_status " << name << "_register(void) {\n"
      << "    const lpgen_status status = lpgen_register_kernels(entries, " << count << ");\n"
      << "    return status != LPGEN_OK ? status : lpgen_register_algorithms(algorithms, " << choices << ");\n}\n";
    write_atomically(path, c.str());
}

}  // namespace

int generate(const GenerateOptions &o) {
    kill_children_on_termination();
    const Catalog catalog = Catalog::load(o.catalog);
    const nlohmann::json spaces = load_knob_spaces(catalog);
    const std::string profile_name = o.profile.empty() ? host_profile() : o.profile;
    const ProfileInfo &profile = catalog.profile(profile_name);
    const std::string name = identifier(o.name);
    if (name.empty() || name.size() > 64 || std::isdigit(static_cast<unsigned char>(name[0]))) {
        throw Error("lpgen: --name must be a C identifier of 1 to 64 characters, got '" + o.name.substr(0, 80) + "'");
    }
    std::error_code exists_error;
    if (std::filesystem::exists(o.out_dir, exists_error) && !std::filesystem::is_directory(o.out_dir, exists_error)) {
        throw Error("lpgen: --out '" + o.out_dir + "' exists and is not a folder");
    }
    std::error_code made;
    std::filesystem::create_directories(o.out_dir, made);
    if (made) throw Error("lpgen: cannot create --out '" + o.out_dir + "': " + made.message());
    if (access(o.db.c_str(), R_OK) != 0) std::printf("no tuning database at %s: every layer keeps its default kernel\n", o.db.c_str());
    Database db(access(o.db.c_str(), R_OK) == 0 ? o.db : ":memory:");
    const std::vector<PlannedTask> tasks = plan_tasks(o.layers, o.precisions, o.seed);

    Manifest m{name, profile_name, profile.suffix, lpgen_version(), catalog.sources_hash, name + ".a", name + ".so",
               name + ".h", {}};
    const std::string work = o.out_dir + "/" + name + ".work";
    std::filesystem::create_directories(work, made);  // the kernel table is written there even when nothing was tuned
    if (made) throw Error("lpgen: cannot create " + work + ": " + made.message());
    // Each layer x precision: the task (algorithm) whose best record is fastest, or the rule's.
    struct Choice {
        const PlannedTask *task;
        std::optional<Record> best;
        std::string skipped;
        int stale = 0;
    };
    std::vector<Choice> choices;
    for (size_t first = 0; first < tasks.size();) {
        // One layer x precision: its tasks are the algorithms that can serve it.
        size_t end = first + 1;
        while (end < tasks.size() && tasks[end].task.layer_name == tasks[first].task.layer_name &&
               tasks[end].task.base.precision == tasks[first].task.base.precision) {
            ++end;
        }
        Choice c{nullptr, std::nullopt, "", 0};
        for (size_t i = first; i < end; ++i) {
            auto r = best_record(db, tasks[i].task, profile_name, catalog.sources_hash, catalog, spaces, c.skipped);
            if (r && (!c.best || better_record(*r, *c.best))) c.best = r, c.task = &tasks[i];
        }
        if (!c.best) {
            // Untuned: the task of the algorithm the runtime's rule takes (its default kernel's family).
            const bool rule_takes_int8 = tasks[first].default_family.rfind("mx_", 0) == 0;
            c.task = &tasks[end - 1 > first && rule_takes_int8 ? end - 1 : first];
            for (size_t i = first; i < end; ++i) {
                const Candidate &b = tasks[i].task.base;
                c.stale += db.stale_count(b.family, b.shape, b.precision, profile_name, catalog.sources_hash);
            }
        }
        choices.push_back(c);
        first = end;
    }
    // The registry holds one kernel per (family, shape): where several precisions' calls land on
    // the same one (two bit-serial precisions taking the int8 path of one layer run the same MX
    // kernel on the same GEMM), the fastest of their records serves them all.
    std::map<std::pair<std::string, std::string>, const Choice *> serving;
    for (const Choice &c : choices) {
        if (!c.best) continue;
        const Choice *&s = serving[{c.task->task.base.family, c.task->task.base.shape}];
        if (s == nullptr || better_record(*c.best, *s->best)) s = &c;
    }

    std::map<std::tuple<std::string, std::string, std::string>, std::string> functions;  // family, shape, knobs
    std::vector<BuildRequest> requests;
    for (const Choice &c : choices) {
        const PlannedTask &p = *c.task;
        const Task &t = p.task;
        ManifestEntry e{t.layer_name, t.base.layer_json, t.base.precision, t.base.family, t.base.shape, "", "", "", "", ""};
        e.default_family = p.default_family;
        if (c.best) {
            const Choice &s = *serving.at({t.base.family, t.base.shape});
            const Record &best = *s.best;
            auto key = std::make_tuple(t.base.family, t.base.shape, best.knobs);
            auto it = functions.find(key);
            if (it == functions.end()) {
                const Task &owner = s.task->task;
                const std::string function =
                    name + "_" + identifier(owner.layer_name + "_" + owner.base.precision + "_" + owner.base.family);
                it = functions.emplace(key, function).first;
                requests.push_back({t.base.family, profile_name, best.knobs, function, work});
            }
            e.function = it->second;
            e.knobs = best.knobs;
            e.specialised = specialisation_of(t.base.family);
            e.source = describe_record(best);
            if (&s != &c) {
                e.source += "; shared with " + s.task->task.layer_name + " " + s.task->task.base.precision +
                            ", whose record for this kernel family and shape is faster";
            }
            if (!p.algorithm.empty()) {  // the faster algorithm, registered so the rule cannot override it
                e.algorithm = p.algorithm, e.choice_family = p.choice_family, e.choice_shape = p.choice_shape;
            }
        } else {
            e.source = "default: no valid record" +
                       (c.stale ? " (" + std::to_string(c.stale) + " stale ones ignored)" : std::string());
            if (!c.skipped.empty()) e.source += "; " + c.skipped;
        }
        m.entries.push_back(e);
    }

    const std::vector<BuildResult> built = build_all(catalog, requests, o.jobs, o.build_limit_s);
    std::vector<std::string> objects;
    for (size_t i = 0; i < built.size(); ++i) {
        if (built[i].ok) {
            objects.push_back(work + "/" + requests[i].function + ".o");
            continue;
        }
        if (built[i].environment) {
            throw Error("lpgen: compiling " + requests[i].function + " failed on this host, nothing written: " +
                        built[i].error.substr(0, 600));
        }
        // A tuned configuration that no longer compiles: its layers keep the default kernel.
        std::fprintf(stderr, "lpgen: compiling %s failed; its layers keep the default kernel: %s\n",
                     requests[i].function.c_str(), built[i].error.substr(0, 300).c_str());
        for (ManifestEntry &e : m.entries) {
            if (e.function != requests[i].function) continue;
            e.function.clear(), e.knobs.clear(), e.specialised.clear(), e.algorithm.clear();
            e.source = "default: the tuned configuration failed to compile (" + built[i].error.substr(0, 160) + ")";
        }
    }
    const std::string registry = work + "/" + name + "_registry.c";
    write_registry(registry, name, m);
    auto run = [&](const char *what, const std::vector<std::string> &argv) {
        const ProcessResult r = run_captured(argv, o.build_limit_s);
        if (!r.ok()) throw Error(std::string("lpgen: ") + what + " failed (" + r.describe() + "): " + r.output);
    };
    run("compiling the kernel table", {profile.cxx, "-x", "c", "-O2", "-fPIC", "-c", "-I" + runtime_include_dir(), registry,
                                       "-o", work + "/" + name + "_registry.o"});
    objects.push_back(work + "/" + name + "_registry.o");
    const std::string library = o.out_dir + "/" + m.library;
    std::filesystem::remove(library);
    std::vector<std::string> ar = {"ar", "qc", library};
    ar.insert(ar.end(), objects.begin(), objects.end());
    run("ar", ar);
    std::vector<std::string> link = {profile.cxx, "-shared", "-o", o.out_dir + "/" + m.shared_object};
    link.insert(link.end(), objects.begin(), objects.end());
    run("linking the shared object", link);
    write_atomically(o.out_dir + "/" + m.header,
                     "/* Written by lpgen generate (" + profile_name + "): tuned kernels for " +
                         std::to_string(tasks.size()) + " layer x precision calls. Call " + name +
                         "_register() once before them; link " + m.library +
                         " and liblpgen.a. */\n#pragma once\n#include \"lpgen/lpgen.h\"\n#ifdef __cplusplus\nextern "
                         "\"C\" {\n#endif\nlpgen_status " + name + "_register(void);\n#ifdef __cplusplus\n}\n#endif\n");
    write_atomically(o.out_dir + "/manifest.json", manifest_json(m));  // last: a bundle is whole once it is there
    std::filesystem::remove_all(work);

    std::printf("bundle %s for %s in %s/: %s, %s, %s, manifest.json\n", name.c_str(), profile_name.c_str(),
                o.out_dir.c_str(), m.library.c_str(), m.header.c_str(), m.shared_object.c_str());
    std::printf("%-6s %-9s %-26s %s\n", "layer", "prec", "kernel family", "kernel (source)");
    for (const ManifestEntry &e : m.entries) {
        std::printf("%-6s %-9s %-26s %s (%s)\n", e.layer.c_str(), e.precision.c_str(), e.family.c_str(),
                    serving_kernel(e, profile.suffix).c_str(),
                    e.source.c_str());
    }
    return 0;
}

}  // namespace lpgen::cli
