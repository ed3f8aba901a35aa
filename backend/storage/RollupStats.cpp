#include "storage/RollupStats.h"

#include <algorithm>
#include <cmath>

namespace vibra::storage {

RollupStats RollupStats::fromMoments(const dsp::Moments& m, std::uint64_t gaps) {
    RollupStats s;
    s.n = m.count;
    s.min = m.min;
    s.max = m.max;
    s.mean = m.mean;
    s.rms = m.rms;
    s.peak = m.peak;
    s.crest = m.rms > 0 ? m.peak / m.rms : 0.0;
    s.kurtosis = m.kurtosis;
    s.gaps = gaps;
    return s;
}

RollupStats RollupStats::merge(const RollupStats& a, const RollupStats& b) {
    if (a.n == 0) {
        RollupStats r = b;
        r.gaps += a.gaps;
        return r;
    }
    if (b.n == 0) {
        RollupStats r = a;
        r.gaps += b.gaps;
        return r;
    }
    const double n1 = static_cast<double>(a.n), n2 = static_cast<double>(b.n), n = n1 + n2;
    RollupStats r;
    r.n = a.n + b.n;
    r.min = std::min(a.min, b.min);
    r.max = std::max(a.max, b.max);
    r.mean = (n1 * a.mean + n2 * b.mean) / n;
    const double d = b.mean - a.mean;
    const double m2 = n1 * a.rms * a.rms + n2 * b.rms * b.rms + d * d * n1 * n2 / n; // Chan et al.
    r.rms = std::sqrt(std::max(0.0, m2 / n));
    r.peak = std::max(r.max - r.mean, r.mean - r.min);
    r.crest = r.rms > 0 ? r.peak / r.rms : 0.0;
    r.kurtosis = (n1 * a.kurtosis + n2 * b.kurtosis) / n;
    const auto weight = [](const RollupStats& s) {
        return static_cast<double>(s.velocityRms ? (s.velocityN ? s.velocityN : s.n) : 0);
    };
    const double w1 = weight(a), w2 = weight(b);
    if (w1 + w2 > 0) {
        const double v1 = a.velocityRms.value_or(0), v2 = b.velocityRms.value_or(0);
        r.velocityRms = std::sqrt((w1 * v1 * v1 + w2 * v2 * v2) / (w1 + w2));
        r.velocityN = static_cast<std::uint64_t>(w1 + w2);
    }
    if (a.zone && b.zone)
        r.zone = std::max(*a.zone, *b.zone);
    else
        r.zone = a.zone ? a.zone : b.zone;
    r.gaps = a.gaps + b.gaps;
    return r;
}

} // namespace vibra::storage
