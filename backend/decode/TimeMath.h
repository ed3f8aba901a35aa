#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace vibra::decode {

/// Nanosecond arithmetic that cannot overflow on hostile input (fuzzed time stamps, indices near 2^63):
/// values saturate at about +-146 years around the epoch, far beyond any real time, so sums of two stay in
/// int64. Pure, any thread.
inline constexpr double kMaxNs = 4.6e18;

inline std::int64_t toNs(double ns) {
    if (!(ns == ns))
        return 0;
    return static_cast<std::int64_t>(std::llround(std::clamp(ns, -kMaxNs, kMaxNs)));
}

inline std::int64_t addNs(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? static_cast<std::int64_t>(kMaxNs) : -static_cast<std::int64_t>(kMaxNs);
    return std::clamp<std::int64_t>(r, -static_cast<std::int64_t>(kMaxNs), static_cast<std::int64_t>(kMaxNs));
}

} // namespace vibra::decode
