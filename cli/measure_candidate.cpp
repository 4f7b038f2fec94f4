// lpgen measure-candidate: the process the tuner's runners start for one candidate. It loads
// the candidate kernel (a shared object from the builder), registers it for its family and
// shape, checks one call against the scalar reference, confirms the candidate is what ran, and
// times the layer as a program calls it. One JSON line on stdout carries the result, so a crash
// or a hang here costs the tuner one candidate (see autotune/runner.h).
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "bitserial_int8.h"
#include "commands.h"
#include "kernel_table.h"
#include "layer_job.h"
#include "measure.h"
#include "measurement_protocol.h"
#include "tuned_kernels.h"

namespace lpgen::cli {
namespace {

nlohmann::json load_candidate(const CandidateOptions &o) {
    void *library = dlopen(o.library.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) return {{"verdict", "failed"}, {"detail", std::string("dlopen: ") + dlerror()}};
    void *symbol = dlsym(library, o.function.c_str());
    if (symbol == nullptr) return {{"verdict", "failed"}, {"detail", "no symbol " + o.function + " in " + o.library}};
    register_tuned_kernel(o.family, o.shape, kernels().isa, reinterpret_cast<void (*)()>(symbol), o.function);
    return {};
}

nlohmann::json run(const CandidateOptions &o) {
    // The algorithm the candidate belongs to, whatever the rule would pick for this layer.
    if (!o.algorithm.empty()) set_bitserial_algorithm(*parse_algorithm(o.algorithm));
    const Precision precision = parse_precision(o.precision);
    std::unique_ptr<LayerJob> job = make_job(parse_layer(o.layer, "--layer"), precision, o.seed);
    if (o.plan) {  // which family and shape the runtime dispatches this layer to
        const DispatchRecording recording;
        job->run();
        return {{"family", last_dispatch().family}, {"shape", last_dispatch().shape}};
    }
    if (!o.library.empty()) {
        nlohmann::json failure = load_candidate(o);
        if (!failure.empty()) return failure;
    }
    const Verdict verdict = job->verify();
    const std::string ran = job->run();
    nlohmann::json result = {{"kernel", ran}, {"detail", verdict.detail}};
    if (!o.library.empty() && ran != o.function) {
        result["verdict"] = "failed";
        result["detail"] = "the runtime ran " + ran + ", not the candidate (family or shape mismatch)";
        return result;
    }
    if (!verdict.ok) {
        result["verdict"] = "wrong";
        return result;
    }
    // The operator alone: activation packing is the same for every candidate of a layer.
    const Timing t = measure([&] { return job->run_operator(); }, o.samples, o.sample_seconds);
    result.update({{"verdict", "ok"}, {"median_s", t.median_s}, {"min_s", t.min_s}, {"max_s", t.max_s},
                   {"samples", t.samples}});
    return result;
}

// Where this process runs, for the record: the Slurm node it was given, else the host's name.
std::string where_measured() {
    if (const char *node = std::getenv("SLURMD_NODENAME"); node != nullptr && *node != '\0') return node;
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return "";
    return name;
}

}  // namespace

int measure_candidate(const CandidateOptions &o) {
    nlohmann::json result;
    try {
        result = run(o);
    } catch (const std::exception &e) {
        result = {{"verdict", "failed"}, {"detail", e.what()}};
    }
    result["host"] = where_measured();
    std::printf("%s%s\n", kMeasurementPrefix, result.dump().c_str());
    return 0;
}

}  // namespace lpgen::cli
