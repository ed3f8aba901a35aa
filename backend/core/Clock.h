#pragma once

#include <chrono>
#include <cstdint>

namespace vibra::core {

/// The one place for clocks and UTC bucketing.
///
/// Two clocks exist on purpose: UTC wall time (std::chrono::system_clock) stamps the start of a stream and
/// names files and rows; monotonic time (std::chrono::steady_clock) paces sources, rate-limits and measures
/// intervals, and never jumps. Samples are never re-stamped from either: sample i of a block is at
/// block.startTimeNs + i / rate.
inline constexpr std::int64_t kSecondNs = 1'000'000'000;

/// UTC now in nanoseconds since the Unix epoch.
inline std::int64_t utcNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Monotonic now in nanoseconds (arbitrary origin): for pacing and intervals only.
inline std::int64_t monotonicNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// Floor division (rounds towards minus infinity), for times before 1970 as well.
constexpr std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

/// Start of the UTC-aligned period of length periodNs that contains tNs ([start, start + period)).
constexpr std::int64_t periodStart(std::int64_t tNs, std::int64_t periodNs) {
    return floorDiv(tNs, periodNs) * periodNs;
}

/// Start of the UTC second that contains tNs: the 1 s rollup bucket.
constexpr std::int64_t secondStart(std::int64_t tNs) {
    return periodStart(tNs, kSecondNs);
}

} // namespace vibra::core
