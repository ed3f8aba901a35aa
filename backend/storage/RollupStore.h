#pragma once

#include "pipeline/RollupRecord.h"
#include "storage/RollupStats.h"
#include "storage/Statement.h"

#include <cstdint>
#include <map>
#include <string>
#include <tuple>

namespace vibra::storage {

/// The rollup side of the writer: for each device-second it writes the 1 s rows (one per axis; a second that
/// exists already, e.g. a restart inside one second, is merged exactly and the seam counts as a gap), folds
/// the second into the open 1 min and 1 h buckets and upserts device_latest (only when not older than what it
/// holds; a second without velocity and zone, such as the last partial second of a stream, keeps the last
/// known ones with their time in velocity_t_ns).
///
/// The open 1 min / 1 h buckets are kept in memory and rewritten in every transaction; a bucket met for the
/// first time is loaded from its table, so a restart continues it. forgetOpenBuckets() after a rolled-back
/// transaction or when retention deleted rollup rows (a deleted bucket must not come back from memory).
///
/// Threads: the writer thread.
class RollupStore {
public:
    bool prepare(sqlite3* db, std::string* error);
    void finalize();
    /// Writes every axis of r for the device row deviceRowId.
    bool write(std::int64_t deviceRowId, const pipeline::RollupRecord& r, std::string* error);
    void forgetOpenBuckets() { m_open.clear(); }

private:
    struct Open {
        std::int64_t tNs = 0;
        RollupStats stats;
    };
    /// The 1 s row of one axis; when the second existed, inc gets the seam gap and *row is the merged row.
    bool writeSecond(std::int64_t deviceRowId, int axis, std::int64_t tNs, RollupStats& inc, RollupStats* row,
                     std::string* error);
    bool fold(int level, std::int64_t deviceRowId, int axis, std::int64_t tNs, const RollupStats& inc,
              std::string* error);
    bool writeLatest(std::int64_t deviceRowId, int axis, std::int64_t tNs, const RollupStats& s,
                     std::string* error);
    bool fail(std::string* error);

    sqlite3* m_db = nullptr;
    Statement m_insertSecond, m_selectSecond, m_updateSecond, m_upsertLatest;
    Statement m_selectAgg[2], m_replaceAgg[2];                 ///< [0] rollup_1m, [1] rollup_1h
    std::map<std::tuple<std::int64_t, int, int>, Open> m_open; ///< (device, axis, level) -> open bucket
};

} // namespace vibra::storage
