#include "storage/RollupCursor.h"

#include "storage/StatsColumns.h"

#include <algorithm>
#include <limits>
#include <sstream>

namespace vibra::storage {

namespace {
std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string part;
    while (std::getline(ss, part, ','))
        out.push_back(part);
    return out;
}
} // namespace

std::vector<StoredDevice> RollupCursor::listDevices(Database& db, std::string* error) {
    std::vector<StoredDevice> out;
    Statement st(db.handle(), "SELECT id, name, rate_hz, axes, axis_names, unit FROM device ORDER BY name");
    if (!st.isValid()) {
        *error = st.error();
        return out;
    }
    std::string err;
    while (st.fetch(&err)) {
        StoredDevice d;
        d.rowId = st.int64(0);
        d.name = st.text(1);
        d.rateHz = st.real(2);
        d.axes = static_cast<int>(st.int64(3));
        d.axisNames = split(st.text(4));
        d.unit = st.text(5);
        out.push_back(std::move(d));
    }
    if (!err.empty()) {
        *error = "reading the devices of '" + db.path() + "' failed: " + err;
        out.clear();
    }
    return out;
}

bool RollupCursor::open(Database& db, const std::vector<std::string>& devices,
                        std::optional<std::int64_t> fromNs, std::optional<std::int64_t> toNs,
                        std::string* error) {
    return open(db, RollupLevel::Second, devices, fromNs, toNs, error);
}

bool RollupCursor::open(Database& db, RollupLevel level, const std::vector<std::string>& devices,
                        std::optional<std::int64_t> fromNs, std::optional<std::int64_t> toNs,
                        std::string* error) {
    if (level == RollupLevel::Raw) {
        *error = "RollupCursor reads rollup levels only (1s, 1m, 1h)";
        return false;
    }
    m_db = &db;
    m_level = level;
    m_devices.clear();
    std::string err;
    auto all = listDevices(db, &err);
    if (!err.empty()) {
        *error = err;
        return false;
    }
    if (devices.empty()) {
        m_devices = std::move(all);
    } else {
        for (const auto& name : devices) {
            auto it =
                std::find_if(all.begin(), all.end(), [&](const StoredDevice& d) { return d.name == name; });
            if (it == all.end()) {
                std::string known;
                for (const auto& d : all)
                    known += (known.empty() ? "" : ", ") + d.name;
                *error = "no device '" + name + "' in '" + db.path() +
                         "' (devices: " + (known.empty() ? "none" : known) + ")";
                return false;
            }
            if (std::none_of(m_devices.begin(), m_devices.end(),
                             [&](const auto& d) { return d.name == name; }))
                m_devices.push_back(*it);
        }
        std::sort(m_devices.begin(), m_devices.end(),
                  [](const auto& a, const auto& b) { return a.name < b.name; });
    }
    std::string ids;
    for (const auto& d : m_devices)
        ids += (ids.empty() ? "" : ",") + std::to_string(d.rowId);
    if (ids.empty())
        ids = "-1";
    const std::string where = " WHERE r.device_id IN (" + ids + ") AND r.t_ns >= ?1 AND r.t_ns < ?2";
    const std::int64_t from = fromNs.value_or(std::numeric_limits<std::int64_t>::min());
    const std::int64_t to = toNs.value_or(std::numeric_limits<std::int64_t>::max());
    Statement count(db.handle(), "SELECT count(*) FROM " + std::string(levelTable(level)) + " r" + where +
                                     " AND r.axis = 0");
    if (!count.isValid()) {
        *error = count.error();
        return false;
    }
    count.bind(1, from).bind(2, to);
    if (!count.fetch(&err)) {
        *error = "reading '" + db.path() + "' failed: " + (err.empty() ? std::string("no count") : err);
        return false;
    }
    m_count = static_cast<std::uint64_t>(count.int64(0));
    m_stmt = Statement(db.handle(), "SELECT r.device_id, r.t_ns, r.axis, " + StatsColumns::list("r") +
                                        " FROM " + std::string(levelTable(level)) + " r" + where +
                                        " ORDER BY r.t_ns, r.device_id, r.axis");
    if (!m_stmt.isValid()) {
        *error = m_stmt.error();
        return false;
    }
    m_stmt.bind(1, from).bind(2, to);
    m_haveRow = false;
    m_done = false;
    return true;
}

bool RollupCursor::next(RollupRow* row) {
    if (m_done)
        return false;
    if (!m_haveRow) {
        const int rc = m_stmt.step();
        if (rc != SQLITE_ROW) {
            if (rc != SQLITE_DONE)
                m_error = sqlite3_errmsg(m_db->handle());
            m_done = true;
            return false;
        }
        m_haveRow = true;
    }
    const std::int64_t devId = m_stmt.int64(0);
    const std::int64_t t = m_stmt.int64(1);
    auto dev =
        std::find_if(m_devices.begin(), m_devices.end(), [&](const auto& d) { return d.rowId == devId; });
    row->device = dev == m_devices.end() ? nullptr : &*dev;
    row->tNs = t;
    row->samples = 0;
    row->gaps = 0;
    row->axes.assign(row->device ? static_cast<std::size_t>(row->device->axes) : 0, {});
    while (m_haveRow && m_stmt.int64(0) == devId && m_stmt.int64(1) == t) {
        const auto axis = static_cast<std::size_t>(m_stmt.int64(2));
        if (axis >= row->axes.size())
            row->axes.resize(axis + 1);
        auto& a = row->axes[axis];
        a = StatsColumns::read(m_stmt, 3);
        row->samples = a.n;
        row->gaps = static_cast<std::uint32_t>(a.gaps);
        const int rc = m_stmt.step();
        if (rc != SQLITE_ROW) {
            if (rc != SQLITE_DONE)
                m_error = sqlite3_errmsg(m_db->handle());
            m_haveRow = false;
            m_done = true;
        }
    }
    return true;
}

} // namespace vibra::storage
