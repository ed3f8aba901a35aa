// Magnitude of a window's spectrum around a tone (its "kernel"): line k + nu of a unit tone centred on line k
// reads |W(nu)| / |W(0)| of the centred line. Exact for the periodic window of n points (no large-n
// approximation):
//   W(nu) = sum_m c_m D(nu - m),  c_0 = a_0,  c_{+-k} = (-1)^k a_k / 2,  D(x) = sum_n e^{-j 2 pi x n / n}
//   |W(nu)| = |sin(pi nu)| |sum_m c_m e^{-j pi m / n} / sin(pi (nu - m) / n)|   (= n |c_m| at nu = m)
// Used to invert measured line ratios into a tone's offset and to undo the scalloping loss
// (PeakInterpolator). Value type: precomputes per-window constants; const member functions are thread-safe.
#pragma once

#include "dsp/WindowType.h"

#include <complex>
#include <cstddef>
#include <vector>

namespace vibra::dsp {

class WindowKernel {
public:
    // n = FFT size (>= 2).
    WindowKernel(WindowType type, std::size_t n);

    // |W(nu)| / |W(0)|, nu in lines (any real value).
    double operator()(double nu) const;
    WindowType type() const { return m_type; }
    std::size_t size() const { return m_n; }

private:
    WindowType m_type;
    std::size_t m_n;
    double m_norm = 1; // |W(0)| = n a_0
    std::vector<int> m_m;
    std::vector<std::complex<double>> m_c; // c_m e^{-j pi m / n}
    std::vector<double> m_cosM;            // cos(pi m / n)
    std::vector<double> m_sinM;            // sin(pi m / n)
};

} // namespace vibra::dsp
