// Copies samples, replacing non-finite values (NaN, +-Inf) by 0 and counting them, so one bad sample cannot
// poison an average or a filter state. Vectorised (exponent test on the bit pattern). Pure function,
// thread-safe.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace vibra::dsp {

inline std::size_t copySanitized(const float* in, std::size_t n, float* out) {
    std::size_t bad = 0;
#pragma omp simd reduction(+ : bad)
    for (std::size_t i = 0; i < n; ++i) {
        const float v = in[i];
        const bool finite = (std::bit_cast<std::uint32_t>(v) & 0x7f800000u) != 0x7f800000u;
        out[i] = finite ? v : 0.0f;
        bad += finite ? 0u : 1u;
    }
    return bad;
}

} // namespace vibra::dsp
