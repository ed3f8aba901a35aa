// Time-domain statistics of one window of samples. Plain value type.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

namespace vibra::dsp {

struct Moments {
    std::uint64_t count = 0;
    double min = 0, max = 0;
    double mean = 0;        // DC
    double rms = 0;         // AC RMS about the mean: sqrt((1/N) sum (x - mean)^2)
    double peak = 0;        // max |x - mean|
    double peakToPeak = 0;  // max - min
    double crestFactor = 0; // peak / rms (0 when rms == 0)
    // Pearson: (1/N) sum (x - mean)^4 / rms^4 (0 when rms == 0); scipy kurtosis(fisher=False)
    double kurtosis = 0;
    std::uint64_t nonFinite = 0; // NaN/Inf samples skipped (not in count)
};

// Vector sum of per-axis AC RMS values: sqrt(r_x^2 + r_y^2 + r_z^2) (any number of axes).
inline double vectorSumRms(std::span<const Moments> axes) {
    double s = 0;
    for (const Moments& m : axes)
        s += m.rms * m.rms;
    return std::sqrt(s);
}

} // namespace vibra::dsp
