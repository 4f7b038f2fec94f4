// The model runner: Cortex-A53 cycles without a board. A generated kernel spends its time in
// one register-tiled inner loop, so the model is that loop's steady state:
//   1. find the innermost loops of the candidate's AArch64 assembly (a backward branch to a
//      label with no other loop inside);
//   2. count each loop's work instructions: `cnt` popcounts (bits per instruction from the
//      arrangement, .16b = 128) for bit-serial kernels, widening or fused multiply-adds
//      (smull/umull/smlal/umlal/fmla/mla, lanes of the destination) for the others;
//   3. take the loop with the most work per iteration, have llvm-mca -mcpu=cortex-a53 give its
//      cycles per iteration, and scale: cycles = layer work / work per iteration x cycles.
// Packing, edges and memory stalls beyond L1 are outside the model; it ranks schedules of one
// template on one shape, which is what the tuner asks of it. Correctness is still checked by
// running the candidate under an emulator when one is given.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <fstream>
#include <regex>
#include <sstream>

#include "lpgen/bitserial.hpp"
#include "model.h"
#include "runner.h"
#include "subprocess.h"

namespace lpgen::tune {
namespace {

class ModelRunner : public Runner {
public:
    explicit ModelRunner(RunnerOptions o) : o_(std::move(o)) {}

    Measurement measure(const Candidate &c) override {
        if (!o_.emulator.empty()) {
            RunnerOptions check = o_;
            check.prefix = o_.emulator;
            check.samples = 1;
            check.sample_seconds = 1e-6;  // one timed call: only the verdict matters here
            Measurement verdict = make_command_runner(check)->measure(c);
            if (verdict.verdict != "ok") return verdict;
        }
        if (c.assembly.empty()) return {"failed", 0, 0, 0, "the model needs the candidate's assembly"};
        const bool popcount = c.family.rfind("bs_", 0) == 0;
        try {
            const LoopModel loop = model_hottest_loop(c.assembly, popcount, o_.llvm_mca);
            Measurement m;
            m.verdict = "ok";
            m.modeled_cycles = c.work / loop.work_per_iteration * loop.cycles_per_iteration;
            std::ostringstream detail;
            detail << "inner loop: " << loop.instructions << " instructions, " << loop.work_per_iteration
                   << (popcount ? " popcount bits" : " MACs") << ", " << loop.cycles_per_iteration << " cycles per iteration";
            m.detail = detail.str();
            return m;
        } catch (const Error &e) {
            return {"failed", 0, 0, 0, e.what()};
        }
    }
    std::string name() const override { return "model:llvm-mca cortex-a53"; }
    bool modeled() const override { return true; }
    std::string caveat() const override {
        return "note: times are modeled Cortex-A53 cycles (llvm-mca over the inner loop), not measurements";
    }

private:
    RunnerOptions o_;
};

// "cnt v1.16b, v2.16b" -> 128; "smlal v0.8h, v1.8b, v2.8b" -> 8 (lanes of the destination).
double work_of(const std::string &mnemonic, const std::string &operands, bool popcount) {
    static const std::regex arrangement(R"(v\d+\.(\d+)([bhsd]))");
    std::smatch m;
    if (!std::regex_search(operands, m, arrangement)) return 0;
    const int lanes = std::stoi(m[1]);
    if (popcount) return mnemonic == "cnt" ? lanes * 8.0 : 0;
    static const std::regex mac(R"((s|u)(mull|mlal)2?|fmla|mla|sdot|udot)");
    if (!std::regex_match(mnemonic, mac)) return 0;
    return mnemonic == "sdot" || mnemonic == "udot" ? lanes * 4.0 : lanes;
}

}  // namespace

std::vector<AsmLoop> innermost_loops(const std::string &assembly_text) {
    struct Line {
        std::string text, label, target;
    };
    std::vector<Line> lines;
    static const std::regex label_re(R"(^(\.?[A-Za-z_$][\w.$]*):)");
    static const std::regex branch_re(R"(^\s*(b(\.\w+)?|cbn?z|tbn?z)\s+(?:[^,]*,\s*)*(\.LBB[\w_]+)\s*$)");
    std::istringstream in(assembly_text);
    for (std::string raw; std::getline(in, raw);) {
        std::string text = raw.substr(0, raw.find("//"));
        Line line;
        std::smatch m;
        if (std::regex_search(text, m, label_re)) {
            line.label = m[1];
        } else if (std::regex_search(text, m, branch_re)) {
            line.target = m[3];
        }
        line.text = text;
        lines.push_back(line);
    }
    std::map<std::string, size_t> label_at;
    for (size_t i = 0; i < lines.size(); ++i)
        if (!lines[i].label.empty()) label_at[lines[i].label] = i;
    std::vector<std::pair<size_t, size_t>> loops;  // [label line, branch line]
    for (size_t j = 0; j < lines.size(); ++j) {
        if (lines[j].target.empty()) continue;
        auto it = label_at.find(lines[j].target);
        if (it != label_at.end() && it->second < j) loops.emplace_back(it->second, j);
    }
    std::vector<AsmLoop> result;
    for (const auto &[begin, end] : loops) {
        bool inner = true;
        for (const auto &[b2, e2] : loops)
            if (std::make_pair(b2, e2) != std::make_pair(begin, end) && begin <= b2 && e2 <= end) inner = false;
        if (!inner) continue;
        AsmLoop loop;
        for (size_t i = begin; i <= end; ++i) {
            std::string t = lines[i].text;
            const size_t first = t.find_first_not_of(" \t");
            if (!lines[i].label.empty() || first == std::string::npos || t[first] == '.') continue;
            loop.body.push_back(t.substr(first));
        }
        result.push_back(loop);
    }
    return result;
}

double loop_work(const AsmLoop &loop, bool popcount) {
    double work = 0;
    for (const std::string &instruction : loop.body) {
        const size_t space = instruction.find_first_of(" \t");
        const std::string mnemonic = instruction.substr(0, space);
        work += work_of(mnemonic, space == std::string::npos ? "" : instruction.substr(space), popcount);
    }
    return work;
}

double mca_cycles_per_iteration(const AsmLoop &loop, const std::string &llvm_mca) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("lpgen-mca-" + std::to_string(::getpid()) + "-" + std::to_string(reinterpret_cast<uintptr_t>(&loop)) + ".s");
    {
        std::ofstream out(path);
        for (const auto &line : loop.body) out << line << "\n";
    }
    constexpr int kIterations = 100;
    const ProcessResult r = run_captured({llvm_mca, "-mtriple=aarch64-linux-gnu", "-mcpu=cortex-a53",
                                          "-iterations=" + std::to_string(kIterations), path.string()},
                                         60);
    std::filesystem::remove(path);
    std::smatch m;
    static const std::regex total(R"(Total Cycles:\s+(\d+))");
    if (!r.ok() || !std::regex_search(r.output, m, total)) {
        throw Error("lpgen: llvm-mca failed (" + r.describe() + "): " + r.output.substr(0, 400));
    }
    return std::stod(m[1]) / kIterations;
}

LoopModel model_hottest_loop(const std::string &assembly_path, bool popcount, const std::string &llvm_mca) {
    std::ifstream in(assembly_path);
    if (!in) throw Error("lpgen: cannot read " + assembly_path);
    std::stringstream text;
    text << in.rdbuf();
    const AsmLoop *best = nullptr;
    double best_work = 0;
    const auto loops = innermost_loops(text.str());
    for (const AsmLoop &loop : loops) {
        const double work = loop_work(loop, popcount);
        if (work > best_work) best = &loop, best_work = work;
    }
    if (best == nullptr) throw Error("lpgen: no inner loop with work instructions in " + assembly_path);
    return {best_work, mca_cycles_per_iteration(*best, llvm_mca), static_cast<int>(best->body.size())};
}

std::unique_ptr<Runner> make_model_runner(const RunnerOptions &options) { return std::make_unique<ModelRunner>(options); }

}  // namespace lpgen::tune
