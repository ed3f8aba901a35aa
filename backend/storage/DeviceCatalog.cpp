#include "storage/DeviceCatalog.h"

namespace vibra::storage {

namespace {
std::string joinNames(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty())
            out += ',';
        out += n;
    }
    return out;
}
} // namespace

bool DeviceCatalog::prepare(sqlite3* db, std::string* error) {
    m_db = db;
    m_upsert = Statement(db, "INSERT INTO device(name, rate_hz, axes, axis_names, unit, source_uri) "
                             "VALUES(?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET rate_hz=excluded.rate_hz, "
                             "axes=excluded.axes, axis_names=excluded.axis_names, unit=excluded.unit, "
                             "source_uri=excluded.source_uri");
    m_select = Statement(db, "SELECT id FROM device WHERE name=?");
    for (const Statement* s : {&m_upsert, &m_select})
        if (!s->isValid()) {
            *error = s->error();
            return false;
        }
    return true;
}

void DeviceCatalog::finalize() {
    m_upsert = {};
    m_select = {};
}

bool DeviceCatalog::upsert(const std::string& id, const core::DeviceInfo& info,
                           const std::string& fallbackUri, std::int64_t* rowId, std::string* error) {
    m_upsert.reset();
    m_upsert.bind(1, id)
        .bind(2, info.sampleRate)
        .bind(3, static_cast<std::int64_t>(info.axisCount()))
        .bind(4, joinNames(info.axisNames))
        .bind(5, core::unitName(info.unit))
        .bind(6, info.sourceUri.empty() ? fallbackUri : info.sourceUri);
    if (m_upsert.step() != SQLITE_DONE) {
        *error = sqlite3_errmsg(m_db);
        return false;
    }
    if (!find(id, rowId, error))
        return false;
    if (*rowId < 0) {
        *error = "device '" + id + "' vanished after it was written";
        return false;
    }
    return true;
}

bool DeviceCatalog::find(const std::string& id, std::int64_t* rowId, std::string* error) {
    m_select.reset();
    m_select.bind(1, id);
    std::string err;
    *rowId = m_select.fetch(&err) ? m_select.int64(0) : -1;
    m_select.reset(); // an unfinished SELECT would hold a read snapshot and block checkpoints
    if (!err.empty()) {
        *error = err;
        return false;
    }
    return true;
}

} // namespace vibra::storage
