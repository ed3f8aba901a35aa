#pragma once

#include "storage/Database.h"
#include "storage/RollupLevel.h"
#include "storage/RollupStats.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vibra::storage {

/// A device as recorded in the history database.
struct StoredDevice {
    std::int64_t rowId = 0;
    std::string name;
    double rateHz = 0;
    int axes = 0;
    std::vector<std::string> axisNames;
    std::string unit; ///< "g" or "m/s2"
};

/// One device-bucket of rollups (1 s, 1 min or 1 h), all axes.
struct RollupRow {
    const StoredDevice* device = nullptr;
    std::int64_t tNs = 0;
    std::uint64_t samples = 0;
    std::uint32_t gaps = 0;
    using Axis = RollupStats; ///< every statistics column of the axis (StatsColumns)
    std::vector<Axis> axes;
};

/// Streams rollups (1 s by default, or 1 min / 1 h) of chosen devices over [fromNs, toNs) in time order
/// (then device), grouping the per-axis rows of one device-bucket. Constant memory.
///
/// Threads: the thread that opened the database.
class RollupCursor {
public:
    /// Resolves device names (empty = all devices). Fails with a message naming unknown devices.
    bool open(Database& db, const std::vector<std::string>& devices, std::optional<std::int64_t> fromNs,
              std::optional<std::int64_t> toNs, std::string* error);
    /// Same at a chosen rollup level (Raw is refused: use RawCursor). fromNs/toNs select bucket starts.
    bool open(Database& db, RollupLevel level, const std::vector<std::string>& devices,
              std::optional<std::int64_t> fromNs, std::optional<std::int64_t> toNs, std::string* error);
    RollupLevel level() const { return m_level; }
    const std::vector<StoredDevice>& devices() const { return m_devices; }
    /// Number of device-seconds in the range (for progress).
    std::uint64_t count() const { return m_count; }
    /// Next row; false at the end (or on error: check error()).
    bool next(RollupRow* row);
    const std::string& error() const { return m_error; }

    /// Every device in the database.
    static std::vector<StoredDevice> listDevices(Database& db, std::string* error);

private:
    Database* m_db = nullptr;
    RollupLevel m_level = RollupLevel::Second;
    std::vector<StoredDevice> m_devices;
    Statement m_stmt;
    bool m_haveRow = false; ///< m_stmt holds a row not yet consumed
    bool m_done = false;
    std::uint64_t m_count = 0;
    std::string m_error;
};

} // namespace vibra::storage
