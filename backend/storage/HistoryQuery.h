#pragma once

#include "storage/Database.h"
#include "storage/RollupCursor.h"
#include "storage/RollupLevel.h"
#include "storage/RollupStats.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vibra::storage {

/// Read-side queries over a history database, for the GUI, the CLI and (later) HTTP.
///
/// Threads: the thread that opened the database; one HistoryQuery per connection. Every call is one
/// short read transaction (never holds a snapshot open between calls, so checkpoints are not starved).
class HistoryQuery {
public:
    /// One axis of a bucket: every statistics column (StatsColumns), for raw envelopes the ones computed from
    /// the samples (n, min, max, mean, rms, peak, crest).
    using AxisValues = RollupStats;
    /// One bucket of a range query: [tNs, tNs + bucket), min/max are the envelope.
    struct Point {
        std::int64_t tNs = 0;
        std::uint64_t samples = 0;
        std::uint32_t gaps = 0;
        std::vector<AxisValues> axes;
    };
    struct Range {
        RollupLevel level = RollupLevel::Second;
        std::int64_t bucketNs = 0; ///< bucket length of the points (the level's, or the raw envelope's)
        StoredDevice device;
        std::vector<Point> points;
    };
    /// A device's newest state.
    struct State {
        StoredDevice device;
        std::int64_t tNs = 0; ///< start of the newest 1 s bucket
        std::uint64_t samples = 0;
        std::vector<AxisValues> axes;
        double rms = 0;                    ///< largest AC RMS over the axes
        std::optional<double> velocityRms; ///< largest over the axes
        std::optional<int> zone;           ///< worst over the axes
        /// Start of the second velocityRms and zone come from: tNs, or an older second when the newest one
        /// had neither (the last, partial second of a stream; latest() only).
        std::optional<std::int64_t> velocityTNs;
        RollupLevel level = RollupLevel::Second; ///< where an as-of answer came from
    };
    enum class SortKey { Device, Time, Rms, Velocity };
    struct LatestRequest {
        SortKey sort = SortKey::Device;
        bool descending = false;
        int limit = 100;
        int offset = 0;
    };

    /// One row of the event table.
    struct EventRecord {
        std::int64_t id = 0;
        std::string device; ///< empty for database-wide events (unclean_shutdown, ...)
        int deviceAxes = 0;
        std::vector<std::string> axisNames; ///< of the device, to name `axis`
        std::optional<std::int64_t> sessionId;
        std::int64_t tNs = 0;
        std::string kind;   ///< gap | alarm | unclean_shutdown | ...
        std::string state;  ///< alarms: raised | cleared
        std::string rule;   ///< alarms: the rule as written
        std::string metric; ///< alarms: rms | peak | crest | velocity | kurtosis | zone | ...
        std::optional<int> axis;
        std::optional<double> value, threshold;
        std::optional<std::uint64_t> firstSample, samples; ///< gaps
        std::string detail;
    };
    struct EventRequest {
        std::string device;                 ///< empty = every device (and database-wide events)
        std::optional<std::int64_t> fromNs; ///< inclusive
        std::optional<std::int64_t> toNs;   ///< exclusive
        std::string kind;                   ///< empty = every kind
        int limit = 100;
        int offset = 0;
    };

    explicit HistoryQuery(Database& db)
        : m_db(db) {}

    /// The coarsest rollup level that still gives at least minPoints buckets over spanNs (1 h, then 1 min,
    /// then 1 s; 1 s when even that gives fewer).
    static RollupLevel chooseLevel(std::int64_t spanNs, int minPoints);

    /// Buckets of one device over [fromNs, toNs) at level (or chooseLevel(to - from, minPoints)). When even 1
    /// s buckets are fewer than minPoints and raw blocks cover the range (or level is Raw), the points are an
    /// envelope computed from the raw samples over buckets of (to - from) / minPoints (at most kMaxRawPoints
    /// buckets; level Raw; rms is the AC RMS within each bucket).
    bool range(const std::string& device, std::int64_t fromNs, std::int64_t toNs, int minPoints,
               std::optional<RollupLevel> level, Range* out, std::string* error);
    /// Every device's newest state, sorted and paginated; *total = number of devices with a state.
    bool latest(const LatestRequest& request, std::vector<State>* out, std::uint64_t* total,
                std::string* error);
    /// The device's state at time atNs: its newest 1 s bucket starting at or before atNs (falling back to 1
    /// min, then 1 h, when retention removed the finer level; a coarser bucket only answers when it ends
    /// within the second of atNs). *found = false when there is none.
    bool asOf(const std::string& device, std::int64_t atNs, State* out, bool* found, std::string* error);

    /// Events in time order (then id) matching the request, paginated; *total = number matching. An unknown
    /// device is an error naming the known ones.
    bool events(const EventRequest& request, std::vector<EventRecord>* out, std::uint64_t* total,
                std::string* error);

    static constexpr int kMaxRawPoints = 100000;

private:
    bool rawEnvelope(std::int64_t fromNs, std::int64_t toNs, int minPoints, Range* out, std::string* error);
    bool findDevice(const std::string& name, StoredDevice* out, std::string* error);
    /// *error = "reading 'PATH' failed: MESSAGE"; returns false.
    bool fail(const std::string& sqliteMessage, std::string* error) const;
    Database& m_db;
};

/// Stable names for SortKey ("device", "time", "rms", "velocity").
std::optional<HistoryQuery::SortKey> parseSortKey(const std::string& s);

} // namespace vibra::storage
