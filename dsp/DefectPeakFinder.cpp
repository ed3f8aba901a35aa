#include "dsp/DefectPeakFinder.h"

#include <algorithm>
#include <cmath>

namespace vibra::dsp {

DefectPeak findPeakNear(const Spectrum& s, double expectedHz, const PeakSearch& search, std::string name) {
    DefectPeak p;
    p.name = std::move(name);
    p.expectedHz = expectedHz;
    if (s.psd.size() < 2 || !(s.binHz > 0) || !(expectedHz > 0) || !std::isfinite(expectedHz))
        return p;
    const double last = static_cast<double>(s.psd.size() - 1);
    const double centre = expectedHz / s.binHz;
    const double halfTol =
        std::max(centre * search.toleranceFraction, static_cast<double>(search.minToleranceLines));
    const double lo = std::max(1.0, std::ceil(centre - halfTol));
    const double hi = std::min(last, std::floor(centre + halfTol));
    if (hi < lo)
        return p;
    std::size_t best = static_cast<std::size_t>(lo);
    for (auto k = static_cast<std::size_t>(lo); k <= static_cast<std::size_t>(hi); ++k)
        if (s.psd[k] > s.psd[best])
            best = k;
    std::vector<float> around;
    const std::size_t n = s.psd.size();
    const std::size_t from = best > search.medianHalfWidth ? best - search.medianHalfWidth : 0;
    const std::size_t to = std::min(n - 1, best + search.medianHalfWidth);
    for (std::size_t k = from; k <= to; ++k) {
        const std::size_t dist = k > best ? k - best : best - k;
        if (dist > search.excludeHalfWidth)
            around.push_back(s.psd[k]);
    }
    p.found = true;
    p.line = best;
    p.foundHz = s.frequency(best);
    p.psd = s.psd[best];
    if (!around.empty()) {
        auto mid = around.begin() + static_cast<std::ptrdiff_t>(around.size() / 2);
        std::nth_element(around.begin(), mid, around.end());
        double med = *mid;
        if (around.size() % 2 == 0) {
            const double lower = *std::max_element(around.begin(), mid);
            med = 0.5 * (med + lower);
        }
        p.localMedian = med;
    }
    p.ratioDb = (p.localMedian > 0 && p.psd > 0) ? 10.0 * std::log10(p.psd / p.localMedian) : 0.0;
    return p;
}

std::vector<DefectPeak> findBearingPeaks(const Spectrum& env, const BearingFrequencies& f,
                                         const PeakSearch& search) {
    return {findPeakNear(env, f.ftfHz, search, "FTF"), findPeakNear(env, f.bpfoHz, search, "BPFO"),
            findPeakNear(env, f.bpfiHz, search, "BPFI"), findPeakNear(env, f.bsfHz, search, "BSF"),
            findPeakNear(env, 2 * f.bsfHz, search, "2xBSF")};
}

} // namespace vibra::dsp
