#pragma once

#include <QString>

#include <cstdint>
#include <optional>
#include <string>

namespace vibra::storage {

/// UTC time <-> text for the CLI, CSV and JSON.
class TimeText {
public:
    /// "2026-11-23T05:49:28.123456Z" (ISO-8601, UTC, microseconds).
    static std::string isoMicros(std::int64_t ns);
    /// Accepts ISO-8601 ("2026-11-23T05:49:28Z", fractional seconds, offsets; no zone = UTC), or a number
    /// with an optional unit: "1763876968" or "1763876968s" (epoch seconds, may be fractional),
    /// "1763876968000ms", "1763876968000000000ns". Returns nullopt for anything else.
    static std::optional<std::int64_t> parse(const QString& text);
};

} // namespace vibra::storage
