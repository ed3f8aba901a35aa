// Deterministic test signals for the DSP tests (header-only helpers, computed in double).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <random>
#include <vector>

namespace vibra::dsp::test {

inline std::vector<float> sine(std::size_t n, double fs, double f, double amplitude, double phase = 0.0,
                               double offset = 0.0) {
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; ++i)
        x[i] = static_cast<float>(
            offset + amplitude * std::sin(2.0 * std::numbers::pi * f * static_cast<double>(i) / fs + phase));
    return x;
}

// Gaussian white noise, Box-Muller on a fixed-seed mt19937_64 (portable across standard libraries).
inline std::vector<float> gaussian(std::size_t n, double sigma, std::uint64_t seed, double offset = 0.0) {
    std::mt19937_64 rng(seed);
    auto uniform = [&rng] { return (static_cast<double>(rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0); };
    std::vector<float> x(n);
    for (std::size_t i = 0; i < n; i += 2) {
        const double r = std::sqrt(-2.0 * std::log(uniform()));
        const double t = 2.0 * std::numbers::pi * uniform();
        x[i] = static_cast<float>(offset + sigma * r * std::cos(t));
        if (i + 1 < n)
            x[i + 1] = static_cast<float>(offset + sigma * r * std::sin(t));
    }
    return x;
}

inline double toDb(double ratio) {
    return 20.0 * std::log10(ratio);
}

} // namespace vibra::dsp::test
