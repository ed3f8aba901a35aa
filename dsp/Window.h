// Periodic (DFT-even) analysis windows identical to scipy.signal.get_window(name, n), plus their sums.
// Pure functions, thread-safe.
#pragma once

#include "dsp/WindowType.h"

#include <cstddef>
#include <vector>

namespace vibra::dsp {

// w[n], n = 0..n-1, periodic form (scipy get_window default, fftbins=True). Computed in double, stored as
// float.
std::vector<float> makeWindow(WindowType type, std::size_t n);

// Sums used by every scaling: S1 = sum w, S2 = sum w^2 (accumulated in double).
struct WindowSums {
    double s1 = 0;
    double s2 = 0;
    double enbwBins(std::size_t n) const { return s1 > 0 ? static_cast<double>(n) * s2 / (s1 * s1) : 0.0; }
    double coherentGain(std::size_t n) const { return n > 0 ? s1 / static_cast<double>(n) : 0.0; }
};
WindowSums windowSums(const std::vector<float>& w);

} // namespace vibra::dsp
