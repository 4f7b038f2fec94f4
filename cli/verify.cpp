// lpgen verify, and running a cross profile's lpgen through a runner.
#include <cstdio>
#include <sstream>

#include "commands.h"
#include "cross_profiles.h"
#include "layer_job.h"
#include "lpgen/lpgen.h"

namespace lpgen::cli {
namespace {

// The end of verify's result line, which the runner's output must hold: "<isa> (<version>): N of M" in front.
constexpr const char *kVerifiedLine = " layer x precision results match the scalar reference";

}  // namespace

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
    std::string output;
    const int status = run_process(argv_strings, &output);
    if (status != 0) return status;
    // A runner that exits 0 without running lpgen (a wrong prefix, /bin/true) verified nothing.
    int matched = 0, checked = 0;
    const size_t at = output.rfind(kVerifiedLine);
    const size_t counts = at == std::string::npos ? std::string::npos : output.rfind(": ", at);
    if (counts == std::string::npos || std::sscanf(output.c_str() + counts + 2, "%d of %d", &matched, &checked) != 2 ||
        checked == 0) {
        std::fprintf(stderr, "lpgen: '%s' exited 0 but no %s result came back: nothing was verified\n",
                     (runner.empty() ? p->default_runner : runner).c_str(), profile.c_str());
        return 1;
    }
    return matched == checked ? 0 : 1;
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
    std::printf("%s (%s): %d of %d%s\n", lpgen_active_isa(), lpgen_version(), checked - failed, checked, kVerifiedLine);
    return failed == 0 && checked > 0 ? 0 : 1;
}

}  // namespace lpgen::cli
