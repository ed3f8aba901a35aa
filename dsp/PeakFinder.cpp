#include "dsp/PeakFinder.h"

#include "dsp/Window.h"

#include <algorithm>
#include <cmath>

namespace vibra::dsp {

std::vector<InterpolatedPeak> findPeaks(const Spectrum& s, std::span<const float> p,
                                        const PeakListOptions& o) {
    std::vector<InterpolatedPeak> out;
    if (p.size() < 3 || o.maxPeaks == 0 || !(s.binHz > 0))
        return out;
    const bool velocity = o.rankUnit == SpectrumUnit::Velocity;
    const std::size_t sep =
        o.minSeparationLines > 0 ? o.minSeparationLines : 2 * mainLobeHalfWidth(s.window) + 1;
    const double loLine = std::max(1.0, std::ceil(o.minHz / s.binHz - 1e-9));
    const double hiLine = std::min(static_cast<double>(p.size() - 2), std::floor(o.maxHz / s.binHz + 1e-9));
    if (hiLine < loLine)
        return out;
    struct Candidate {
        std::size_t line;
        double key;
    };
    std::vector<Candidate> cand;
    for (auto k = static_cast<std::size_t>(loLine); k <= static_cast<std::size_t>(hiLine); ++k) {
        if (!(p[k] > p[k - 1] && p[k] >= p[k + 1] && p[k] > 0))
            continue;
        const double f = s.frequency(k);
        cand.push_back({k, velocity ? p[k] / (f * f) : static_cast<double>(p[k])});
    }
    const auto higher = [](const Candidate& a, const Candidate& b) {
        return a.key > b.key || (a.key == b.key && a.line < b.line);
    };
    // Only the highest few candidates can be listed: each kept peak hides fewer than sep local maxima.
    const std::size_t limit = 2 * o.maxPeaks;
    auto sorted = cand.begin() + static_cast<std::ptrdiff_t>(std::min(cand.size(), limit * (sep + 1)));
    std::partial_sort(cand.begin(), sorted, cand.end(), higher);
    const auto far = [sep](std::size_t a, std::size_t b) { return (a > b ? a - b : b - a) >= sep; };
    // Greedy by line value; beyond the maxPeaks-th, only candidates that the scalloping correction (at most
    // 1 / K(0.5)^2 in power, flat-top K(1); x 1.5 for the 1/f^2 of velocity) could lift above it are worth
    // interpolating.
    const PeakInterpolator interp(s.window, s.fftSize);
    const double worst = interp.kernel()(s.window == WindowType::FlatTop ? 1.0 : 0.5);
    const double lift = (worst > 0 ? 1.0 / (worst * worst) : 1.0) * (velocity ? 1.5 : 1.0);
    std::vector<std::size_t> chosen;
    double cutoff = 0;
    for (auto it = cand.begin(); it != cand.end() && chosen.size() < limit; ++it) {
        if (it == sorted) { // rare: separation hid more than expected
            std::sort(sorted, cand.end(), higher);
            sorted = cand.end();
        }
        if (chosen.size() >= o.maxPeaks && it->key * lift < cutoff)
            break;
        if (std::all_of(chosen.begin(), chosen.end(), [&](std::size_t k) { return far(k, it->line); })) {
            chosen.push_back(it->line);
            if (chosen.size() == o.maxPeaks)
                cutoff = it->key;
        }
    }
    for (std::size_t k : chosen)
        out.push_back(interp(s, p, k));
    const auto key = [velocity](const InterpolatedPeak& a) {
        return velocity ? (a.frequencyHz > 0 ? a.rms / a.frequencyHz : 0.0) : a.rms;
    };
    std::stable_sort(out.begin(), out.end(),
                     [&](const InterpolatedPeak& a, const InterpolatedPeak& b) { return key(a) > key(b); });
    if (out.size() > o.maxPeaks)
        out.resize(o.maxPeaks);
    return out;
}

} // namespace vibra::dsp
