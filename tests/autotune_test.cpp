// The autotuner's search space, strategy and tuning database.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cost_model.h"
#include "database.h"
#include "lpgen/bitserial.hpp"
#include "search_space.h"
#include "strategy.h"

namespace lpgen::tune {
namespace {

nlohmann::json knob_spaces() {
    std::ifstream in(LPGEN_KNOB_SPACES);
    return nlohmann::json::parse(in);
}

// A space of 4 x 3 x 2 configurations of which the check kept those with a * b <= 8.
nlohmann::json small_space() {
    nlohmann::json valid = nlohmann::json::array();
    for (int a : {1, 2, 4, 8})
        for (int b : {1, 2, 4})
            for (int c : {0, 1})
                if (a * b <= 8) valid.push_back({a, b, c});
    return {{"templates",
             {{"toy",
               {{"knobs", {{{"name", "a"}}, {{"name", "b"}}, {{"name", "c"}}}},
                {"profiles", {{"x86-64-avx2", {{"default", {2, 2, 0}}, {"valid", valid}}}}}}}}}};
}

std::string temp_path(const std::string &name) {
    const std::string path = testing::TempDir() + name;
    std::remove(path.c_str());
    return path;
}

Record record(const std::string &knobs, double seconds, const std::string &hash = "h1") {
    Record r;
    r.op = "bitserial_conv2d", r.shape = "56x56x64->64 k3 s1 p1", r.precision = "1A1W", r.profile = "x86-64-avx2";
    r.runner = "host", r.knobs = knobs, r.median_s = seconds, r.spread_s = seconds / 100, r.verdict = "ok";
    r.tool_version = "lpgen 0.1.0, Halide 14", r.sources_hash = hash, r.timestamp = "2026-11-23T16:00:00Z";
    return r;
}

TEST(SearchSpace, every_template_default_passes_its_own_check_on_every_profile) {
    const auto spaces = knob_spaces();
    for (const auto &[name, t] : spaces.at("templates").items()) {
        for (const auto &[profile, p] : t.at("profiles").items()) {
            const SearchSpace s = SearchSpace::load(spaces, name, profile);
            EXPECT_TRUE(s.contains(s.default_config())) << name << " on " << profile;
            EXPECT_FALSE(s.valid().empty());
        }
    }
}

TEST(SearchSpace, register_tile_check_rejects_tiles_the_profile_cannot_hold) {
    const auto spaces = knob_spaces();
    const SearchSpace avx2 = SearchSpace::load(spaces, "bitserial_gemm", "x86-64-avx2");
    const SearchSpace avx512 = SearchSpace::load(spaces, "bitserial_gemm", "x86-64-avx512");
    // 8 rows x 8 vectors of 512-bit accumulators: 64 registers, more than either profile has.
    const std::string huge = "vec_words:8,tile_vecs:8,tile_m:8,unroll_k:1,rows_inner:0,parallel:0";
    EXPECT_THROW(avx512.from_knobs(huge), Error);
    EXPECT_THROW(avx2.from_knobs(huge), Error);
    // 4 x 4 zmm accumulators fit AVX-512's 32 registers, not AVX2's 16 ymm (2 per 512-bit vector).
    const std::string mid = "vec_words:8,tile_vecs:4,tile_m:4,unroll_k:1,rows_inner:0,parallel:0";
    EXPECT_NO_THROW(avx512.from_knobs(mid));
    EXPECT_THROW(avx2.from_knobs(mid), Error);
    EXPECT_LT(avx2.valid().size(), avx512.valid().size());
}

TEST(SearchSpace, knob_strings_round_trip_and_bad_ones_are_refused) {
    const SearchSpace s = SearchSpace::load(small_space(), "toy", "x86-64-avx2");
    EXPECT_EQ(s.valid().size(), 18u);  // 24 combinations, 6 with a * b > 8
    EXPECT_EQ(s.to_knobs({4, 2, 1}), "a:4,b:2,c:1");
    EXPECT_EQ(s.from_knobs("c:1,a:4,b:2"), (Config{4, 2, 1}));
    EXPECT_THROW(s.from_knobs("a:8,b:4,c:0"), Error);  // rejected by the check
    EXPECT_THROW(s.from_knobs("a:4,b:2"), Error);      // a knob missing
    EXPECT_THROW(s.from_knobs("a:4,b:2,c:1,d:3"), Error);
    EXPECT_THROW(SearchSpace::load(small_space(), "toy", "arm64-a53"), Error);
    EXPECT_THROW(SearchSpace::load(small_space(), "nope", "x86-64-avx2"), Error);
}

// A made-up cost so strategies can be run without compiling anything.
double cost(const Config &c) { return 1.0 + std::abs(c[0] - 4) + std::abs(c[1] - 2) + 0.5 * c[2]; }

std::vector<Config> run(const SearchSpace &s, StrategyOptions o) {
    Strategy strategy(s, o);
    std::vector<Config> order;
    while (auto c = strategy.next()) {
        order.push_back(*c);
        strategy.report(*c, cost(*c));
    }
    return order;
}

TEST(Strategy, the_same_seed_repeats_the_search_and_another_seed_changes_it) {
    const SearchSpace s = SearchSpace::load(knob_spaces(), "bitserial_conv2d", "x86-64-avx512");
    ASSERT_GT(s.valid().size(), 200u);
    StrategyOptions o;
    o.trials = 40, o.seed = 7;
    const auto first = run(s, o), again = run(s, o);
    EXPECT_EQ(first, again);
    EXPECT_EQ(first.size(), 40u);
    EXPECT_EQ(first.front(), s.default_config());
    o.seed = 8;
    EXPECT_NE(run(s, o), first);
    std::set<Config> distinct(first.begin(), first.end());
    EXPECT_EQ(distinct.size(), first.size()) << "a configuration was proposed twice";
    for (const Config &c : first) EXPECT_TRUE(s.contains(c));
}

TEST(Strategy, small_spaces_are_searched_exhaustively_and_the_best_is_found) {
    const SearchSpace s = SearchSpace::load(small_space(), "toy", "x86-64-avx2");
    StrategyOptions o;
    o.trials = 100;
    const auto order = run(s, o);
    EXPECT_EQ(order.size(), s.valid().size());
    double best = 1e9;
    for (const Config &c : order) best = std::min(best, cost(c));
    EXPECT_EQ(best, 1.0);
}

// A cost that is a product of per-knob factors (log-additive), as schedule knobs often are.
double additive_cost(const Config &c) {
    double log_cost = 0;
    for (size_t k = 0; k < c.size(); ++k) log_cost += 0.2 * ((7 * int(k) + 13 * c[k]) % 5);
    return std::exp(log_cost);
}

TEST(CostModel, learns_a_log_additive_cost_well_enough_to_rank_configurations) {
    const SearchSpace s = SearchSpace::load(knob_spaces(), "bitserial_conv2d", "x86-64-avx2");
    CostModel model(s);
    std::mt19937_64 rng(3);
    std::uniform_int_distribution<size_t> any(0, s.valid().size() - 1);
    for (int i = 0; i < 40; ++i) {
        const Config &c = s.valid()[any(rng)];
        model.add(c, additive_cost(c));
    }
    // Pairs of unseen configurations whose costs differ clearly are ranked right.
    int right = 0, pairs = 0;
    for (int i = 0; i < 200; ++i) {
        const Config &a = s.valid()[any(rng)], &b = s.valid()[any(rng)];
        if (std::fabs(std::log(additive_cost(a) / additive_cost(b))) < 0.3) continue;
        ++pairs;
        right += (model.predict(a) < model.predict(b)) == (additive_cost(a) < additive_cost(b));
    }
    ASSERT_GT(pairs, 50);
    EXPECT_GT(right, pairs * 9 / 10) << right << " of " << pairs;
}

TEST(Strategy, the_cost_model_finds_faster_configurations_in_the_same_trials) {
    const SearchSpace s = SearchSpace::load(knob_spaces(), "bitserial_conv2d", "x86-64-avx2");
    auto best_found = [&](bool with_model, uint64_t seed) {
        StrategyOptions o;
        o.trials = 24, o.seed = seed, o.cost_model = with_model;
        Strategy strategy(s, o);
        double best = 1e9;
        while (auto c = strategy.next()) {
            best = std::min(best, additive_cost(*c));
            strategy.report(*c, additive_cost(*c));
        }
        return best;
    };
    double with = 0, without = 0;
    for (uint64_t seed = 1; seed <= 10; ++seed) with += std::log(best_found(true, seed)), without += std::log(best_found(false, seed));
    EXPECT_LT(with, without) << "model-guided search: mean log best " << with / 10 << ", unguided " << without / 10;
}

TEST(Database, a_killed_run_keeps_its_records_and_the_resumed_run_skips_them) {
    const std::string path = temp_path("resume.sqlite");
    const SearchSpace s = SearchSpace::load(small_space(), "toy", "x86-64-avx2");
    StrategyOptions o;
    o.trials = 10;
    std::vector<Config> first_run;
    {
        Database db(path);
        Strategy strategy(s, o);
        for (int i = 0; i < 4; ++i) {  // "killed" after 4 of 10 trials: the database is dropped
            const Config c = *strategy.next();
            db.insert(record(s.to_knobs(c), cost(c)));
            first_run.push_back(c);
        }
    }
    Database db(path);
    ASSERT_EQ(db.all().size(), 4u);
    Strategy resumed(s, o);
    for (const Record &r : db.all()) resumed.already_measured(s.from_knobs(r.knobs), r.median_s);
    std::vector<Config> second_run;
    while (auto c = resumed.next()) second_run.push_back(*c);
    EXPECT_EQ(second_run.size(), 6u);  // the same budget in total
    for (const Config &c : second_run) {
        EXPECT_EQ(std::count(first_run.begin(), first_run.end(), c), 0) << s.to_knobs(c) << " measured twice";
    }
}

// A reader holding the file's shared lock (lpgen report, a second tuner) must delay an insert,
// not fail it: the tuner died with "database is locked" when it did.
TEST(Database, an_insert_waits_for_a_reader_that_holds_the_lock) {
    const std::string path = temp_path("busy.sqlite");
    Database writer(path);
    writer.insert(record("a:1,b:1,c:0", 3.0));
    sqlite3 *reader = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &reader), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM records;", nullptr, nullptr, nullptr), SQLITE_OK);
    std::thread release([reader] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        sqlite3_exec(reader, "COMMIT;", nullptr, nullptr, nullptr);
    });
    EXPECT_NO_THROW(writer.insert(record("a:2,b:1,c:0", 2.0)));
    release.join();
    sqlite3_close(reader);
    EXPECT_EQ(writer.all().size(), 2u);
}

TEST(Database, best_ignores_stale_wrong_and_modeled_records) {
    Database db(temp_path("best.sqlite"));
    db.insert(record("a:1,b:1,c:0", 3.0));
    db.insert(record("a:2,b:1,c:0", 2.0));
    Record wrong = record("a:4,b:1,c:0", 0.5);
    wrong.verdict = "wrong";
    db.insert(wrong);
    Record modeled = record("a:4,b:2,c:0", 0.1);
    modeled.runner = "model:llvm-mca";
    db.insert(modeled);
    db.insert(record("a:8,b:1,c:0", 0.2, "old-sources"));
    const auto best = db.best("bitserial_conv2d", "56x56x64->64 k3 s1 p1", "1A1W", "x86-64-avx2", "h1");
    ASSERT_TRUE(best);
    EXPECT_EQ(best->knobs, "a:2,b:1,c:0");
    EXPECT_EQ(db.stale_count("bitserial_conv2d", "56x56x64->64 k3 s1 p1", "1A1W", "x86-64-avx2", "h1"), 1);
    EXPECT_FALSE(db.best("bitserial_conv2d", "56x56x64->64 k3 s1 p1", "1A1W", "x86-64-avx2", "h2"));
}

TEST(Database, json_lines_round_trip) {
    Database db(temp_path("export.sqlite"));
    db.insert(record("a:1,b:1,c:0", 3.0));
    Record modeled = record("a:2,b:1,c:1", 0);
    modeled.runner = "model:llvm-mca", modeled.modeled_cycles = 123456;
    db.insert(modeled);
    Record failed = record("a:4,b:1,c:1", 0);
    failed.verdict = "failed", failed.detail = "build: generator failed (exit 1): schedule error";
    db.insert(failed);
    const std::string jsonl = db.to_jsonl();
    Database copy(temp_path("import.sqlite"));
    EXPECT_EQ(copy.import_jsonl(jsonl, "records.jsonl").added, 3);
    EXPECT_EQ(copy.all(), db.all());
    const auto again = copy.import_jsonl(jsonl, "records.jsonl");
    EXPECT_EQ(again.added, 0);  // nothing twice
    EXPECT_EQ(again.present, 3);
}

// Line 4 of 6 malformed: nothing at all is imported, and the message names the line.
TEST(Database, an_import_with_a_bad_line_takes_nothing) {
    Database source(temp_path("six.sqlite"));
    for (int i = 1; i <= 6; ++i) source.insert(record("a:" + std::to_string(i) + ",b:1,c:0", i * 1e-3));
    std::string jsonl = source.to_jsonl();
    std::vector<std::string> lines;
    std::istringstream in(jsonl);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 6u);
    lines[3] = "{not json";
    std::string damaged;
    for (const auto &line : lines) damaged += line + "\n";
    Database copy(temp_path("six-copy.sqlite"));
    try {
        copy.import_jsonl(damaged, "six.jsonl");
        FAIL() << "a malformed line was accepted";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("line 4"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("nothing imported"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(copy.all().empty());
}

TEST(Database, an_import_refuses_records_that_cannot_be_results) {
    auto one_line = [](Record r) {
        Database scratch(":memory:");
        scratch.insert(r);
        return scratch.to_jsonl();
    };
    Record bad_verdict = record("a:1,b:1,c:0", 1e-3);
    bad_verdict.verdict = "great";
    Record negative = record("a:1,b:1,c:0", -1e-3);
    Record no_time = record("a:1,b:1,c:0", 0);
    Record no_op = record("a:1,b:1,c:0", 1e-3);
    no_op.op = "";
    const std::string infinite =  // JSON has no Inf; a number past double's range parses as one
        R"({"op":"bitserial_conv2d","shape":"s","precision":"1A1W","profile":"x86-64-avx2","runner":"host",)"
        R"("knobs":"a:1","median_s":1e999,"spread_s":0,"modeled_cycles":0,"verdict":"ok","tool_version":"t",)"
        R"("sources_hash":"h1","timestamp":"t"})"
        "\n";
    Database db(temp_path("refuse.sqlite"));
    for (const std::string &line : {one_line(bad_verdict), one_line(negative), one_line(no_time), one_line(no_op), infinite}) {
        EXPECT_THROW(db.import_jsonl(line, "bad.jsonl"), Error) << line;
    }
    // The caller's own check (the CLI's: the knob space of the record's family) is applied too.
    const std::string good = one_line(record("bogus:1", 1e-3));
    EXPECT_THROW(db.import_jsonl(good, "bogus.jsonl", [](const Record &r) {
        return r.knobs.rfind("bogus", 0) == 0 ? "unknown knob 'bogus'" : "";
    }), Error);
    EXPECT_TRUE(db.all().empty());
    EXPECT_EQ(db.import_jsonl(good, "good.jsonl").added, 1);
}

// A failure of the same candidate (a second tuner, a rerun) never replaces a valid record; a
// failed record is replaced when the candidate is measured again.
TEST(Database, an_ok_record_is_never_overwritten_by_a_failure) {
    Database db(temp_path("upsert.sqlite"));
    db.insert(record("a:1,b:1,c:0", 2e-3));
    Record failed = record("a:1,b:1,c:0", 0);
    failed.verdict = "failed", failed.detail = "build: no space left on device";
    db.insert(failed);
    ASSERT_EQ(db.all().size(), 1u);
    EXPECT_EQ(db.all()[0].verdict, "ok");
    Record other = record("a:2,b:1,c:0", 0);
    other.verdict = "timeout", other.detail = "timed out after 1 s";
    db.insert(other);
    db.insert(record("a:2,b:1,c:0", 3e-3));
    ASSERT_EQ(db.all().size(), 2u);
    EXPECT_EQ(db.all()[1].verdict, "ok");
    EXPECT_EQ(db.all()[1].detail, "");
}

// A database of an earlier version (no detail column) opens, gains the column and keeps its rows.
TEST(Database, an_earlier_database_gains_the_detail_column) {
    const std::string path = temp_path("old-schema.sqlite");
    sqlite3 *raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "CREATE TABLE records (op TEXT NOT NULL, shape TEXT NOT NULL, precision TEXT NOT NULL, "
                           "profile TEXT NOT NULL, runner TEXT NOT NULL, knobs TEXT NOT NULL, median_s REAL, "
                           "spread_s REAL, modeled_cycles REAL, verdict TEXT NOT NULL, tool_version TEXT, "
                           "sources_hash TEXT NOT NULL, timestamp TEXT, UNIQUE (op, shape, precision, profile, runner, "
                           "knobs, sources_hash));"
                           "INSERT INTO records VALUES ('bitserial_conv2d', 's', '1A1W', 'x86-64-avx2', 'host', 'a:1', "
                           "0.001, 0, 0, 'failed', 't', 'h1', 't');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
    Database db(path);
    ASSERT_EQ(db.all().size(), 1u);
    EXPECT_EQ(db.all()[0].detail, "");
    Record r = db.all()[0];
    r.verdict = "ok", r.detail = "";
    db.insert(r);
    EXPECT_EQ(db.all()[0].verdict, "ok");
}

// An index that disagrees with its table (an old copy of its page written back, as a torn
// write or a bad copy leaves it) is refused at open, with what to do, and the file is unchanged.
TEST(Database, a_damaged_index_is_refused_at_open) {
    const std::string path = temp_path("damaged.sqlite");
    int index_page = 0, page_size = 0;
    {
        Database db(path);
        for (int i = 1; i <= 3; ++i) db.insert(record("a:" + std::to_string(i) + ",b:1,c:0", i * 1e-3));
    }
    auto read_file = [&] {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    {
        sqlite3 *raw = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
        sqlite3_stmt *s = nullptr;
        sqlite3_prepare_v2(raw, "SELECT rootpage FROM sqlite_master WHERE type = 'index'", -1, &s, nullptr);
        ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
        index_page = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
        sqlite3_prepare_v2(raw, "PRAGMA page_size", -1, &s, nullptr);
        ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
        page_size = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
        sqlite3_close(raw);
    }
    const std::string old_index = read_file().substr(size_t(index_page - 1) * page_size, page_size);
    {
        Database db(path);
        for (int i = 4; i <= 5; ++i) db.insert(record("a:" + std::to_string(i) + ",b:1,c:0", i * 1e-3));
    }
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(std::streamoff(index_page - 1) * page_size);
        f.write(old_index.data(), std::streamsize(old_index.size()));
    }
    const std::string damaged = read_file();
    try {
        Database db(path);
        FAIL() << "a damaged index was accepted";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("damaged"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("missing from index"), std::string::npos) << e.what();
    }
    EXPECT_EQ(read_file(), damaged);
}

}  // namespace
}  // namespace lpgen::tune
