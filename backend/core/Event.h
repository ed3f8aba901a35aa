#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

namespace vibra::core {

/// Something that happened to a device at a moment: an alarm raised or cleared, a zone change, a gap, a
/// trigger. Produced by the engine (DSP processors evaluate alarm rules on every completed second), kept in
/// the pipeline's bounded EventLog for live consumers (record's console, the dashboard, the HTTP API) and,
/// while recording, written to the database's `event` table by the storage writer.
///
/// Immutable once made; crosses threads as shared_ptr<const Event>.
struct Event {
    std::string deviceId;        ///< empty = not about one device
    std::int64_t tNs = 0;        ///< UTC ns: start of the second that caused it, or the moment it happened
    std::string kind;            ///< "alarm" | "gap" | "trigger" | ... (stable names, stored as text)
    std::string state;           ///< "raised" | "cleared" for alarms; empty otherwise
    std::string rule;            ///< the rule text as the user wrote it, e.g. "velocity>4.5" or "zone>=C"
    std::string metric;          ///< "rms" | "peak" | "crest" | "velocity" | "kurtosis" | "zone" | ...
    int axis = -1;               ///< axis index the value belongs to; -1 = device-wide (e.g. zone)
    std::string axisName;        ///< that axis' name ("x"); empty when device-wide
    double value = std::nan(""); ///< the value that crossed (zone: 0..3 for A..D)
    double threshold = std::nan("");
    std::uint64_t firstSample = 0; ///< gap: index of the first missing sample
    std::uint64_t samples = 0;     ///< gap: samples per axis missing
    std::string detail;            ///< one human-readable line, e.g. "velocity RMS x 7.75 mm/s > 4.5"
};

using EventPtr = std::shared_ptr<const Event>;

} // namespace vibra::core
