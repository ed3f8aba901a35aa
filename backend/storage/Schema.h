#pragma once

#include <sqlite3.h>

#include <string>

namespace vibra::storage {

/// The history database schema and its numbered migrations (all in Schema.cpp).
///
/// Version history:
///   1: device, session, session_device (per-device accounting), rollup_1s.
///   2: device.sensitivity; rollup_1s.crest/velocity_rms/zone; rollup_1m, rollup_1h, raw_block, event,
///      device_latest (filled from the newest 1 s rollups of a version-1 database).
///   3: raw_block unique by (device_id, session_id, first_sample) instead of (..., seq).
///   4: event.state/rule/metric/axis/value/threshold (alarms); index event(device_id, t_ns).
///   5: session_device.frames_dropped_total/_json; device_latest.kurtosis/gaps/velocity_t_ns;
///   raw_block.blocks/
///      parts (several contiguous source blocks in one row).
///   6: session_device.rate_estimate_hz/timestamp_jitter_ns/rate_changes (rate tracking).
///   7: relay_block (device, origin, seq): the relay ledger of blocks received through Redis.
///   8: relay_block.samples; publish_device (an edge's Redis publisher accounting per session and device).
/// Each step migrates from the previous version inside one transaction and has a test that starts from
/// the previous version.
class Schema {
public:
    static constexpr int kCurrentVersion = 9;
    /// PRAGMA application_id of every Vibrascope database: 'VBSC'.
    static constexpr int kApplicationId = 0x56425343;

    /// Brings db (empty, or an older Vibrascope schema) to kCurrentVersion. Returns false with a message.
    static bool migrate(sqlite3* db, int fromVersion, std::string* error);
    /// Applies only the steps up to targetVersion (for migration tests).
    static bool migrateTo(sqlite3* db, int fromVersion, int targetVersion, std::string* error);
};

} // namespace vibra::storage
