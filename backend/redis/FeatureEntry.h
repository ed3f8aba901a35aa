#pragma once

#include "core/Event.h"
#include "core/Unit.h"
#include "pipeline/RollupRecord.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vibra::redis {

/// One entry of a device's features stream (`PREFIX:{dev:ID}:features`, `--publish …?mode=features`): a
/// completed 1 s rollup or an event, instead of the raw blocks (version 1, all fields text).
///
/// Every entry:
///   v        "1"
///   type     "rollup" or "event"
///   dev      device id (1..128 bytes, no control characters)
///   session  the publisher's session (decimal)
///   seq      entry sequence of this device's features in this session: 0, 1, 2, ... without holes (the
///            producer key is (dev, session, seq), as for raw blocks)
///   rate     sample rate in Hz; axes: names, comma-separated (1..3); unit: "g" or "m/s2"
///   t        UTC ns: the rollup's second (bucket start) or the event's time
/// rollup:
///   n        samples per axis in the second (1..1e7); gaps: stream discontinuities in it
///   zone     severity zone of the worst axis velocity: 0..3 (A..D), -1 unknown
///   a0..a2   per axis: "count min max mean rms peak kurtosis velocity" (space-separated, shortest
///            round-trip decimal; velocity "nan" when the second was too short for a spectrum)
/// event:
///   kind, state, rule, metric, axis (-1 device-wide), axisname, value, threshold (or "nan"), first,
///   samples, detail (texts up to 1024 bytes)
class FeatureEntry {
public:
    struct Decoded {
        std::string device;
        std::uint64_t session = 0;
        std::uint64_t seq = 0;
        double rate = 0;
        std::vector<std::string> axes;
        core::Unit unit = core::Unit::G;
        std::shared_ptr<pipeline::RollupRecord> rollup; ///< set for type=rollup (device left null)
        std::shared_ptr<core::Event> event;             ///< set for type=event
    };

    /// Field/value pairs of an XADD for item (exactly one of rollup / event set; the rollup's device
    /// describes rate, axes and unit; an event needs info for them). `out` is reused between calls.
    static void encode(const pipeline::StoreItem& item, const core::DeviceInfo& info, std::uint64_t session,
                       std::uint64_t seq, std::vector<std::pair<std::string, std::string>>* out);

    /// Decodes one entry; false with a reason (for the dead-letter stream) when a field is missing or
    /// invalid. Unknown fields are ignored (forward compatible).
    static bool decode(const std::vector<std::pair<std::string_view, std::string_view>>& fields, Decoded* out,
                       std::string* reason);
};

} // namespace vibra::redis
