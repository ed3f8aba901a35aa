#include "dsp/DefectPeakFinder.h"

#include "dsp/PeakInterpolator.h"
#include "dsp/Window.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace vibra::dsp {

namespace {

constexpr double kMaxDb = 200.0; // margins of a noise-free synthetic line are capped here

double median(std::vector<float>& v) {
    auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    double med = *mid;
    if (v.size() % 2 == 0)
        med = 0.5 * (med + *std::max_element(v.begin(), mid));
    return med;
}

double ratioDb(double num, double den) {
    if (!(num > 0))
        return den > 0 ? -kMaxDb : 0.0;
    if (!(den > 0))
        return kMaxDb;
    return std::clamp(10.0 * std::log10(num / den), -kMaxDb, kMaxDb);
}

} // namespace

double noiseMedianToMean(double k) {
    if (!(k >= 1))
        k = 1;
    const double a = 1.0 - 1.0 / (9.0 * k);
    return a * a * a;
}

DefectPeak findPeakNear(const Spectrum& s, double expectedHz, const PeakSearch& search, std::string name) {
    DefectPeak p;
    p.name = std::move(name);
    p.expectedHz = expectedHz;
    const std::size_t n = s.psd.size();
    if (n < 3 || !(s.binHz > 0) || !(expectedHz > 0) || !std::isfinite(expectedHz))
        return p;
    const double centre = expectedHz / s.binHz;
    const double halfTol =
        std::max(centre * search.toleranceFraction, static_cast<double>(search.minToleranceLines));
    const double lo = std::max(1.0, std::ceil(centre - halfTol));
    const double hi = std::min(static_cast<double>(n - 2), std::floor(centre + halfTol));
    if (hi < lo)
        return p;
    const auto& P = s.psd;
    std::size_t best = 0;
    for (auto k = static_cast<std::size_t>(lo); k <= static_cast<std::size_t>(hi); ++k)
        if (P[k] > P[k - 1] && P[k] >= P[k + 1] && P[k] > 0 && (best == 0 || P[k] > P[best]))
            best = k;
    if (best == 0)
        return p;
    const InterpolatedPeak ip = interpolatePeak(s, best);
    const double pos = ip.frequencyHz / s.binHz;
    p.line = best;
    p.foundHz = ip.frequencyHz;
    p.offsetPct = 100.0 * (ip.frequencyHz - expectedHz) / expectedHz;
    p.level = ip.rms;
    p.psd = P[best];
    p.found = pos >= centre - halfTol && pos <= centre + halfTol;

    const std::size_t excl =
        search.excludeHalfWidth > 0 ? search.excludeHalfWidth : mainLobeHalfWidth(s.window) + 1;
    std::vector<float> around;
    const std::size_t from = best > search.medianHalfWidth ? best - search.medianHalfWidth : 1;
    const std::size_t to = std::min(n - 2, best + search.medianHalfWidth);
    for (std::size_t k = std::max<std::size_t>(from, 1); k <= to; ++k)
        if ((k > best ? k - best : best - k) > excl)
            around.push_back(P[k]);
    if (!around.empty()) {
        p.localMedian = median(around);
        p.floor = p.localMedian / noiseMedianToMean(static_cast<double>(s.frames));
    }
    p.ratioDb = ratioDb(p.psd, p.localMedian);
    p.marginDb = ratioDb(p.level * p.level, p.floor * s.enbwHz);
    return p;
}

} // namespace vibra::dsp
