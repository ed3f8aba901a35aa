#include "storage/Retention.h"

#include "storage/RollupLevel.h"
#include "storage/Statement.h"

#include <cmath>
#include <regex>

namespace vibra::storage {

namespace {
bool deleteBatch(sqlite3* db, const std::string& sql, std::int64_t cutoff, int batchRows,
                 std::uint64_t* deleted, std::string* error) {
    Statement st(db, sql);
    if (!st.isValid()) {
        *error = st.error();
        return false;
    }
    st.bind(1, cutoff).bind(2, static_cast<std::int64_t>(batchRows));
    if (st.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(db);
        return false;
    }
    *deleted = static_cast<std::uint64_t>(sqlite3_changes(db));
    return true;
}
} // namespace

bool Retention::applyBatch(sqlite3* db, std::int64_t nowNs, const RetentionPolicy& policy, int batchRows,
                           Result* result, std::string* error) {
    *result = {};
    if (!policy.enabled())
        return true;
    char* msg = nullptr;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, &msg) != SQLITE_OK) {
        *error = msg ? msg : sqlite3_errmsg(db);
        sqlite3_free(msg);
        return false;
    }
    bool ok = true;
    std::uint64_t n = 0;
    if (policy.rawNs > 0) {
        ok = deleteBatch(
            db, "DELETE FROM raw_block WHERE id IN (SELECT id FROM raw_block WHERE end_ns <= ?1 LIMIT ?2)",
            nowNs - policy.rawNs, batchRows, &n, error);
        result->rawBlocks = n;
        result->more = result->more || n == static_cast<std::uint64_t>(batchRows);
        if (ok) { // the relay ledger's keys of raw entries go with the blocks they guarded
            ok = deleteBatch(
                db,
                "DELETE FROM relay_block WHERE (device_id, origin, seq) IN (SELECT device_id, origin, "
                "seq FROM relay_block WHERE t_ns <= ?1 AND origin NOT LIKE '%:features' LIMIT ?2)",
                nowNs - policy.rawNs, batchRows, &n, error);
            result->relayRows += n;
            result->more = result->more || n == static_cast<std::uint64_t>(batchRows);
        }
    }
    if (ok && policy.rollupNs > 0) {
        const std::int64_t cutoff = nowNs - policy.rollupNs;
        for (auto level : {RollupLevel::Second, RollupLevel::Minute, RollupLevel::Hour}) {
            const std::string table(levelTable(level));
            // bucket end = t_ns + length <= cutoff
            ok = deleteBatch(db,
                             "DELETE FROM " + table +
                                 " WHERE (device_id, axis, t_ns) IN (SELECT device_id, axis, t_ns FROM " +
                                 table + " WHERE t_ns <= ?1 LIMIT ?2)",
                             cutoff - levelBucketNs(level), batchRows, &n, error);
            if (!ok)
                break;
            result->rollupRows += n;
            result->more = result->more || n == static_cast<std::uint64_t>(batchRows);
        }
        if (ok) {
            ok = deleteBatch(db,
                             "DELETE FROM event WHERE id IN (SELECT id FROM event WHERE t_ns <= ?1 LIMIT ?2)",
                             cutoff, batchRows, &n, error);
            result->events = n;
            result->more = result->more || n == static_cast<std::uint64_t>(batchRows);
        }
        if (ok) { // ... and the keys of features entries (1 s rollups, events) with the rollups
            ok = deleteBatch(
                db,
                "DELETE FROM relay_block WHERE (device_id, origin, seq) IN (SELECT device_id, origin, "
                "seq FROM relay_block WHERE t_ns <= ?1 AND origin LIKE '%:features' LIMIT ?2)",
                cutoff, batchRows, &n, error);
            result->relayRows += n;
            result->more = result->more || n == static_cast<std::uint64_t>(batchRows);
        }
    }
    if (ok && sqlite3_exec(db, "COMMIT", nullptr, nullptr, &msg) != SQLITE_OK) {
        *error = msg ? msg : sqlite3_errmsg(db);
        sqlite3_free(msg);
        ok = false;
    }
    if (!ok) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        *result = {};
    }
    return ok;
}

bool Retention::runIfDue(sqlite3* db, std::int64_t utcNowNs, Result* result, std::string* error) {
    *result = {};
    const auto now = std::chrono::steady_clock::now();
    if (!enabled() || (!m_more && now - m_last < kInterval))
        return true;
    m_last = now;
    if (!applyBatch(db, utcNowNs, m_policy, m_batchRows, result, error))
        return false;
    m_more = result->more;
    return true;
}

std::optional<std::int64_t> Retention::parseDuration(const std::string& text) {
    static const std::regex re(R"(^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d|w)\s*$)");
    std::smatch m;
    if (!std::regex_match(text, m, re))
        return std::nullopt;
    const double v = std::stod(m[1].str());
    const std::string u = m[2].str();
    const double scale = u == "ms"                  ? 1e6
                         : (u == "s" || u == "sec") ? 1e9
                         : (u == "m" || u == "min") ? 60e9
                         : u == "h"                 ? 3600e9
                         : u == "d"                 ? 86400e9
                                                    : 604800e9;
    const double ns = v * scale;
    if (!(ns >= 1) || ns > 9e18)
        return std::nullopt;
    return static_cast<std::int64_t>(std::llround(ns));
}

} // namespace vibra::storage
