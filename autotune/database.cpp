#include "database.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "lpgen/bitserial.hpp"

namespace lpgen::tune {
namespace {

const char *const kSchema = R"(
CREATE TABLE IF NOT EXISTS records (
    op TEXT NOT NULL, shape TEXT NOT NULL, precision TEXT NOT NULL, profile TEXT NOT NULL,
    runner TEXT NOT NULL, knobs TEXT NOT NULL, median_s REAL, spread_s REAL, modeled_cycles REAL,
    verdict TEXT NOT NULL, tool_version TEXT, sources_hash TEXT NOT NULL, timestamp TEXT,
    detail TEXT, measured_on TEXT,
    UNIQUE (op, shape, precision, profile, runner, knobs, sources_hash));
)";

const char *const kColumns =
    "op, shape, precision, profile, runner, knobs, median_s, spread_s, modeled_cycles, verdict, tool_version, "
    "sources_hash, timestamp, detail, measured_on";

const char *const kVerdicts[] = {"ok", "wrong", "failed", "crashed", "timeout"};

constexpr int kBusyTimeoutMs = 60000;

[[noreturn]] void fail(sqlite3 *db, const std::string &what) {
    throw Error("lpgen: tuning database: " + what + ": " + (db ? sqlite3_errmsg(db) : "cannot open"));
}

// A prepared statement that finalizes itself.
struct Statement {
    sqlite3 *db;
    sqlite3_stmt *stmt = nullptr;
    Statement(sqlite3 *d, const std::string &sql) : db(d) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) fail(db, "prepare");
    }
    ~Statement() { sqlite3_finalize(stmt); }
    void bind(int i, const std::string &v) { sqlite3_bind_text(stmt, i, v.c_str(), -1, SQLITE_TRANSIENT); }
    void bind(int i, double v) { sqlite3_bind_double(stmt, i, v); }
    std::string text(int i) const {
        const unsigned char *t = sqlite3_column_text(stmt, i);
        return t ? reinterpret_cast<const char *>(t) : "";
    }
};

nlohmann::json to_json(const Record &r) {
    return {{"op", r.op},           {"shape", r.shape},       {"precision", r.precision},
            {"profile", r.profile}, {"runner", r.runner},     {"knobs", r.knobs},
            {"median_s", r.median_s}, {"spread_s", r.spread_s}, {"modeled_cycles", r.modeled_cycles},
            {"verdict", r.verdict}, {"tool_version", r.tool_version}, {"sources_hash", r.sources_hash},
            {"timestamp", r.timestamp}, {"detail", r.detail}, {"measured_on", r.measured_on}};
}

Record from_json(const nlohmann::json &j) {
    Record r;
    r.op = j.at("op"), r.shape = j.at("shape"), r.precision = j.at("precision"), r.profile = j.at("profile");
    r.runner = j.at("runner"), r.knobs = j.at("knobs"), r.median_s = j.at("median_s"), r.spread_s = j.at("spread_s");
    r.modeled_cycles = j.at("modeled_cycles"), r.verdict = j.at("verdict"), r.tool_version = j.at("tool_version");
    r.sources_hash = j.at("sources_hash"), r.timestamp = j.at("timestamp");
    r.detail = j.value("detail", "");  // absent in records of earlier versions
    r.measured_on = j.value("measured_on", "");
    return r;
}

auto tie(const Record &r) {
    return std::tie(r.op, r.shape, r.precision, r.profile, r.runner, r.knobs, r.median_s, r.spread_s,
                    r.modeled_cycles, r.verdict, r.tool_version, r.sources_hash, r.timestamp, r.detail, r.measured_on);
}

}  // namespace

bool Record::operator==(const Record &o) const { return tie(*this) == tie(o); }

namespace {

// SQLite's full integrity check (quick_check misses an index that disagrees with its table);
// "" when the file is sound. A tuning database is small: this costs milliseconds.
std::string integrity_problem(sqlite3 *db) {
    Statement s(db, "PRAGMA integrity_check(5)");
    std::string problems;
    int rc;
    while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) {
        const std::string line = s.text(0);
        if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
    }
    if (rc != SQLITE_DONE) return sqlite3_errmsg(db);
    return problems;
}

}  // namespace

Database::Database(const std::string &path) {
    auto refuse = [&](const std::string &message) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw Error("lpgen: tuning database " + path + ": " + message);
    };
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) refuse(db_ ? sqlite3_errmsg(db_) : "cannot open");
    // Another connection (a second tuner, or a report reading the records) may hold the file's
    // lock for a moment; wait for it instead of failing the insert with "database is locked".
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    std::string damage;
    try {
        damage = integrity_problem(db_);
    } catch (const Error &e) {
        damage = e.what();
    }
    if (!damage.empty()) {
        refuse("the file is damaged (" + damage.substr(0, 400) +
               "); nothing was changed. Move it away, or recover its rows with `sqlite3 " + path +
               " .recover | sqlite3 repaired.db`, then rerun with --db repaired.db");
    }
    if (sqlite3_exec(db_, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) refuse(sqlite3_errmsg(db_));
    // Databases of earlier versions lack the later columns: add them (a read-only file keeps
    // its columns and reads them as empty).
    std::vector<std::string> present;
    {
        Statement columns(db_, "PRAGMA table_info(records)");
        while (sqlite3_step(columns.stmt) == SQLITE_ROW) present.push_back(columns.text(1));
    }
    std::string select = "op, shape, precision, profile, runner, knobs, median_s, spread_s, modeled_cycles, verdict, "
                         "tool_version, sources_hash, timestamp";
    for (const std::string column : {"detail", "measured_on"}) {
        const bool has = std::find(present.begin(), present.end(), column) != present.end();
        const bool added = has || sqlite3_exec(db_, ("ALTER TABLE records ADD COLUMN " + column + " TEXT").c_str(),
                                               nullptr, nullptr, nullptr) == SQLITE_OK;
        select += added ? ", " + column : ", '' AS " + column;
    }
    select_columns_ = select;
}

Database::~Database() { sqlite3_close(db_); }

void Database::insert(const Record &r) {
    const std::lock_guard<std::recursive_mutex> lock(mutex_);
    Statement s(db_, std::string("INSERT INTO records (") + kColumns +
                         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                         "ON CONFLICT (op, shape, precision, profile, runner, knobs, sources_hash) DO UPDATE SET "
                         "median_s = excluded.median_s, spread_s = excluded.spread_s, "
                         "modeled_cycles = excluded.modeled_cycles, verdict = excluded.verdict, "
                         "tool_version = excluded.tool_version, timestamp = excluded.timestamp, "
                         "detail = excluded.detail, measured_on = excluded.measured_on WHERE records.verdict != 'ok'");
    s.bind(1, r.op), s.bind(2, r.shape), s.bind(3, r.precision), s.bind(4, r.profile), s.bind(5, r.runner);
    s.bind(6, r.knobs), s.bind(7, r.median_s), s.bind(8, r.spread_s), s.bind(9, r.modeled_cycles);
    s.bind(10, r.verdict), s.bind(11, r.tool_version), s.bind(12, r.sources_hash), s.bind(13, r.timestamp);
    s.bind(14, r.detail), s.bind(15, r.measured_on);
    if (sqlite3_step(s.stmt) != SQLITE_DONE) fail(db_, "insert");  // autocommit: durable on return
}

std::vector<Record> Database::query(const std::string &where, const std::vector<std::string> &args) const {
    const std::lock_guard<std::recursive_mutex> lock(mutex_);
    Statement s(db_, "SELECT " + select_columns_ + " FROM records " + where);
    for (size_t i = 0; i < args.size(); ++i) s.bind(int(i) + 1, args[i]);
    std::vector<Record> out;
    int rc;
    while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) {
        Record r;
        r.op = s.text(0), r.shape = s.text(1), r.precision = s.text(2), r.profile = s.text(3), r.runner = s.text(4);
        r.knobs = s.text(5), r.median_s = sqlite3_column_double(s.stmt, 6), r.spread_s = sqlite3_column_double(s.stmt, 7);
        r.modeled_cycles = sqlite3_column_double(s.stmt, 8), r.verdict = s.text(9), r.tool_version = s.text(10);
        r.sources_hash = s.text(11), r.timestamp = s.text(12), r.detail = s.text(13);
        r.measured_on = s.text(14);
        out.push_back(r);
    }
    if (rc != SQLITE_DONE) fail(db_, "query");
    return out;
}

std::vector<Record> Database::all() const { return query("ORDER BY rowid", {}); }

std::optional<Record> Database::find(const Record &k) const {
    auto r = query("WHERE op = ? AND shape = ? AND precision = ? AND profile = ? AND runner = ? AND knobs = ? AND "
                   "sources_hash = ?",
                   {k.op, k.shape, k.precision, k.profile, k.runner, k.knobs, k.sources_hash});
    if (r.empty()) return std::nullopt;
    return r.front();
}

std::optional<Record> Database::best(const std::string &op, const std::string &shape, const std::string &precision,
                                     const std::string &profile, const std::string &sources_hash) const {
    auto r = query("WHERE op = ? AND shape = ? AND precision = ? AND profile = ? AND sources_hash = ? AND "
                   "verdict = 'ok' AND runner NOT LIKE 'model:%' ORDER BY median_s LIMIT 1",
                   {op, shape, precision, profile, sources_hash});
    if (r.empty()) return std::nullopt;
    return r.front();
}

std::optional<Record> Database::best_modeled(const std::string &op, const std::string &shape,
                                             const std::string &precision, const std::string &profile,
                                             const std::string &sources_hash) const {
    auto r = query("WHERE op = ? AND shape = ? AND precision = ? AND profile = ? AND sources_hash = ? AND "
                   "verdict = 'ok' AND runner LIKE 'model:%' ORDER BY modeled_cycles LIMIT 1",
                   {op, shape, precision, profile, sources_hash});
    if (r.empty()) return std::nullopt;
    return r.front();
}

int Database::stale_count(const std::string &op, const std::string &shape, const std::string &precision,
                          const std::string &profile, const std::string &sources_hash) const {
    return int(query("WHERE op = ? AND shape = ? AND precision = ? AND profile = ? AND sources_hash != ?",
                     {op, shape, precision, profile, sources_hash})
                   .size());
}

std::string Database::to_jsonl() const {
    std::string out;
    for (const Record &r : all()) out += to_json(r).dump() + "\n";
    return out;
}

std::string Database::invalid_reason(const Record &r) {
    if (std::find(std::begin(kVerdicts), std::end(kVerdicts), r.verdict) == std::end(kVerdicts)) {
        return "unknown verdict '" + r.verdict.substr(0, 40) + "'";
    }
    for (const auto &[name, value] : {std::pair<const char *, const std::string &>{"op", r.op}, {"shape", r.shape},
                                      {"precision", r.precision}, {"profile", r.profile}, {"runner", r.runner},
                                      {"sources_hash", r.sources_hash}}) {
        if (value.empty()) return std::string("empty ") + name;
    }
    for (const auto &[name, value] : {std::pair<const char *, double>{"median_s", r.median_s}, {"spread_s", r.spread_s},
                                      {"modeled_cycles", r.modeled_cycles}}) {
        if (!std::isfinite(value) || value < 0) return std::string(name) + " must be finite and not negative";
    }
    if (r.verdict == "ok" && !(r.cost() > 0)) return "an ok record needs a positive median_s or modeled_cycles";
    return "";
}

Database::ImportResult Database::import_jsonl(const std::string &jsonl, const std::string &source,
                                              const std::function<std::string(const Record &)> &check) {
    std::vector<Record> records;
    std::string problems;
    int bad = 0, line_number = 0;
    std::istringstream in(jsonl);
    for (std::string line; std::getline(in, line);) {
        ++line_number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        std::string why;
        Record r;
        try {
            r = from_json(nlohmann::json::parse(line));
            why = invalid_reason(r);
            if (why.empty() && check) why = check(r);
        } catch (const nlohmann::json::exception &e) {
            why = e.what();
        }
        if (why.empty()) {
            records.push_back(r);
        } else if (++bad <= 10) {
            problems += "\n  line " + std::to_string(line_number) + ": " + why.substr(0, 300);
        }
    }
    if (bad > 0) {
        throw Error("lpgen: " + source + ": " + std::to_string(bad) + " bad record" + (bad > 1 ? "s" : "") +
                    ", nothing imported:" + problems + (bad > 10 ? "\n  ..." : ""));
    }
    ImportResult result;
    const std::lock_guard<std::recursive_mutex> lock(mutex_);  // the transaction holds no other thread's insert
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, "import");
    try {
        for (const Record &r : records) {
            const std::optional<Record> held = find(r);
            if (held && (held->verdict == "ok" || r.verdict != "ok" || *held == r)) {
                ++result.present;
            } else {
                insert(r);
                ++result.added;
            }
        }
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(db_);
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw Error("lpgen: tuning database: import: " + message + "; nothing imported");
    }
    return result;
}

}  // namespace lpgen::tune
