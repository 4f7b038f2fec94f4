// Tuning records in SQLite: one row per measured (or modeled) candidate. Each insert commits on
// its own, so a tuner killed mid-run loses no finished record. Records carry a hash of the
// generator and schedule sources; best() ignores stale ones (another hash). JSON lines export
// and import let records be shared and committed; one Database may serve several threads.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace lpgen::tune {

struct Record {
    std::string op;          // "bitserial_conv2d", "mx_gemm", ...
    std::string shape;       // e.g. "56x56x64->64 k3 s1 p1" or "1024x1024x1024"
    std::string precision;   // "1A1W", "mxfp4", ...
    std::string profile;     // "x86-64-avx2", "arm64-a53", ...
    std::string runner;      // "host", "command:<prefix>", "model:llvm-mca"
    std::string knobs;       // "name:value,..."
    double median_s = 0, spread_s = 0;  // measured (0 when modeled)
    double modeled_cycles = 0;          // modeled (0 when measured)
    std::string verdict;     // "ok", "wrong", "failed", "crashed", "timeout"
    std::string tool_version;  // lpgen, Halide and LLVM versions
    std::string sources_hash;  // of the generator and schedule sources
    std::string timestamp;     // ISO 8601, UTC
    std::string detail;        // why a record is not "ok" (the failing step and its output)
    // Which machine ran it: the Slurm node, the board's host name (with the runner prefix that
    // reached it), or this host; "" in records of earlier versions and modeled ones.
    std::string measured_on;
    bool operator==(const Record &o) const;
    // What the tuner minimizes: modeled cycles for modeled records, else the median time.
    double cost() const { return modeled_cycles > 0 ? modeled_cycles : median_s; }
};

class Database {
public:
    // Creates the file and table if needed; refuses a file that fails SQLite's integrity check.
    explicit Database(const std::string &path);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Adds the record of a candidate, or replaces one of the same candidate that is not "ok": a
    // valid measurement is never overwritten by a failure (e.g. from a second tuner).
    void insert(const Record &r);
    std::vector<Record> all() const;
    // The record of one candidate, if it was measured with these sources.
    std::optional<Record> find(const Record &key) const;
    // The fastest valid measured record of (op, shape, precision, profile) with these sources;
    // modeled records never compete with measured ones.
    std::optional<Record> best(const std::string &op, const std::string &shape, const std::string &precision,
                               const std::string &profile, const std::string &sources_hash) const;
    // The same among modeled records (a profile tuned under the model, with no board).
    std::optional<Record> best_modeled(const std::string &op, const std::string &shape, const std::string &precision,
                                       const std::string &profile, const std::string &sources_hash) const;
    // Records of that key made from other sources.
    int stale_count(const std::string &op, const std::string &shape, const std::string &precision,
                    const std::string &profile, const std::string &sources_hash) const;

    // Every record, one JSON object a line (what import_jsonl reads).
    std::string to_jsonl() const;
    // Why a record cannot be a tuning result ("" when it can): a verdict outside the known set,
    // an empty key field, a time that is negative or not finite, an "ok" record without a cost.
    static std::string invalid_reason(const Record &r);

    struct ImportResult {
        int added = 0, present = 0;  // new records; records this database held already
    };
    // Adds the records of JSON lines text (read from `source`) that this database does not hold
    // yet (a record's identity is its candidate: op, shape, precision, profile, runner, knobs and
    // sources; an imported valid record replaces a held failure, so re-importing is a no-op), all or nothing: a malformed line, or a record that fails invalid_reason() or `check`
    // (which returns "" for a good record), throws an Error naming the bad lines, and nothing
    // is added. The caller caps the text's size and nesting (cli/safe_files.h).
    ImportResult import_jsonl(const std::string &jsonl, const std::string &source,
                              const std::function<std::string(const Record &)> &check = nullptr);

private:
    std::vector<Record> query(const std::string &where, const std::vector<std::string> &args) const;
    sqlite3 *db_ = nullptr;
    std::string select_columns_;  // kColumns, '' for a column a read-only file of an earlier version lacks
    // The tuner's threads share one connection; an import's transaction must not take in their inserts.
    mutable std::recursive_mutex mutex_;
};

}  // namespace lpgen::tune
