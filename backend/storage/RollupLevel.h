#pragma once

#include "core/Clock.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vibra::storage {

/// The resolutions of stored history. Raw = every sample (raw_block), the others are rollup tables.
enum class RollupLevel { Raw, Second, Minute, Hour };

/// Bucket length in ns (0 for Raw).
constexpr std::int64_t levelBucketNs(RollupLevel l) {
    switch (l) {
    case RollupLevel::Second:
        return core::kSecondNs;
    case RollupLevel::Minute:
        return 60 * core::kSecondNs;
    case RollupLevel::Hour:
        return 3600 * core::kSecondNs;
    case RollupLevel::Raw:
        break;
    }
    return 0;
}

/// Table of a rollup level ("rollup_1s", ...); empty for Raw.
constexpr std::string_view levelTable(RollupLevel l) {
    switch (l) {
    case RollupLevel::Second:
        return "rollup_1s";
    case RollupLevel::Minute:
        return "rollup_1m";
    case RollupLevel::Hour:
        return "rollup_1h";
    case RollupLevel::Raw:
        break;
    }
    return {};
}

/// "raw", "1s", "1m", "1h".
constexpr std::string_view levelName(RollupLevel l) {
    switch (l) {
    case RollupLevel::Second:
        return "1s";
    case RollupLevel::Minute:
        return "1m";
    case RollupLevel::Hour:
        return "1h";
    case RollupLevel::Raw:
        break;
    }
    return "raw";
}

inline std::optional<RollupLevel> parseLevel(std::string_view s) {
    for (auto l : {RollupLevel::Raw, RollupLevel::Second, RollupLevel::Minute, RollupLevel::Hour})
        if (s == levelName(l))
            return l;
    return std::nullopt;
}

} // namespace vibra::storage
