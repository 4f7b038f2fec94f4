// lpgen tune, generate and verify in a careless environment, as real processes: an unwritable,
// full or shared --out, a runner that cannot start, a build time limit too short, a tuner killed
// mid-build, hostile imports, records this build cannot apply, and verifications that check
// nothing. Only failures of a candidate itself may become records; everything else is an error
// (or a skip) with its reason and a non-zero exit status.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "database.h"
#include "process_support.h"
#include "subprocess.h"

namespace lpgen::tune {
namespace {

namespace fs = std::filesystem;

std::string scratch(const std::string &name) {
    const fs::path dir = fs::temp_directory_path() / ("lpgen_environment_test_" + std::to_string(getpid())) / name;
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir.string();
}

std::string read(const std::string &path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// One small GEMM layer, tuned for a few seconds a candidate.
struct Layer {
    std::string dir, layers;
};

Layer small_layer(const std::string &name) {
    Layer l{scratch(name), ""};
    l.layers = l.dir + "/good.json";
    std::ofstream(l.layers) << R"({"layers":[{"name":"g","op":"gemm","m":64,"n":64,"k":64}]})";
    return l;
}

std::vector<std::string> tune_command(const Layer &l, const std::string &db, const std::string &out, int trials) {
    return {LPGEN_CLI, "tune", "--layers", l.layers, "--precisions", "1A1W", "--trials", std::to_string(trials),
            "--jobs", "1", "--samples", "1", "--db", db, "--out", out};
}

std::vector<std::string> with(std::vector<std::string> command, const std::vector<std::string> &extra) {
    command.insert(command.end(), extra.begin(), extra.end());
    return command;
}

size_t record_count(const std::string &db) { return fs::exists(db) ? Database(db).all().size() : 0; }

// What the tests of records start from: the export of one real run (its records are valid here).
const std::vector<std::string> &valid_record_lines() {
    static const std::vector<std::string> lines = [] {
        const Layer l = small_layer("valid_records");
        const ProcessResult r = run_captured(
            with(tune_command(l, l.dir + "/t.db", l.dir + "/out", 2), {"--export", l.dir + "/records.jsonl"}), 300);
        EXPECT_TRUE(r.ok()) << r.output;
        std::vector<std::string> out;
        std::istringstream in(read(l.dir + "/records.jsonl"));
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }();
    return lines;
}

TEST(CarelessEnvironment, AnUnwritableOrFullOutStopsTheRunAndRecordsNothing) {
    const Layer l = small_layer("unwritable_out");
    std::ofstream(l.dir + "/afile") << "x";
    int run = 0;
    auto expect_stopped = [&](const std::vector<std::string> &command, const std::string &db, const char *what) {
        const ProcessResult r = run_captured(command, 300);
        EXPECT_EQ(r.exit_code, 2) << what << ": " << r.output;
        EXPECT_NE(r.output.find("lpgen: "), std::string::npos) << what << ": " << r.output;
        EXPECT_EQ(record_count(db), 0u) << what << ": a failure of the host was recorded";
        ++run;
    };
    expect_stopped(tune_command(l, l.dir + "/a.db", "/proc/lpgen_x", 3), l.dir + "/a.db", "--out /proc/x");
    expect_stopped(tune_command(l, l.dir + "/b.db", l.dir + "/afile", 3), l.dir + "/b.db", "--out a file");
    // A file-size limit stands in for a full disk: the candidates' objects cannot be written.
    std::vector<std::string> limited = {"bash", "-c", "ulimit -f 40; exec \"$0\" \"$@\""};
    const auto tune = tune_command(l, l.dir + "/c.db", l.dir + "/out", 3);
    limited.insert(limited.end(), tune.begin(), tune.end());
    expect_stopped(limited, l.dir + "/c.db", "a full disk");
    EXPECT_EQ(run, 3);
}

TEST(CarelessEnvironment, ARunnerThatCannotStartStopsTheRunAndRecordsNothing) {
    const Layer l = small_layer("missing_runner");
    const ProcessResult r =
        run_captured(with(tune_command(l, l.dir + "/t.db", l.dir + "/out", 3), {"--runner", "/nonexistent/runner"}), 300);
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("cannot run"), std::string::npos) << r.output;
    EXPECT_EQ(record_count(l.dir + "/t.db"), 0u);
}

TEST(CarelessEnvironment, BuildsPastTheTimeLimitAreSkippedNotRecorded) {
    const Layer l = small_layer("build_timeout");
    const ProcessResult r =
        run_captured(with(tune_command(l, l.dir + "/t.db", l.dir + "/out", 3), {"--build-timeout", "0.05"}), 300);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("--build-timeout"), std::string::npos) << r.output;
    EXPECT_EQ(record_count(l.dir + "/t.db"), 0u);
    // The same candidates, given the time, are measured (nothing stood in their way).
    const ProcessResult again = run_captured(tune_command(l, l.dir + "/t.db", l.dir + "/out", 3), 300);
    EXPECT_TRUE(again.ok()) << again.output;
    EXPECT_EQ(record_count(l.dir + "/t.db"), 3u);
}

// Two tuners on one --out and one database at once: each builds in a folder of its own, so
// every record is ok (before, one removed the other's candidates and the best became "failed").
TEST(CarelessEnvironment, TwoTunersSharingOneOutBothRecordOnlyValidResults) {
    const Layer l = small_layer("shared_out");
    const auto command = tune_command(l, l.dir + "/t.db", l.dir + "/out", 4);
    ProcessResult first;
    std::thread other([&] { first = run_captured(command, 600); });
    const ProcessResult second = run_captured(command, 600);
    other.join();
    EXPECT_TRUE(first.ok()) << first.output;
    EXPECT_TRUE(second.ok()) << second.output;
    const std::vector<Record> records = Database(l.dir + "/t.db").all();
    EXPECT_EQ(records.size(), 4u);
    for (const Record &r : records) EXPECT_EQ(r.verdict, "ok") << r.knobs << ": " << r.detail;
}

// SIGTERM (handled: the children's groups are killed) and SIGKILL (PR_SET_PDEATHSIG) alike.
TEST(CarelessEnvironment, AKilledTunerLeavesNoProcessBehind) {
    for (const int sig : {SIGTERM, SIGKILL}) {
        const Layer l = small_layer("killed_" + std::to_string(sig));
        const auto command = tune_command(l, l.dir + "/t.db", l.dir + "/out", 3);
        const pid_t tuner = test::start_quietly(command);
        // Its children: the generator compiling the first candidate.
        std::vector<pid_t> children;
        for (int i = 0; i < 600 && children.empty(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            for (const auto &entry : fs::directory_iterator("/proc")) {
                const std::string name = entry.path().filename();
                if (name.find_first_not_of("0123456789") != std::string::npos) continue;
                std::istringstream stat(read(entry.path() / "stat"));
                std::string pid, comm, state;
                pid_t parent = 0;
                stat >> pid >> comm >> state >> parent;
                if (parent == tuner) children.push_back(std::stoi(pid));
            }
        }
        ASSERT_FALSE(children.empty()) << "the tuner started no child";
        kill(tuner, sig);
        int status = 0;
        waitpid(tuner, &status, 0);
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig);
        for (const pid_t child : children) {
            bool running = true;
            for (int i = 0; i < 250 && running; ++i) {
                const std::string status_text = read("/proc/" + std::to_string(child) + "/status");
                running = !status_text.empty() && status_text.find("State:\tZ") == std::string::npos;
                if (running) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            EXPECT_FALSE(running) << "child " << child << " outlived the tuner killed by signal " << sig;
        }
    }
}

TEST(CarelessEnvironment, ImportsAreValidatedAllOrNothingWithLineNumbers) {
    const std::vector<std::string> &valid = valid_record_lines();
    ASSERT_EQ(valid.size(), 2u);
    const Layer l = small_layer("imports");
    auto record = [&](const std::function<void(nlohmann::json &)> &change) {
        nlohmann::json j = nlohmann::json::parse(valid[0]);
        change(j);
        return j.dump();
    };
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"an unknown knob", record([](nlohmann::json &j) { j["knobs"] = j["knobs"].get<std::string>() + ",bogus:1"; })},
        {"a value out of range", record([](nlohmann::json &j) { j["knobs"] = "vec_words:999,tile_vecs:4,tile_m:4,unroll_k:1,rows_inner:0,parallel:0"; })},
        {"a non-finite time", [&] {
             std::string line = record([](nlohmann::json &j) { j["median_s"] = 12345.0; });
             return line.replace(line.find("12345.0"), 7, "1e999");
         }()},
        {"a negative time", record([](nlohmann::json &j) { j["median_s"] = -1e-6; })},
        {"an unknown family", record([](nlohmann::json &j) { j["op"] = "bs_gemm_f32_a9w9"; })},
        {"a malformed line", "{\"op\": \"bs_gemm"},
    };
    for (const auto &[what, line] : bad) {
        const std::string file = l.dir + "/bad.jsonl";
        std::ofstream(file) << valid[0] << "\n" << line << "\n" << valid[1] << "\n";
        const ProcessResult r =
            run_captured(with(tune_command(l, l.dir + "/t.db", l.dir + "/out", 1), {"--import", file}), 300);
        EXPECT_EQ(r.exit_code, 2) << what << ": " << r.output;
        EXPECT_NE(r.output.find("line 2"), std::string::npos) << what << ": " << r.output;
        EXPECT_EQ(record_count(l.dir + "/t.db"), 0u) << what << ": the good lines around it were taken";
    }
    std::ofstream(l.dir + "/good.jsonl") << valid[0] << "\n" << valid[1] << "\n";
    const auto import = with(tune_command(l, l.dir + "/t.db", l.dir + "/out", 1), {"--import", l.dir + "/good.jsonl"});
    const ProcessResult good = run_captured(import, 300);
    EXPECT_TRUE(good.ok()) << good.output;
    EXPECT_NE(good.output.find("imported 2 records"), std::string::npos) << good.output;
    const ProcessResult again = run_captured(import, 300);
    EXPECT_NE(again.output.find("imported 0 records"), std::string::npos) << again.output;
    EXPECT_EQ(record_count(l.dir + "/t.db"), 2u);
}

// A record this build cannot apply (written by another version, or by hand) is skipped with its
// reason, and the next valid one is taken; generate never dies on a record.
TEST(CarelessEnvironment, GenerateSkipsRecordsItCannotApply) {
    const std::vector<std::string> &valid = valid_record_lines();
    ASSERT_EQ(valid.size(), 2u);
    const Layer l = small_layer("generate_skips");
    auto parse = [](const std::string &line) {
        const auto j = nlohmann::json::parse(line);
        Record r;
        r.op = j["op"], r.shape = j["shape"], r.precision = j["precision"], r.profile = j["profile"];
        r.runner = j["runner"], r.knobs = j["knobs"], r.median_s = j["median_s"], r.verdict = j["verdict"];
        r.tool_version = j["tool_version"], r.sources_hash = j["sources_hash"], r.timestamp = j["timestamp"];
        return r;
    };
    const Record good = parse(valid[0]);
    Record bogus = good;
    bogus.knobs += ",bogus:1", bogus.median_s = good.median_s / 10;  // better than any real record
    auto generate = [&](const std::string &db, const std::string &out) {
        return run_captured({LPGEN_CLI, "generate", "--layers", l.layers, "--precisions", "1A1W", "--profile", good.profile,
                             "--db", db, "--out", out, "--name", "b"},
                            300);
    };
    {
        Database db(l.dir + "/only_bogus.db");
        db.insert(bogus);
    }
    const ProcessResult alone = generate(l.dir + "/only_bogus.db", l.dir + "/b1");
    ASSERT_TRUE(alone.ok()) << alone.output;
    const auto m1 = nlohmann::json::parse(read(l.dir + "/b1/manifest.json"));
    EXPECT_EQ(m1["entries"][0]["function"], "");
    EXPECT_NE(m1["entries"][0]["source"].get<std::string>().find("skipped: lpgen: unknown knob"), std::string::npos)
        << m1["entries"][0]["source"];
    {
        Database db(l.dir + "/both.db");
        db.insert(bogus);
        db.insert(good);
    }
    const ProcessResult both = generate(l.dir + "/both.db", l.dir + "/b2");
    ASSERT_TRUE(both.ok()) << both.output;
    const auto m2 = nlohmann::json::parse(read(l.dir + "/b2/manifest.json"));
    EXPECT_EQ(m2["entries"][0]["knobs"], good.knobs);
    const ProcessResult verified = run_captured({LPGEN_CLI, "verify", "--bundle", l.dir + "/b2"}, 300);
    EXPECT_TRUE(verified.ok()) << verified.output;
}

// A failed record says why, is not measured again on resume, and is with --retry-failed.
TEST(CarelessEnvironment, FailedRecordsCarryTheirReasonAndRetryFailedMeasuresThemAgain) {
    const std::vector<std::string> &valid = valid_record_lines();
    ASSERT_FALSE(valid.empty());
    const Layer l = small_layer("retry_failed");
    const auto j = nlohmann::json::parse(valid[0]);
    Record failed;
    failed.op = j["op"], failed.shape = j["shape"], failed.precision = j["precision"], failed.profile = j["profile"];
    failed.runner = j["runner"], failed.knobs = j["knobs"], failed.verdict = "failed";
    failed.sources_hash = j["sources_hash"], failed.timestamp = j["timestamp"], failed.detail = "build: a stand-in failure";
    {
        Database db(l.dir + "/t.db");
        db.insert(failed);
    }
    const auto command = with(tune_command(l, l.dir + "/t.db", l.dir + "/out", 1), {"--profile", failed.profile});
    ASSERT_TRUE(run_captured(command, 300).ok());
    const auto summary = nlohmann::json::parse(read(l.dir + "/out/tuning.json"));
    EXPECT_EQ(summary["tasks"][0]["trials"][0]["detail"], "recorded earlier: build: a stand-in failure");
    EXPECT_EQ(Database(l.dir + "/t.db").all().at(0).verdict, "failed");
    const ProcessResult retried = run_captured(with(command, {"--retry-failed"}), 300);
    ASSERT_TRUE(retried.ok()) << retried.output;
    const std::vector<Record> records = Database(l.dir + "/t.db").all();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].verdict, "ok");
    EXPECT_EQ(records[0].detail, "");
}

TEST(CarelessEnvironment, AVerificationThatCheckedNothingFails) {
    const std::vector<std::string> &valid = valid_record_lines();
    ASSERT_FALSE(valid.empty());
    const Layer l = small_layer("vacuous_verify");
#ifdef LPGEN_ARM64_CLI
    const ProcessResult through_true = run_captured(
        {LPGEN_CLI, "verify", "--profile", "arm64-a53", "--runner", "/bin/true", "--layers", l.layers, "--precisions", "1A1W"},
        300);
    EXPECT_EQ(through_true.exit_code, 1) << through_true.output;
    EXPECT_NE(through_true.output.find("nothing was verified"), std::string::npos) << through_true.output;
#endif
    const ProcessResult made = run_captured({LPGEN_CLI, "generate", "--layers", l.layers, "--precisions", "1A1W", "--db",
                                             l.dir + "/none.db", "--out", l.dir + "/b", "--name", "b"},
                                            300);
    ASSERT_TRUE(made.ok()) << made.output;
    auto verify = [&](const std::string &bundle) { return run_captured({LPGEN_CLI, "verify", "--bundle", bundle}, 300); };
    EXPECT_TRUE(verify(l.dir + "/b").ok());
    // No entries.
    fs::copy(l.dir + "/b", l.dir + "/empty", fs::copy_options::recursive);
    auto manifest = nlohmann::json::parse(read(l.dir + "/empty/manifest.json"));
    manifest["entries"] = nlohmann::json::array();
    std::ofstream(l.dir + "/empty/manifest.json") << manifest.dump();
    const ProcessResult empty = verify(l.dir + "/empty");
    EXPECT_NE(empty.exit_code, 0) << empty.output;
    EXPECT_NE(empty.output.find("no entries"), std::string::npos) << empty.output;
    // The library or the header a program links deleted.
    for (const char *file : {"b.a", "b.h"}) {
        const std::string copy = l.dir + "/without_" + file;
        fs::copy(l.dir + "/b", copy, fs::copy_options::recursive);
        fs::remove(copy + "/" + file);
        const ProcessResult r = verify(copy);
        EXPECT_NE(r.exit_code, 0) << file << ": " << r.output;
        EXPECT_NE(r.output.find("incomplete"), std::string::npos) << r.output;
    }
}

}  // namespace
}  // namespace lpgen::tune
