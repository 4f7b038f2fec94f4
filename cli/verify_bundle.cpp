// lpgen verify --bundle DIR, and loading a host bundle into this process (the demo times one): every entry of a bundle's manifest run against the scalar
// reference. Host bundles: the bundle's shared object is loaded, its own <name>_register()
// installs the kernel table (the code a linked program runs), and each layer must verify and
// be served by the kernel the manifest names. Cross bundles: each entry goes through the
// profile's cross-built lpgen and a runner (qemu by default), as the tuner measures candidates.
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdio>

#include "catalog.h"
#include "commands.h"
#include "cross_profiles.h"
#include "kernel_table.h"
#include "layer_job.h"
#include "layer_set.h"
#include "lpgen/lpgen.h"
#include "manifest.h"
#include "precision.h"
#include "validate.h"
#include "runner.h"

namespace lpgen::cli {
namespace {

int report(const ManifestEntry &e, bool ok, const std::string &detail) {
    std::printf("  %-6s %-6s %s  %s\n", e.layer.c_str(), e.precision.c_str(), ok ? "ok  " : "FAIL", detail.c_str());
    return ok ? 0 : 1;
}

int verify_here(const Manifest &m, const std::string &dir) {
    load_bundle(dir);
    int failed = 0;
    for (const ManifestEntry &e : m.entries) {
        const Layer layer = parse_layer(e.layer_json, "manifest");
        auto job = make_job(layer, parse_precision(e.precision), 1);
        const Verdict v = job->verify();
        const std::string ran = job->run();
        const std::string expected = serving_kernel(e, m.isa);
        failed += report(e, v.ok && ran == expected, ran == expected ? v.detail : "ran " + ran + ", expected " + expected);
    }
    return failed;
}

int verify_through_runner(const Manifest &m, const std::string &dir, const std::string &prefix) {
    const tune::Catalog catalog = tune::Catalog::load();
    tune::RunnerOptions o;
    o.measurer = catalog.profile(m.profile).measurer;
    const CrossProfile *cross = find_cross_profile(m.profile);
    LPGEN_REQUIRE(cross != nullptr || !prefix.empty(), "no runner for profile " + m.profile + "; pass --runner");
    o.prefix = prefix.empty() ? cross->default_runner : prefix;
    o.samples = 1;
    o.sample_seconds = 1e-6;
    o.limit_s = 600;
    auto runner = tune::make_command_runner(o);
    std::printf("through '%s'\n", o.prefix.c_str());
    int failed = 0;
    for (const ManifestEntry &e : m.entries) {
        tune::Candidate c;
        c.layer_json = e.layer_json, c.precision = e.precision, c.family = e.family, c.shape = e.shape;
        c.function = e.function;
        c.algorithm = e.algorithm;
        if (!e.function.empty()) c.shared_object = dir + "/" + m.shared_object;
        const tune::Measurement r = runner->measure(c);
        failed += report(e, r.verdict == "ok", r.verdict == "ok" ? r.detail : r.verdict + ": " + r.detail);
    }
    return failed;
}

}  // namespace

Manifest load_bundle(const std::string &dir) {
    const Manifest m = load_manifest(dir);
    LPGEN_REQUIRE(cpu_supports_isa(m.isa.c_str()), "this CPU cannot run the " + m.profile + " bundle");
    select_isa(m.isa.c_str());  // the variant the bundle's kernels belong to
    const std::string path = dir + "/" + m.shared_object;
    void *library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    LPGEN_REQUIRE(library != nullptr, std::string("cannot load the bundle: ") + dlerror());
    auto register_fn = reinterpret_cast<lpgen_status (*)()>(dlsym(library, (m.name + "_register").c_str()));
    LPGEN_REQUIRE(register_fn != nullptr, path + " has no " + m.name + "_register()");
    LPGEN_REQUIRE(register_fn() == LPGEN_OK, std::string("registering the bundle failed: ") + lpgen_last_error());
    return m;
}

int verify_bundle(const VerifyOptions &o) {
    const Manifest m = load_manifest(o.bundle);
    std::printf("verifying bundle %s (%s, %zu entries)\n", m.name.c_str(), m.profile.c_str(), m.entries.size());
    // A bundle a program cannot link, or one with nothing in it, does not pass.
    LPGEN_REQUIRE(!m.entries.empty(), "the bundle's manifest lists no entries: nothing to verify");
    for (const std::string &file : {m.library, m.header, m.shared_object}) {
        struct stat st {};
        const std::string path = o.bundle + "/" + file;
        LPGEN_REQUIRE(stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0,
                      "the bundle is incomplete: " + path + " is missing or empty");
    }
    const bool native = m.profile.rfind("x86", 0) == 0;
    const int failed = native && o.runner.empty() ? verify_here(m, o.bundle) : verify_through_runner(m, o.bundle, o.runner);
    std::printf("%zu of %zu entries match the scalar reference and ran the kernel the manifest names\n",
                m.entries.size() - failed, m.entries.size());
    return failed == 0 ? 0 : 1;
}

}  // namespace lpgen::cli
