#pragma once

#include "core/DeviceInfo.h"
#include "storage/Statement.h"

#include <cstdint>
#include <string>

namespace vibra::storage {

/// The writer's side of the `device` table: a device's row is written (or updated) with its first data of a
/// session, since it needs the rate, axes and unit; events may look a device up by name before that.
///
/// Threads: the writer thread (it owns the connection and the statements).
class DeviceCatalog {
public:
    bool prepare(sqlite3* db, std::string* error);
    void finalize();
    /// Inserts or updates the row of device `id` from info (fallbackUri when info has none); *rowId = its id.
    bool upsert(const std::string& id, const core::DeviceInfo& info, const std::string& fallbackUri,
                std::int64_t* rowId, std::string* error);
    /// The row id of device `id`, or -1 when it has none.
    bool find(const std::string& id, std::int64_t* rowId, std::string* error);

private:
    sqlite3* m_db = nullptr;
    Statement m_upsert, m_select;
};

} // namespace vibra::storage
