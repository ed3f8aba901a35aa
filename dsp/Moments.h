// Time-domain statistics of one window of samples. Plain value type.
#pragma once

#include <cstdint>

namespace vibra::dsp {

struct Moments {
    std::uint64_t count = 0;
    double min = 0, max = 0;
    double mean = 0;        // DC
    double rms = 0;         // AC RMS about the mean: sqrt((1/N) sum (x - mean)^2)
    double peak = 0;        // max |x - mean|
    double peakToPeak = 0;  // max - min
    double crestFactor = 0; // peak / rms (0 when rms == 0)
    double kurtosis =
        0; // Pearson: (1/N) sum (x - mean)^4 / rms^4 (0 when rms == 0); scipy kurtosis(fisher=False)
};

} // namespace vibra::dsp
