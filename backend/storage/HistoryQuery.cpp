#include "storage/HistoryQuery.h"

#include "storage/RawCursor.h"
#include "storage/StatsColumns.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace vibra::storage {

namespace {
std::vector<std::string> splitNames(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (!s.empty() && start <= s.size()) {
        const std::size_t comma = s.find(',', start);
        out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return out;
}

void summarize(HistoryQuery::State* s) {
    s->rms = 0;
    s->velocityRms.reset();
    s->zone.reset();
    for (const auto& a : s->axes) {
        s->rms = std::max(s->rms, a.rms);
        if (a.velocityRms)
            s->velocityRms = std::max(s->velocityRms.value_or(*a.velocityRms), *a.velocityRms);
        if (a.zone)
            s->zone = std::max(s->zone.value_or(*a.zone), *a.zone);
    }
}
} // namespace

std::optional<HistoryQuery::SortKey> parseSortKey(const std::string& s) {
    if (s == "device")
        return HistoryQuery::SortKey::Device;
    if (s == "time")
        return HistoryQuery::SortKey::Time;
    if (s == "rms")
        return HistoryQuery::SortKey::Rms;
    if (s == "velocity")
        return HistoryQuery::SortKey::Velocity;
    return std::nullopt;
}

RollupLevel HistoryQuery::chooseLevel(std::int64_t spanNs, int minPoints) {
    const std::int64_t want = std::max(1, minPoints);
    for (auto l : {RollupLevel::Hour, RollupLevel::Minute})
        if (spanNs / levelBucketNs(l) >= want)
            return l;
    return RollupLevel::Second;
}

bool HistoryQuery::fail(const std::string& sqliteMessage, std::string* error) const {
    *error = "reading '" + m_db.path() + "' failed: " + sqliteMessage;
    return false;
}

bool HistoryQuery::findDevice(const std::string& name, StoredDevice* out, std::string* error) {
    std::string err;
    const auto all = RollupCursor::listDevices(m_db, &err);
    if (!err.empty())
        return fail(err, error);
    auto it = std::find_if(all.begin(), all.end(), [&](const StoredDevice& d) { return d.name == name; });
    if (it == all.end()) {
        std::string known;
        for (const auto& d : all)
            known += (known.empty() ? "" : ", ") + d.name;
        *error = "no device '" + name + "' in '" + m_db.path() +
                 "' (devices: " + (known.empty() ? "none" : known) + ")";
        return false;
    }
    *out = *it;
    return true;
}

bool HistoryQuery::range(const std::string& device, std::int64_t fromNs, std::int64_t toNs, int minPoints,
                         std::optional<RollupLevel> level, Range* out, std::string* error) {
    *out = {};
    if (!findDevice(device, &out->device, error))
        return false;
    out->level = level.value_or(chooseLevel(toNs - fromNs, minPoints));
    if (out->level == RollupLevel::Raw)
        return rawEnvelope(fromNs, toNs, minPoints, out, error);
    if (!level && out->level == RollupLevel::Second &&
        (toNs - fromNs) / levelBucketNs(RollupLevel::Second) < minPoints) {
        // Finer than 1 s: use the raw samples when they are there.
        Statement any(m_db.handle(),
                      "SELECT 1 FROM raw_block WHERE device_id = ?1 AND t_ns < ?3 AND end_ns > ?2 LIMIT 1");
        any.bind(1, out->device.rowId).bind(2, fromNs).bind(3, toNs);
        std::string err;
        const bool haveRaw = any.fetch(&err);
        if (!err.empty())
            return fail(err, error);
        if (haveRaw) {
            any.reset();
            out->level = RollupLevel::Raw;
            return rawEnvelope(fromNs, toNs, minPoints, out, error);
        }
    }
    out->bucketNs = levelBucketNs(out->level);
    // One primary-key range scan per axis (device, axis, t_ns), merged by time: no sort, no index lookups.
    Statement st(m_db.handle(),
                 "SELECT t_ns, " + StatsColumns::list() + " FROM " + std::string(levelTable(out->level)) +
                     " WHERE device_id = ?1 AND axis = ?2 AND t_ns >= ?3 AND t_ns < ?4 ORDER BY t_ns");
    if (!st.isValid()) {
        *error = st.error();
        return false;
    }
    const auto axes = static_cast<std::size_t>(std::max(1, out->device.axes));
    for (std::size_t axis = 0; axis < axes; ++axis) {
        st.reset();
        // Buckets that start before fromNs but overlap it are included too.
        st.bind(1, out->device.rowId)
            .bind(2, static_cast<std::int64_t>(axis))
            .bind(3, fromNs - levelBucketNs(out->level) + 1)
            .bind(4, toNs);
        std::size_t i = 0;
        int rc;
        while ((rc = st.step()) == SQLITE_ROW) {
            const std::int64_t t = st.int64(0);
            auto& pts = out->points;
            while (i < pts.size() && pts[i].tNs < t)
                ++i;
            if (i == pts.size() || pts[i].tNs != t) { // a bucket the earlier axes did not have (rare)
                Point p;
                p.tNs = t;
                p.axes.resize(axes);
                pts.insert(pts.begin() + static_cast<std::ptrdiff_t>(i), std::move(p));
            }
            auto& p = pts[i];
            p.axes[axis] = StatsColumns::read(st, 1);
            p.samples = p.axes[axis].n;
            p.gaps = static_cast<std::uint32_t>(p.axes[axis].gaps);
        }
        if (rc != SQLITE_DONE)
            return fail(sqlite3_errmsg(m_db.handle()), error);
    }
    return true;
}

bool HistoryQuery::rawEnvelope(std::int64_t fromNs, std::int64_t toNs, int minPoints, Range* out,
                               std::string* error) {
    const std::int64_t span = toNs - fromNs;
    const int buckets = std::clamp(minPoints, 1, kMaxRawPoints);
    out->bucketNs = std::max<std::int64_t>(1, (span + buckets - 1) / buckets);
    const auto count = static_cast<std::size_t>((span + out->bucketNs - 1) / out->bucketNs);
    const auto axes = static_cast<std::size_t>(std::max(1, out->device.axes));
    struct Acc {
        std::uint64_t n = 0;
        double sum = 0, sumSq = 0, min = std::numeric_limits<double>::infinity(),
               max = -std::numeric_limits<double>::infinity();
    };
    std::vector<Acc> acc(count * axes);
    RawCursor cursor;
    if (!cursor.open(m_db, out->device.name, fromNs, toNs, error))
        return false;
    RawBlock b;
    const double rate = out->device.rateHz;
    while (cursor.next(&b)) {
        const auto blockAxes = std::min<std::size_t>(axes, static_cast<std::size_t>(b.axes));
        for (std::uint32_t k = 0; k < b.count; ++k) {
            const std::int64_t t = b.timeOfSampleNs(k, rate);
            if (t < fromNs || t >= toNs)
                continue;
            const auto bucket = static_cast<std::size_t>((t - fromNs) / out->bucketNs);
            for (std::size_t a = 0; a < blockAxes; ++a) {
                const double x = b.data[a * b.count + k];
                auto& s = acc[bucket * axes + a];
                ++s.n;
                s.sum += x;
                s.sumSq += x * x;
                s.min = std::min(s.min, x);
                s.max = std::max(s.max, x);
            }
        }
    }
    if (!cursor.error().empty()) {
        *error = cursor.error();
        return false;
    }
    for (std::size_t i = 0; i < count; ++i) {
        if (acc[i * axes].n == 0)
            continue;
        Point p;
        p.tNs = fromNs + static_cast<std::int64_t>(i) * out->bucketNs;
        p.samples = acc[i * axes].n;
        p.axes.resize(axes);
        for (std::size_t a = 0; a < axes; ++a) {
            const auto& s = acc[i * axes + a];
            if (s.n == 0)
                continue;
            auto& v = p.axes[a];
            v.min = s.min;
            v.max = s.max;
            v.mean = s.sum / static_cast<double>(s.n);
            v.rms = std::sqrt(std::max(0.0, s.sumSq / static_cast<double>(s.n) - v.mean * v.mean));
            v.peak = std::max(v.max - v.mean, v.mean - v.min);
            v.crest = v.rms > 0 ? v.peak / v.rms : 0.0;
        }
        out->points.push_back(std::move(p));
    }
    return true;
}

bool HistoryQuery::latest(const LatestRequest& request, std::vector<State>* out, std::uint64_t* total,
                          std::string* error) {
    out->clear();
    *total = 0;
    std::string err;
    if (!m_db.exec("BEGIN", &err)) { // one snapshot for the page and its rows
        *error = err;
        return false;
    }
    struct End {
        Database& db;
        ~End() { db.exec("COMMIT", nullptr); }
    } end{m_db};
    Statement count(m_db.handle(), "SELECT count(DISTINCT device_id) FROM device_latest");
    if (!count.fetch(&err))
        return fail(err.empty() ? "no count" : err, error);
    *total = static_cast<std::uint64_t>(count.int64(0));
    const char* dir = request.descending ? "DESC" : "ASC";
    std::string order;
    switch (request.sort) {
    case SortKey::Device:
        order = std::string("d.name ") + dir;
        break;
    case SortKey::Time:
        order = std::string("t ") + dir + ", d.name";
        break;
    case SortKey::Rms:
        order = std::string("r ") + dir + ", d.name";
        break;
    case SortKey::Velocity:
        order = std::string("(v IS NULL), v ") + dir + ", d.name"; // devices without a velocity last
        break;
    }
    Statement page(m_db.handle(),
                   "SELECT d.id, max(l.t_ns) AS t, max(l.rms) AS r, max(l.velocity_rms) AS v "
                   "FROM device_latest l JOIN device d ON d.id = l.device_id GROUP BY d.id ORDER BY " +
                       order + " LIMIT ?1 OFFSET ?2");
    if (!page.isValid()) {
        *error = page.error();
        return false;
    }
    page.bind(1, static_cast<std::int64_t>(std::max(0, request.limit)))
        .bind(2, static_cast<std::int64_t>(std::max(0, request.offset)));
    std::vector<std::int64_t> ids;
    while (page.fetch(&err))
        ids.push_back(page.int64(0));
    if (!err.empty())
        return fail(err, error);
    const auto devices = RollupCursor::listDevices(m_db, &err);
    if (!err.empty())
        return fail(err, error);
    Statement axes(m_db.handle(), "SELECT axis, t_ns, " + StatsColumns::list() +
                                      ", velocity_t_ns FROM device_latest WHERE device_id = ? ORDER BY axis");
    for (auto id : ids) {
        State s;
        auto d = std::find_if(devices.begin(), devices.end(),
                              [&](const StoredDevice& x) { return x.rowId == id; });
        if (d == devices.end())
            continue;
        s.device = *d;
        axes.reset();
        axes.bind(1, id);
        while (axes.fetch(&err)) {
            const auto axis = static_cast<std::size_t>(axes.int64(0));
            if (axis >= s.axes.size())
                s.axes.resize(axis + 1);
            s.tNs = std::max(s.tNs, axes.int64(1));
            s.axes[axis] = StatsColumns::read(axes, 2);
            s.samples = s.axes[axis].n;
            const int vt = 2 + StatsColumns::kCount;
            if (!axes.isNull(vt))
                s.velocityTNs = std::max(s.velocityTNs.value_or(axes.int64(vt)), axes.int64(vt));
        }
        if (!err.empty())
            return fail(err, error);
        summarize(&s);
        out->push_back(std::move(s));
    }
    return true;
}

bool HistoryQuery::asOf(const std::string& device, std::int64_t atNs, State* out, bool* found,
                        std::string* error) {
    *out = {};
    *found = false;
    if (!findDevice(device, &out->device, error))
        return false;
    for (auto level : {RollupLevel::Second, RollupLevel::Minute, RollupLevel::Hour}) {
        const std::string table(levelTable(level));
        Statement st(m_db.handle(), "SELECT axis, t_ns, " + StatsColumns::list() + " FROM " + table +
                                        " WHERE device_id = ?1 AND t_ns = (SELECT max(t_ns) FROM " + table +
                                        " WHERE device_id = ?1 AND t_ns <= ?2) ORDER BY axis");
        if (!st.isValid()) {
            *error = st.error();
            return false;
        }
        // A coarser bucket only answers when it ends within the second of atNs (no data from after atNs).
        st.bind(1, out->device.rowId)
            .bind(2, atNs - (levelBucketNs(level) - levelBucketNs(RollupLevel::Second)));
        std::string err;
        while (st.fetch(&err)) {
            const auto axis = static_cast<std::size_t>(st.int64(0));
            if (axis >= out->axes.size())
                out->axes.resize(axis + 1);
            out->tNs = st.int64(1);
            out->axes[axis] = StatsColumns::read(st, 2);
            out->samples = out->axes[axis].n;
            *found = true;
        }
        if (!err.empty()) { // an unreadable finer level must not quietly answer from a coarser one
            *found = false;
            return fail(err, error);
        }
        if (*found) {
            out->level = level;
            summarize(out);
            if (out->velocityRms || out->zone)
                out->velocityTNs = out->tNs;
            return true;
        }
    }
    return true;
}

bool HistoryQuery::events(const EventRequest& request, std::vector<EventRecord>* out, std::uint64_t* total,
                          std::string* error) {
    out->clear();
    *total = 0;
    StoredDevice device;
    if (!request.device.empty() && !findDevice(request.device, &device, error))
        return false;
    std::string where = " WHERE e.t_ns >= ?1 AND e.t_ns < ?2";
    if (!request.device.empty())
        where += " AND e.device_id = ?3"; // index event_device_time
    if (!request.kind.empty())
        where += " AND e.kind = ?4";
    auto bindFilter = [&](Statement& st) {
        st.bind(1, request.fromNs.value_or(std::numeric_limits<std::int64_t>::min()))
            .bind(2, request.toNs.value_or(std::numeric_limits<std::int64_t>::max()));
        if (!request.device.empty())
            st.bind(3, device.rowId);
        if (!request.kind.empty())
            st.bind(4, request.kind);
    };
    std::string err;
    if (!m_db.exec("BEGIN", &err)) { // one snapshot for the count and the page
        *error = err;
        return false;
    }
    struct End {
        Database& db;
        ~End() { db.exec("COMMIT", nullptr); }
    } end{m_db};
    Statement count(m_db.handle(), "SELECT count(*) FROM event e" + where);
    bindFilter(count);
    if (!count.fetch(&err))
        return fail(err.empty() ? "no count" : err, error);
    *total = static_cast<std::uint64_t>(count.int64(0));
    Statement st(m_db.handle(),
                 "SELECT e.id, d.name, d.axes, d.axis_names, e.session_id, e.t_ns, e.kind, e.state, e.rule, "
                 "e.metric, e.axis, e.value, e.threshold, e.first_sample, e.samples, e.detail "
                 "FROM event e LEFT JOIN device d ON d.id = e.device_id" +
                     where + " ORDER BY e.t_ns, e.id LIMIT ?5 OFFSET ?6");
    if (!st.isValid()) {
        *error = st.error();
        return false;
    }
    bindFilter(st);
    st.bind(5, static_cast<std::int64_t>(std::max(0, request.limit)))
        .bind(6, static_cast<std::int64_t>(std::max(0, request.offset)));
    while (st.fetch(&err)) {
        EventRecord e;
        e.id = st.int64(0);
        e.device = st.text(1);
        e.deviceAxes = static_cast<int>(st.int64(2));
        e.axisNames = splitNames(st.text(3));
        if (!st.isNull(4))
            e.sessionId = st.int64(4);
        e.tNs = st.int64(5);
        e.kind = st.text(6);
        e.state = st.text(7);
        e.rule = st.text(8);
        e.metric = st.text(9);
        if (!st.isNull(10))
            e.axis = static_cast<int>(st.int64(10));
        if (!st.isNull(11))
            e.value = st.real(11);
        if (!st.isNull(12))
            e.threshold = st.real(12);
        if (!st.isNull(13))
            e.firstSample = static_cast<std::uint64_t>(st.int64(13));
        if (!st.isNull(14))
            e.samples = static_cast<std::uint64_t>(st.int64(14));
        e.detail = st.text(15);
        out->push_back(std::move(e));
    }
    if (!err.empty()) {
        return fail(err, error);
    }
    return true;
}

} // namespace vibra::storage
