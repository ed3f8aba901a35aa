#pragma once

#include "exporting/ExportLayout.h"
#include "exporting/ExportRequest.h"
#include "storage/Database.h"
#include "storage/RawCursor.h"
#include "storage/RollupCursor.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vibra::exporting {

/// The one row source of every exporter (CSV, Parquet; CLI and GUI): opens the history read-only, chooses the
/// devices, fixes the columns (names, kinds, units through ExportLayout) and streams the rows in export order
/// with constant memory. The exporters only format what it yields.
///
/// Rollup levels (1 s, 1 min, 1 h): one row per device and bucket, in time order (then device):
///   time, device, samples, per axis <axis>_{min,max,mean,rms,peak}_<unit>, per axis <axis>_kurtosis, gaps,
///   per axis <axis>_crest, per axis <axis>_velocity_rms_mm_s (absent when the DSP had none), zone (A..D of
///   the device; absent when not evaluated). Crest and kurtosis have no unit, velocity is in mm/s whatever
///   the unit of the values.
/// Raw: one row per stored sample, grouped by device, in time order within a device:
///   time, device, sample_index, per axis <axis>_<unit> (Float).
/// The time column is `time_utc` (ISO-8601 in CSV; TIMESTAMP µs for rollups, ns for raw in Parquet) or
/// `time_ns` (epoch ns) with request.epochNs. A value a device does not have (fewer axes than the widest
/// device) is absent: CSV leaves the field empty, Parquet writes NaN.
///
/// Threads: the caller's (one instance per export).
class ExportRows {
public:
    /// "A".."D" for zones 0..3; "" when absent (CSV: empty field; Parquet: empty string).
    static std::string_view zoneLetter(const std::optional<int>& zone);
    enum class Kind {
        Time,   ///< Row::tNs
        Device, ///< Row::device->name
        Int64,  ///< Row::ints[slot]
        Double, ///< Row::values[slot] (when Row::has[slot])
        Float,  ///< Row::values[slot], a float32 value widened exactly (raw samples)
        Zone,   ///< Row::zone: severity zone 0..3 written as A..D (absent: empty)
    };
    struct Column {
        std::string name;
        Kind kind = Kind::Double;
        int slot = -1; ///< index into Row::ints or Row::values
    };
    struct Row {
        std::int64_t tNs = 0;
        const storage::StoredDevice* device = nullptr;
        std::vector<std::int64_t> ints;
        std::vector<double> values;
        std::vector<char> has; ///< per value: present
        std::optional<int> zone;
    };

    ExportRows();
    ~ExportRows();
    ExportRows(const ExportRows&) = delete;
    ExportRows& operator=(const ExportRows&) = delete;

    /// Opens request.dbPath read-only and prepares the rows; false with a message (unknown device, unusable
    /// database).
    bool open(const ExportRequest& request, std::string* error);
    const std::vector<Column>& columns() const { return m_columns; }
    const ExportLayout& layout() const { return m_layout; }
    bool isRaw() const { return m_raw; }
    /// Next row; false at the end or on an error (then error() is not empty).
    bool next(Row* row);
    const std::string& error() const { return m_error; }
    /// Progress in units of the source (rollup rows, or raw blocks): done so far, and the total.
    std::uint64_t done() const { return m_done; }
    std::uint64_t total() const { return m_total; }
    /// JSON describing the export (source database, table, unit, range, devices with rate/axes/unit) for the
    /// file's metadata.
    std::string describe() const;
    /// Database::note() of the history (e.g. read as an unchanging file in a read-only directory).
    const std::string& note() const { return m_db.note(); }

private:
    void buildColumns();
    bool nextRollup(Row* row);
    bool nextRaw(Row* row);

    ExportRequest m_request;
    storage::Database m_db;
    std::vector<storage::StoredDevice> m_devices;
    ExportLayout m_layout;
    std::vector<Column> m_columns;
    bool m_raw = false;
    std::uint64_t m_done = 0, m_total = 0;
    std::string m_error;
    // rollups
    storage::RollupCursor m_rollups;
    storage::RollupRow m_rollupRow;
    // raw: one cursor per device in turn, the current block and position in it
    std::vector<storage::RawCursor> m_rawCursors;
    std::size_t m_rawDevice = 0;
    storage::RawBlock m_block;
    std::uint32_t m_pos = 0;
    bool m_haveBlock = false;
};

} // namespace vibra::exporting
