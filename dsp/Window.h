// Periodic (DFT-even) analysis windows identical to scipy.signal.get_window(name, n), plus their sums.
// Pure functions, thread-safe.
#pragma once

#include "dsp/WindowType.h"

#include <cstddef>
#include <span>
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

// The a_k of w[n] = sum_k (-1)^k a_k cos(2 pi k n / N) (rectangular: {1}). Static storage.
std::span<const double> windowCoefficients(WindowType type);

// Half width of the main lobe in lines: the kernel |W(nu)| of a K-term cosine window has its first zero at
// nu = K (rectangular 1, Hann and Hamming 2, Blackman-Harris 4, flat-top 5).
std::size_t mainLobeHalfWidth(WindowType type);

} // namespace vibra::dsp
