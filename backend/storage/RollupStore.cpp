#include "storage/RollupStore.h"

#include "core/Clock.h"
#include "storage/StatsColumns.h"

#include <cmath>

namespace vibra::storage {

namespace {
const char* const kAggTables[2] = {"rollup_1m", "rollup_1h"};
constexpr std::int64_t kAggBucketNs[2] = {60 * core::kSecondNs, 3600 * core::kSecondNs};
const std::string kKey = " WHERE device_id=? AND axis=? AND t_ns=?";

/// The statistics of axis a of one second as the DSP delivered them.
RollupStats secondOf(const pipeline::RollupRecord& r, std::size_t a) {
    RollupStats s = RollupStats::fromMoments(r.axes[a], r.gaps);
    if (a < r.velocityRmsMmS.size() && std::isfinite(r.velocityRmsMmS[a])) {
        s.velocityRms = r.velocityRmsMmS[a];
        s.velocityN = s.n;
    }
    if (r.zone != dsp::SeverityZone::Unknown)
        s.zone = static_cast<int>(r.zone); // the device's zone (worst axis), on every axis row
    return s;
}
} // namespace

bool RollupStore::prepare(sqlite3* db, std::string* error) {
    m_db = db;
    const std::string cols = "device_id, axis, t_ns, " + StatsColumns::list();
    const std::string values = " VALUES(?,?,?," + StatsColumns::placeholders() + ")";
    m_insertSecond =
        Statement(db, "INSERT INTO rollup_1s(" + cols + ")" + values + " ON CONFLICT DO NOTHING");
    m_selectSecond = Statement(db, "SELECT " + StatsColumns::list() + " FROM rollup_1s" + kKey);
    m_updateSecond = Statement(db, "UPDATE rollup_1s SET (" + StatsColumns::list() + ") = (" +
                                       StatsColumns::placeholders() + ")" + kKey);
    for (int l = 0; l < 2; ++l) {
        const std::string t = kAggTables[l];
        m_selectAgg[l] = Statement(db, "SELECT " + StatsColumns::list() + " FROM " + t + kKey);
        m_replaceAgg[l] = Statement(db, "INSERT OR REPLACE INTO " + t + "(" + cols + ")" + values);
    }
    // Only when the incoming second is not older: late or out-of-order data never replaces a newer state.
    // velocity_rms and zone (with velocity_t_ns, the second they come from) are kept from an older second
    // when the newer one has neither: the last, partial second of a stream is too short for a velocity
    // spectrum.
    m_upsertLatest = Statement(
        db,
        "INSERT INTO device_latest(" + cols + ", velocity_t_ns) VALUES(?,?,?," +
            StatsColumns::placeholders() +
            ",?) ON CONFLICT(device_id, axis) DO UPDATE SET t_ns=excluded.t_ns, " +
            StatsColumns::assignments("excluded", {"velocity_rms", "zone"}) +
            ", velocity_rms = CASE WHEN excluded.velocity_t_ns IS NULL THEN device_latest.velocity_rms "
            "ELSE excluded.velocity_rms END"
            ", zone = CASE WHEN excluded.velocity_t_ns IS NULL THEN device_latest.zone ELSE excluded.zone END"
            ", velocity_t_ns = coalesce(excluded.velocity_t_ns, device_latest.velocity_t_ns)"
            " WHERE excluded.t_ns >= device_latest.t_ns");
    for (const Statement* s : {&m_insertSecond, &m_selectSecond, &m_updateSecond, &m_selectAgg[0],
                               &m_selectAgg[1], &m_replaceAgg[0], &m_replaceAgg[1], &m_upsertLatest})
        if (!s->isValid()) {
            *error = s->error();
            return false;
        }
    return true;
}

void RollupStore::finalize() {
    for (Statement* s : {&m_insertSecond, &m_selectSecond, &m_updateSecond, &m_selectAgg[0], &m_selectAgg[1],
                         &m_replaceAgg[0], &m_replaceAgg[1], &m_upsertLatest})
        *s = {};
    m_open.clear();
}

bool RollupStore::fail(std::string* error) {
    *error = sqlite3_errmsg(m_db);
    return false;
}

bool RollupStore::write(std::int64_t deviceRowId, const pipeline::RollupRecord& r, std::string* error) {
    for (std::size_t a = 0; a < r.axes.size(); ++a) {
        const int axis = static_cast<int>(a);
        RollupStats inc = secondOf(r, a); // writeSecond adds the seam gap when it merges
        RollupStats row;
        if (!writeSecond(deviceRowId, axis, r.bucketStartNs, inc, &row, error))
            return false;
        for (int level = 0; level < 2; ++level)
            if (!fold(level, deviceRowId, axis, r.bucketStartNs, inc, error))
                return false;
        if (!writeLatest(deviceRowId, axis, r.bucketStartNs, row, error))
            return false;
    }
    return true;
}

bool RollupStore::writeSecond(std::int64_t deviceRowId, int axis, std::int64_t tNs, RollupStats& inc,
                              RollupStats* row, std::string* error) {
    m_insertSecond.reset();
    m_insertSecond.bind(1, deviceRowId).bind(2, static_cast<std::int64_t>(axis)).bind(3, tNs);
    StatsColumns::bind(m_insertSecond, 4, inc);
    if (m_insertSecond.step() != SQLITE_DONE)
        return fail(error);
    *row = inc;
    if (sqlite3_changes(m_db) > 0)
        return true;
    // The same second exists already (a restart inside one second): merge the two disjoint runs; the seam
    // counts as a gap.
    m_selectSecond.reset();
    m_selectSecond.bind(1, deviceRowId).bind(2, static_cast<std::int64_t>(axis)).bind(3, tNs);
    if (m_selectSecond.step() != SQLITE_ROW)
        return fail(error);
    const RollupStats old = StatsColumns::read(m_selectSecond, 0);
    m_selectSecond.reset();
    inc.gaps += 1;
    *row = RollupStats::merge(old, inc);
    m_updateSecond.reset();
    StatsColumns::bind(m_updateSecond, 1, *row);
    m_updateSecond.bind(StatsColumns::kCount + 1, deviceRowId)
        .bind(StatsColumns::kCount + 2, static_cast<std::int64_t>(axis))
        .bind(StatsColumns::kCount + 3, tNs);
    if (m_updateSecond.step() != SQLITE_DONE)
        return fail(error);
    return true;
}

bool RollupStore::fold(int level, std::int64_t deviceRowId, int axis, std::int64_t tNs,
                       const RollupStats& inc, std::string* error) {
    const std::int64_t bucket = core::periodStart(tNs, kAggBucketNs[level]);
    auto& open = m_open[{deviceRowId, axis, level}];
    RollupStats merged;
    if (open.stats.n > 0 && open.tNs == bucket) {
        merged = RollupStats::merge(open.stats, inc);
    } else {
        // First time this writer meets the bucket: it may hold data of an earlier session.
        Statement& sel = m_selectAgg[level];
        sel.reset();
        sel.bind(1, deviceRowId).bind(2, static_cast<std::int64_t>(axis)).bind(3, bucket);
        std::string err;
        if (sel.fetch(&err))
            merged = RollupStats::merge(StatsColumns::read(sel, 0), inc);
        else if (err.empty())
            merged = inc;
        sel.reset();
        if (!err.empty()) {
            *error = err;
            return false;
        }
    }
    Statement& rep = m_replaceAgg[level];
    rep.reset();
    rep.bind(1, deviceRowId).bind(2, static_cast<std::int64_t>(axis)).bind(3, bucket);
    StatsColumns::bind(rep, 4, merged);
    if (rep.step() != SQLITE_DONE)
        return fail(error);
    open.tNs = bucket;
    open.stats = merged;
    return true;
}

bool RollupStore::writeLatest(std::int64_t deviceRowId, int axis, std::int64_t tNs, const RollupStats& s,
                              std::string* error) {
    m_upsertLatest.reset();
    m_upsertLatest.bind(1, deviceRowId).bind(2, static_cast<std::int64_t>(axis)).bind(3, tNs);
    StatsColumns::bind(m_upsertLatest, 4, s);
    if (s.velocityRms || s.zone)
        m_upsertLatest.bind(4 + StatsColumns::kCount, tNs);
    if (m_upsertLatest.step() != SQLITE_DONE)
        return fail(error);
    return true;
}

} // namespace vibra::storage
