#include "SignalTable.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

namespace vibra::loadgen {

int SignalTable::cycles(int variant, int axis) {
    // 20 Hz ... 1000 Hz at 16 kHz (82 ... 4096 cycles per 65536 samples); axes at 1x, 2x and 3x.
    return (82 + variant * 251) * (axis + 1) % 4096 + 82;
}

SignalTable::SignalTable(std::uint64_t seed)
    : m_seed(seed)
    , m_tables(kVariants * kPeriod * 3) {
    SplitMix64 rng(seed ^ 0x6E6F697365ull);
    constexpr std::array<double, 3> kAmplitude = {8192.0, 4915.0, 3277.0}; // 0.5, 0.3, 0.2 g
    constexpr std::array<double, 3> kOffset = {0.0, 0.0, 16384.0};         // gravity on z
    std::int16_t* out = m_tables.data();
    for (int v = 0; v < kVariants; ++v) {
        for (std::size_t i = 0; i < kPeriod; ++i) {
            for (int a = 0; a < 3; ++a) {
                const double phase = 2.0 * std::numbers::pi * static_cast<double>(cycles(v, a)) *
                                     static_cast<double>(i) / static_cast<double>(kPeriod);
                const double noise = (rng.uniform() * 2.0 - 1.0) * 64.0; // +-0.004 g
                *out++ = static_cast<std::int16_t>(
                    std::lround(kAmplitude[a] * std::sin(phase) + kOffset[a] + noise));
            }
        }
    }
}

SignalTable::Device SignalTable::device(int index) const {
    SplitMix64 rng(m_seed * 0x100000001B3ull + static_cast<std::uint64_t>(index) + 1);
    Device d;
    d.variant = static_cast<int>(rng.next() % kVariants);
    d.offset = static_cast<std::uint32_t>(rng.next() % kPeriod);
    return d;
}

void SignalTable::fill(const Device& dev, SignalKind kind, std::uint64_t first, int count, int axes,
                       std::int16_t* out) const {
    const auto n = static_cast<std::size_t>(count);
    const auto ax = static_cast<std::size_t>(axes);
    if (kind == SignalKind::Ramp) {
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t a = 0; a < ax; ++a)
                out[i * ax + a] = rampValue(first + i, static_cast<int>(a));
        return;
    }
    const std::int16_t* table = m_tables.data() + static_cast<std::size_t>(dev.variant) * kPeriod * 3;
    std::size_t pos = static_cast<std::size_t>((first + dev.offset) % kPeriod);
    std::size_t done = 0;
    while (done < n) {
        const std::size_t run = std::min(n - done, kPeriod - pos);
        if (ax == 3) {
            std::memcpy(out + done * 3, table + pos * 3, run * 3 * sizeof(std::int16_t));
        } else {
            for (std::size_t i = 0; i < run; ++i)
                for (std::size_t a = 0; a < ax; ++a)
                    out[(done + i) * ax + a] = table[(pos + i) * 3 + a];
        }
        done += run;
        pos = 0;
    }
}

} // namespace vibra::loadgen
