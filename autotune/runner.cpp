#include "runner.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "lpgen/bitserial.hpp"
#include "measurement_protocol.h"
#include "subprocess.h"

namespace lpgen::tune {

Measurement from_process(const ProcessResult &p) {
    if (p.timed_out) return {"timeout", 0, 0, 0, p.describe()};
    if (p.signal != 0) return {"crashed", 0, 0, 0, p.describe() + ": " + tail_of(p.output, 600)};
    Measurement m = parse_measurement(p.output);
    if (m.verdict == "failed" && m.detail.empty() && environment_failure(p)) {
        return {"failed", 0, 0, 0, "cannot run the measuring command (" + p.describe() + "): " + tail_of(p.output, 600),
                true};
    }
    if (m.verdict == "failed" && m.detail.empty()) m.detail = p.describe() + ": " + tail_of(p.output, 600);
    return m;
}

std::vector<std::string> measuring_command(const std::string &measurer, const Candidate &c,
                                           const std::string &library, const RunnerOptions &o) {
    // The measuring process runs the profile's variant even where the CPU has a faster one.
    // One Halide thread: the runtime splits calls itself, and candidates (an autoscheduler's
    // parallel loops included) are compared on one core.
    std::vector<std::string> argv = {"env", "HL_NUM_THREADS=1", measurer};
    if (!o.isa.empty()) argv.insert(argv.begin() + 1, "LPGEN_ISA=" + o.isa);
    for (auto &a : measure_arguments(c, library, o)) argv.push_back(a);
    return argv;
}

namespace {

class HostRunner : public Runner {
public:
    explicit HostRunner(RunnerOptions o) : o_(std::move(o)) {}
    Measurement measure(const Candidate &c) override {
        return from_process(run_captured(measuring_command(o_.measurer, c, c.shared_object, o_), o_.limit_s));
    }
    std::string name() const override { return "host"; }

private:
    RunnerOptions o_;
};

class CommandRunner : public Runner {
public:
    explicit CommandRunner(RunnerOptions o) : o_(std::move(o)), prefix_(split_words(o_.prefix)) {
        if (prefix_.empty()) throw Error("lpgen: the command runner needs a prefix, e.g. \"ssh pi@rpi3\"");
        ssh_ = prefix_[0] == "ssh";
    }

    Measurement measure(const Candidate &c) override {
        Measurement m = ssh_ ? over_ssh(c) : local(c);
        if (!m.measured_on.empty()) m.measured_on += " (" + o_.prefix + ")";
        return m;
    }
    std::string name() const override { return "command:" + o_.prefix; }
    std::string caveat() const override {
        if (o_.prefix.find("qemu") == std::string::npos) return "";
        return "note: '" + o_.prefix + "' emulates the CPU: these runs check correctness and the plumbing; "
               "their times say nothing about a real board";
    }

private:
    Measurement local(const Candidate &c) {
        std::vector<std::string> argv = prefix_;
        argv.push_back(o_.measurer);
        for (auto &a : measure_arguments(c, c.shared_object, o_)) argv.push_back(a);
        return from_process(run_captured(argv, o_.limit_s));
    }

    // ssh exits 255 for its own errors (no route, refused, authentication): the board's link.
    static Measurement link_failure(const std::string &what, const ProcessResult &p) {
        return {"failed", 0, 0, 0, what + ": " + p.describe() + ": " + tail_of(p.output, 600), true};
    }

    // ssh [options] host: copy the measuring binary once and each candidate, then run there.
    Measurement over_ssh(const Candidate &c) {
        const std::string host = prefix_.back();
        std::vector<std::string> ssh_options(prefix_.begin() + 1, prefix_.end() - 1);
        const std::string dir = "/tmp/lpgen-tune";
        auto copy = [&](const std::string &file) {
            std::vector<std::string> scp = {"scp", "-q"};
            scp.insert(scp.end(), ssh_options.begin(), ssh_options.end());
            scp.push_back(file);
            scp.push_back(host + ":" + dir + "/");
            return run_captured(scp, o_.limit_s);
        };
        if (!copied_binary_) {
            std::vector<std::string> mkdir = prefix_;
            mkdir.push_back("mkdir -p " + dir);
            const ProcessResult made = run_captured(mkdir, o_.limit_s);
            if (!made.ok()) return link_failure("ssh mkdir " + dir, made);
            const ProcessResult sent = copy(o_.measurer);
            if (!sent.ok()) return link_failure("scp lpgen", sent);
            copied_binary_ = true;
        }
        std::string remote_library;
        if (!c.shared_object.empty()) {
            const ProcessResult sent = copy(c.shared_object);
            if (!sent.ok()) return link_failure("scp candidate", sent);
            remote_library = dir + "/" + std::filesystem::path(c.shared_object).filename().string();
        }
        std::string command = dir + "/" + std::filesystem::path(o_.measurer).filename().string();
        for (auto &a : measure_arguments(c, remote_library, o_)) command += " " + shell_quote(a);
        std::vector<std::string> argv = prefix_;
        argv.push_back(command);
        const ProcessResult p = run_captured(argv, o_.limit_s);
        if (p.exit_code == 255 && p.output.find(kMeasurementPrefix) == std::string::npos) return link_failure("ssh", p);
        return from_process(p);
    }

    RunnerOptions o_;
    std::vector<std::string> prefix_;
    bool ssh_ = false;
    bool copied_binary_ = false;
};

}  // namespace

std::vector<std::string> measure_arguments(const Candidate &c, const std::string &library, const RunnerOptions &o) {
    std::vector<std::string> args = {"measure-candidate", "--layer", c.layer_json, "--precision", c.precision,
                                     "--samples", std::to_string(o.samples), "--sample-seconds",
                                     std::to_string(o.sample_seconds)};
    if (!c.algorithm.empty()) args.insert(args.end(), {"--algorithm", c.algorithm});
    if (!library.empty()) {
        for (const std::string &a : {std::string("--library"), library, std::string("--function"), c.function,
                                     std::string("--family"), c.family, std::string("--shape"), c.shape}) {
            args.push_back(a);
        }
    }
    return args;
}

Measurement parse_measurement(const std::string &output) {
    const size_t at = output.rfind(kMeasurementPrefix);
    if (at == std::string::npos) return {"failed", 0, 0, 0, ""};
    const size_t start = at + std::string(kMeasurementPrefix).size();
    const std::string line = output.substr(start, output.find('\n', start) - start);
    try {
        const auto j = nlohmann::json::parse(line);
        Measurement m;
        m.verdict = j.at("verdict");
        m.detail = j.value("detail", "");
        m.measured_on = j.value("host", "");
        if (m.verdict == "ok") {
            m.median_s = j.at("median_s");
            m.spread_s = j.at("max_s").get<double>() - j.at("min_s").get<double>();
        }
        return m;
    } catch (const nlohmann::json::exception &e) {
        return {"failed", 0, 0, 0, std::string("unreadable measurement: ") + e.what()};
    }
}

std::unique_ptr<Runner> make_host_runner(const RunnerOptions &options) { return std::make_unique<HostRunner>(options); }
std::unique_ptr<Runner> make_command_runner(const RunnerOptions &options) {
    return std::make_unique<CommandRunner>(options);
}

}  // namespace lpgen::tune
