#include "dsp/PeakInterpolator.h"

#include <algorithm>
#include <cmath>

namespace vibra::dsp {

namespace {

// Root of an increasing function with f(lo) < 0 < f(hi): regula falsi with the Illinois modification
// (superlinear), stopped at a bracket of 1e-7 line or 60 steps.
template <class F> double solveIncreasing(const F& f, double lo, double hi, double flo, double fhi) {
    int side = 0;
    for (int i = 0; i < 60 && hi - lo > 1e-7; ++i) {
        double x = (lo * fhi - hi * flo) / (fhi - flo);
        if (!(x > lo && x < hi))
            x = 0.5 * (lo + hi);
        const double fx = f(x);
        if (fx == 0)
            return x;
        if (fx < 0) {
            lo = x;
            flo = fx;
            if (side == -1)
                fhi *= 0.5;
            side = -1;
        } else {
            hi = x;
            fhi = fx;
            if (side == 1)
                flo *= 0.5;
            side = 1;
        }
    }
    return 0.5 * (lo + hi);
}

// As solveIncreasing on [lo, hi] (f(lo) < 0 < f(hi) known), but first tries the bracket guess +- 0.1: a
// good first guess saves most of the kernel evaluations.
template <class F> double solveNear(const F& f, double guess, double lo, double hi, double flo, double fhi) {
    constexpr double kHalf = 0.1;
    if (std::isfinite(guess)) {
        const double a = std::max(lo, guess - kHalf);
        const double b = std::min(hi, guess + kHalf);
        if (a > lo && b < hi) {
            const double fa = f(a);
            const double fb = f(b);
            if (fa < 0 && fb > 0)
                return solveIncreasing(f, a, b, fa, fb);
            if (fa >= 0)
                return solveIncreasing(f, lo, a, flo, fa == 0 ? 1e-300 : fa);
            return solveIncreasing(f, b, hi, fb == 0 ? -1e-300 : fb, fhi);
        }
    }
    return solveIncreasing(f, lo, hi, flo, fhi);
}

double value(std::span<const float> p, std::size_t k) {
    return std::max(0.0, static_cast<double>(p[k]));
}

} // namespace

std::string_view peakMethodName(PeakMethod method) {
    switch (method) {
    case PeakMethod::None:
        return "none";
    case PeakMethod::NeighbourRatio:
        return "neighbour-ratio";
    case PeakMethod::SymmetricRatio:
        return "symmetric-ratio";
    }
    return "none";
}

PeakInterpolator::PeakInterpolator(WindowType window, std::size_t fftSize)
    : m_kernel(window, fftSize)
    , m_kHalf(m_kernel(0.5))
    , m_k1(m_kernel(1.0))
    , m_k3(m_kernel(3.0)) {
    // d/dx ln(K(2 - x) / K(2 + x)) at x = 0 (SymmetricRatio's first guess).
    constexpr double kStep = 1e-3;
    m_pairSlope = (std::log(m_kernel(2.0 - kStep) / m_kernel(2.0 + kStep)) -
                   std::log(m_kernel(2.0 + kStep) / m_kernel(2.0 - kStep))) /
                  (2 * kStep);
}

double PeakInterpolator::offset(std::span<const float> p, std::size_t k, PeakMethod* method) const {
    if (method)
        *method = PeakMethod::None;
    // Lines 0 (DC) and the last (Nyquist) are scaled differently and disturbed by the mean removal: the
    // estimate uses lines 1 .. size-2 only.
    const std::size_t d = m_kernel.type() == WindowType::FlatTop ? 2 : 1;
    if (p.size() < 3 || k < d + 1 || k + d + 1 >= p.size())
        return 0.0;
    const WindowKernel& kern = m_kernel;
    if (d == 1) {
        const double pk = value(p, k);
        const double left = value(p, k - 1);
        const double right = value(p, k + 1);
        if (!(pk > 0) || std::max(left, right) > pk)
            return 0.0; // not a local maximum
        if (method)
            *method = PeakMethod::NeighbourRatio;
        const double side = right >= left ? 1.0 : -1.0;
        const double r = std::sqrt(std::max(left, right) / pk);
        // h(d) = K(1 - d) - r K(d): increasing on [0, 0.5], h(0) = K(1) - r, h(0.5) = K(0.5)(1 - r) >= 0.
        const auto h = [&](double x) { return kern(1.0 - x) - r * kern(x); };
        const double h0 = m_k1 - r;
        if (h0 >= 0)
            return 0.0;
        const double hHalf = m_kHalf * (1.0 - r);
        if (hHalf <= 0)
            return 0.5 * side;
        // First guess: Gaussian (log-parabolic) interpolation of the three lines.
        const double la = 0.5 * std::log(std::max(side > 0 ? left : right, 1e-300));
        const double lb = 0.5 * std::log(pk);
        const double lc = 0.5 * std::log(std::max(side > 0 ? right : left, 1e-300));
        const double guess = 0.5 * (lc - la) / (2 * lb - la - lc);
        return side * solveNear(h, guess, 0.0, 0.5, h0, hHalf);
    }
    const double lo = value(p, k - 2);
    const double hi = value(p, k + 2);
    const double pk = value(p, k);
    if (!(pk > 0) || std::max(value(p, k - 1), value(p, k + 1)) > pk)
        return 0.0; // not a local maximum
    if (method)
        *method = PeakMethod::SymmetricRatio;
    if (lo == 0 && hi == 0)
        return 0.0;
    if (lo == 0)
        return 1.0;
    const double rho = std::sqrt(hi / lo);
    // h(x) = K(2 - x) - rho K(2 + x): increasing on [-1, 1] (the flat-top kernel falls on [1, 3]).
    const auto h = [&](double x) { return kern(2.0 - x) - rho * kern(2.0 + x); };
    const double hm = m_k3 - rho * m_k1; // h(-1)
    if (hm >= 0)
        return -1.0;
    const double hp = m_k1 - rho * m_k3; // h(1)
    if (hp <= 0)
        return 1.0;
    // First guess: ln rho is nearly linear in x, with the slope at 0 of the kernel ratio.
    return solveNear(h, std::log(rho) / m_pairSlope, -1.0, 1.0, hm, hp);
}

InterpolatedPeak PeakInterpolator::operator()(const Spectrum& s, std::span<const float> p,
                                              std::size_t line) const {
    InterpolatedPeak r;
    r.line = line;
    if (line >= p.size())
        return r;
    r.lineRms = std::sqrt(value(p, line) * s.enbwHz);
    r.offsetLines = offset(p, line, &r.method);
    r.frequencyHz = (static_cast<double>(line) + r.offsetLines) * s.binHz;
    const double gain = r.method == PeakMethod::None ? 1.0 : m_kernel(r.offsetLines);
    r.rms = gain > 0 ? r.lineRms / gain : r.lineRms;
    return r;
}

InterpolatedPeak interpolatePeak(const Spectrum& s, std::span<const float> source, std::size_t line) {
    return PeakInterpolator(s.window, s.fftSize)(s, source, line);
}

InterpolatedPeak interpolatePeak(const Spectrum& s, std::size_t line) {
    return interpolatePeak(s, s.psd, line);
}

} // namespace vibra::dsp
