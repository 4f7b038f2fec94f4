// lpgen verify, and running a cross profile's lpgen through a runner.
#include <cstdio>
#include <sstream>

#include "commands.h"
#include "cross_profiles.h"
#include "layer_job.h"
#include "lpgen/lpgen.h"

namespace lpgen::cli {

int run_cross(const std::string &profile, const std::string &runner, const std::vector<std::string> &args) {
    const CrossProfile *p = find_cross_profile(profile);
    if (p == nullptr) {
        std::fprintf(stderr, "lpgen: unknown profile '%s' (see lpgen targets)\n", profile.c_str());
        return 2;
    }
    if (p->binary.empty()) {
        std::fprintf(stderr, "lpgen: this build has no %s binary (configure with the cross compilers and qemu)\n",
                     profile.c_str());
        return 2;
    }
    std::vector<std::string> argv_strings;
    std::stringstream words(runner.empty() ? p->default_runner : runner);
    for (std::string w; words >> w;) argv_strings.push_back(w);
    argv_strings.push_back(p->binary);
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    if (!on_path(argv_strings[0])) {
        std::fprintf(stderr, "lpgen: runner '%s' is not installed\n", argv_strings[0].c_str());
        return 2;
    }
    return run_process(argv_strings);
}

int verify(const VerifyOptions &o) {
    if (!o.profile.empty() && o.profile != "host") {
        std::printf("verifying the %s kernels through '%s'\n", o.profile.c_str(),
                    o.runner.empty() ? find_cross_profile(o.profile) ? find_cross_profile(o.profile)->default_runner.c_str() : "?"
                                     : o.runner.c_str());
        return run_cross(o.profile, o.runner,
                         {"verify", "--layers", o.layers, "--precisions", o.precisions, "--seed", std::to_string(o.seed)});
    }
    const auto layers = load_layers(o.layers);
    const auto precisions = parse_precisions(o.precisions);
    lpgen_set_num_threads(o.threads);
    int failed = 0, checked = 0;
    for (const Layer &layer : layers) {
        for (const Precision &p : precisions) {
            const Verdict v = make_job(layer, p, o.seed)->verify();
            ++checked;
            if (!v.ok) ++failed;
            std::printf("  %-5s %-8s %s  %s\n", layer.name.c_str(), p.name.c_str(), v.ok ? "ok  " : "FAIL", v.detail.c_str());
        }
    }
    std::printf("%s (%s): %d of %d layer x precision results match the scalar reference\n", lpgen_active_isa(),
                lpgen_version(), checked - failed, checked);
    return failed == 0 ? 0 : 1;
}

}  // namespace lpgen::cli
