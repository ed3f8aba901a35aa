#include "dsp/BandMetrics.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace vibra::dsp {

std::pair<std::size_t, std::size_t> bandLines(const Spectrum& s, double f1, double f2) {
    if (s.psd.empty() || !(s.binHz > 0) || !(f2 >= f1) || std::isnan(f1) || std::isnan(f2))
        return {1, 0};
    const double last = static_cast<double>(s.psd.size() - 1);
    const double lo = std::ceil(f1 / s.binHz - 1e-9);
    const double hi = std::floor(f2 / s.binHz + 1e-9);
    const double first = std::max(0.0, lo);
    const double end = std::min(last, hi);
    if (end < first)
        return {1, 0};
    return {static_cast<std::size_t>(first), static_cast<std::size_t>(end)};
}

double bandRms(const Spectrum& s, double f1, double f2) {
    const auto [a, b] = bandLines(s, f1, f2);
    double sum = 0;
    for (std::size_t k = a; k <= b && a <= b; ++k)
        sum += s.psd[k];
    return std::sqrt(sum * s.binHz);
}

double velocityRmsMmPerS(const Spectrum& s, double f1, double f2, double toMetersPerSecond2) {
    auto [a, b] = bandLines(s, f1, f2);
    if (a == 0)
        a = 1; // DC has no velocity
    const double c2 = toMetersPerSecond2 * toMetersPerSecond2;
    double sum = 0;
    for (std::size_t k = a; k <= b; ++k) {
        const double w = 2.0 * std::numbers::pi * s.frequency(k);
        sum += static_cast<double>(s.psd[k]) / (w * w);
    }
    return 1000.0 * std::sqrt(sum * c2 * s.binHz);
}

std::size_t fftSizeForLowEdge(double sampleRate, double lowEdgeHz) {
    std::size_t n = 256;
    while (n < 65536 && !(sampleRate / static_cast<double>(n) <= lowEdgeHz / 2))
        n *= 2;
    return n;
}

} // namespace vibra::dsp
