#pragma once

#include "legacy/Json.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace vibra::legacy {

/// One Android SensorServer event: {"values":[x,y,z],"timestamp":ns,"accuracy":n} (m/s², gravity included;
/// timestamp in ns on the phone's since-boot clock). Multi-sensor connections add "type". Pure, any thread.
struct SensorServerMessage {
    std::array<double, 3> values{};
    int axes = 0;
    std::int64_t timestampNs = 0;
    int accuracy = -1;
    std::string type; ///< empty on single-sensor connections

    /// True when doc has the SensorServer shape (an object with "values" and "timestamp").
    static bool looksLike(const Json& doc);
    static bool parse(const Json& doc, SensorServerMessage& out, std::string* error = nullptr);
    static bool parse(std::string_view text, SensorServerMessage& out, std::string* error = nullptr);
};

} // namespace vibra::legacy
