#include "ui/CursorMath.h"

#include <algorithm>
#include <cmath>

namespace vibra::ui {

std::optional<CursorReading> CursorReading::read(const pipeline::DeviceSnapshot& s, int axis, double t1,
                                                 double t2) {
    if (!s.device || s.device->sampleRate <= 0 || axis < 0)
        return std::nullopt;
    const double rate = s.device->sampleRate;
    CursorReading r;
    const double lo = std::min(t1, t2);
    if (axis < static_cast<int>(s.raw.size()) && !s.raw[axis].empty()) {
        const auto& x = s.raw[axis];
        const auto n = static_cast<std::int64_t>(x.size());
        const auto index = [&](double t) {
            return n - 1 + static_cast<std::int64_t>(std::llround(t * rate));
        };
        if (index(lo) >= 0 && index(std::max(t1, t2)) < n) {
            const std::int64_t i1 = std::clamp<std::int64_t>(index(t1), 0, n - 1);
            const std::int64_t i2 = std::clamp<std::int64_t>(index(t2), 0, n - 1);
            r.exact = true;
            r.t1 = static_cast<double>(i1 - (n - 1)) / rate;
            r.t2 = static_cast<double>(i2 - (n - 1)) / rate;
            r.v1 = r.min1 = r.max1 = x[i1];
            r.v2 = r.min2 = r.max2 = x[i2];
            const std::int64_t a = std::min(i1, i2), b = std::max(i1, i2);
            double sum = 0;
            for (std::int64_t i = a; i <= b; ++i)
                sum += x[i];
            r.samples = static_cast<std::size_t>(b - a + 1);
            r.mean = sum / static_cast<double>(r.samples);
            double sq = 0;
            for (std::int64_t i = a; i <= b; ++i)
                sq += (x[i] - r.mean) * (x[i] - r.mean);
            r.rms = std::sqrt(sq / static_cast<double>(r.samples));
            return r;
        }
    }
    if (axis >= static_cast<int>(s.envelopeMin.size()) || s.envelopeMin[axis].empty())
        return std::nullopt;
    const auto& mn = s.envelopeMin[axis];
    const auto& mx = s.envelopeMax[axis];
    const auto n = static_cast<std::int64_t>(mn.size());
    const double dt = static_cast<double>(s.envelopeBucketSamples) / rate;
    const auto bucket = [&](double t) {
        return std::clamp<std::int64_t>(n - 1 + static_cast<std::int64_t>(std::llround(t / dt)), 0, n - 1);
    };
    const std::int64_t b1 = bucket(t1), b2 = bucket(t2);
    r.t1 = static_cast<double>(b1 - (n - 1)) * dt;
    r.t2 = static_cast<double>(b2 - (n - 1)) * dt;
    r.min1 = mn[b1];
    r.max1 = mx[b1];
    r.min2 = mn[b2];
    r.max2 = mx[b2];
    r.v1 = 0.5 * (r.min1 + r.max1);
    r.v2 = 0.5 * (r.min2 + r.max2);
    r.samples = static_cast<std::size_t>(std::abs(b2 - b1) + 1) * s.envelopeBucketSamples;
    return r;
}

} // namespace vibra::ui
