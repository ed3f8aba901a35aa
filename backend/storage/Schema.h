#pragma once

#include <sqlite3.h>

#include <string>

namespace vibra::storage {

/// The history database schema and its numbered migrations (all in Schema.cpp).
///
/// Version history:
///   1: device, session, session_device (per-device accounting), rollup_1s.
/// Each step migrates from the previous version inside one transaction and has a test that starts from
/// the previous version.
class Schema {
public:
    static constexpr int kCurrentVersion = 1;
    /// PRAGMA application_id of every Vibrascope database: 'VBSC'.
    static constexpr int kApplicationId = 0x56425343;

    /// Brings db (empty, or an older Vibrascope schema) to kCurrentVersion. Returns false with a message.
    static bool migrate(sqlite3* db, int fromVersion, std::string* error);
    /// Applies only the steps up to targetVersion (for migration tests).
    static bool migrateTo(sqlite3* db, int fromVersion, int targetVersion, std::string* error);
};

} // namespace vibra::storage
