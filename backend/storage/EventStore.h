#pragma once

#include "core/Event.h"
#include "storage/Statement.h"

#include <cstdint>
#include <optional>
#include <string>

namespace vibra::storage {

/// Inserts rows into the `event` table (gaps of raw blocks, recoveries, the engine's events such as alarms).
/// Fields an event does not have are stored as NULL: first_sample/samples unless samples > 0, axis < 0, a
/// non-finite value or threshold, empty texts.
///
/// Threads: the writer thread.
class EventStore {
public:
    bool prepare(sqlite3* db, std::string* error);
    void finalize();
    /// deviceRowId nullopt = a database-wide event (or one whose device has no row).
    bool insert(std::optional<std::int64_t> deviceRowId, std::int64_t sessionId, const core::Event& e,
                std::string* error);

private:
    sqlite3* m_db = nullptr;
    Statement m_insert;
};

} // namespace vibra::storage
