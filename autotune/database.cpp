#include "database.h"

#include <sqlite3.h>

#include <fstream>
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
    UNIQUE (op, shape, precision, profile, runner, knobs, sources_hash));
)";

const char *const kColumns =
    "op, shape, precision, profile, runner, knobs, median_s, spread_s, modeled_cycles, verdict, tool_version, "
    "sources_hash, timestamp";

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
            {"timestamp", r.timestamp}};
}

Record from_json(const nlohmann::json &j) {
    Record r;
    r.op = j.at("op"), r.shape = j.at("shape"), r.precision = j.at("precision"), r.profile = j.at("profile");
    r.runner = j.at("runner"), r.knobs = j.at("knobs"), r.median_s = j.at("median_s"), r.spread_s = j.at("spread_s");
    r.modeled_cycles = j.at("modeled_cycles"), r.verdict = j.at("verdict"), r.tool_version = j.at("tool_version");
    r.sources_hash = j.at("sources_hash"), r.timestamp = j.at("timestamp");
    return r;
}

auto tie(const Record &r) {
    return std::tie(r.op, r.shape, r.precision, r.profile, r.runner, r.knobs, r.median_s, r.spread_s,
                    r.modeled_cycles, r.verdict, r.tool_version, r.sources_hash, r.timestamp);
}

}  // namespace

bool Record::operator==(const Record &o) const { return tie(*this) == tie(o); }

Database::Database(const std::string &path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
        const std::string message = db_ ? sqlite3_errmsg(db_) : "cannot open";
        sqlite3_close(db_);
        throw Error("lpgen: tuning database " + path + ": " + message);
    }
    // Another connection (a second tuner, or a report reading the records) may hold the file's
    // lock for a moment; wait for it instead of failing the insert with "database is locked".
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    if (sqlite3_exec(db_, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(db_);
        sqlite3_close(db_);
        throw Error("lpgen: tuning database " + path + ": " + message);
    }
}

Database::~Database() { sqlite3_close(db_); }

void Database::insert(const Record &r) {
    Statement s(db_, std::string("INSERT OR REPLACE INTO records (") + kColumns +
                         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, r.op), s.bind(2, r.shape), s.bind(3, r.precision), s.bind(4, r.profile), s.bind(5, r.runner);
    s.bind(6, r.knobs), s.bind(7, r.median_s), s.bind(8, r.spread_s), s.bind(9, r.modeled_cycles);
    s.bind(10, r.verdict), s.bind(11, r.tool_version), s.bind(12, r.sources_hash), s.bind(13, r.timestamp);
    if (sqlite3_step(s.stmt) != SQLITE_DONE) fail(db_, "insert");  // autocommit: durable on return
}

std::vector<Record> Database::query(const std::string &where, const std::vector<std::string> &args) const {
    Statement s(db_, std::string("SELECT ") + kColumns + " FROM records " + where);
    for (size_t i = 0; i < args.size(); ++i) s.bind(int(i) + 1, args[i]);
    std::vector<Record> out;
    int rc;
    while ((rc = sqlite3_step(s.stmt)) == SQLITE_ROW) {
        Record r;
        r.op = s.text(0), r.shape = s.text(1), r.precision = s.text(2), r.profile = s.text(3), r.runner = s.text(4);
        r.knobs = s.text(5), r.median_s = sqlite3_column_double(s.stmt, 6), r.spread_s = sqlite3_column_double(s.stmt, 7);
        r.modeled_cycles = sqlite3_column_double(s.stmt, 8), r.verdict = s.text(9), r.tool_version = s.text(10);
        r.sources_hash = s.text(11), r.timestamp = s.text(12);
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

void Database::export_jsonl(const std::string &path) const {
    std::ofstream out(path);
    if (!out) throw Error("lpgen: cannot write " + path);
    for (const Record &r : all()) out << to_json(r).dump() << "\n";
}

int Database::import_jsonl(const std::string &path) {
    std::ifstream in(path);
    if (!in) throw Error("lpgen: cannot read " + path);
    int added = 0, line_number = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_number;
        if (line.empty()) continue;
        Record r;
        try {
            r = from_json(nlohmann::json::parse(line));
        } catch (const nlohmann::json::exception &e) {
            throw Error("lpgen: " + path + " line " + std::to_string(line_number) + ": " + e.what());
        }
        if (!find(r)) {
            insert(r);
            ++added;
        }
    }
    return added;
}

}  // namespace lpgen::tune
