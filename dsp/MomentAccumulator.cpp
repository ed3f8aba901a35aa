#include "dsp/MomentAccumulator.h"

#include <algorithm>
#include <cmath>

namespace vibra::dsp {

void MomentAccumulator::add(std::span<const float> x) {
    const std::size_t n = x.size();
    if (n == 0)
        return;
    const float* p = x.data();
    double sum = 0;
    float lo = p[0];
    float hi = p[0];
#pragma omp simd reduction(+ : sum) reduction(min : lo) reduction(max : hi)
    for (std::size_t i = 0; i < n; ++i) {
        sum += p[i];
        lo = std::min(lo, p[i]);
        hi = std::max(hi, p[i]);
    }
    if (!std::isfinite(sum)) { // some sample is NaN or Inf: slow path that skips them
        addFiltered(x);
        return;
    }
    const double mean = sum / static_cast<double>(n);
    double s2 = 0, s3 = 0, s4 = 0;
#pragma omp simd reduction(+ : s2, s3, s4)
    for (std::size_t i = 0; i < n; ++i) {
        const double d = static_cast<double>(p[i]) - mean;
        const double d2 = d * d;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
    }
    mergeRaw(n, mean, s2, s3, s4, lo, hi);
}

void MomentAccumulator::addFiltered(std::span<const float> x) {
    std::uint64_t n = 0;
    double sum = 0;
    double lo = 0, hi = 0;
    for (float v : x) {
        if (!std::isfinite(v)) {
            ++m_nonFinite;
            continue;
        }
        lo = n == 0 ? v : std::min<double>(lo, v);
        hi = n == 0 ? v : std::max<double>(hi, v);
        sum += v;
        ++n;
    }
    if (n == 0)
        return;
    const double mean = sum / static_cast<double>(n);
    double s2 = 0, s3 = 0, s4 = 0;
    for (float v : x) {
        if (!std::isfinite(v))
            continue;
        const double d = static_cast<double>(v) - mean;
        s2 += d * d;
        s3 += d * d * d;
        s4 += d * d * d * d;
    }
    mergeRaw(n, mean, s2, s3, s4, lo, hi);
}

void MomentAccumulator::add(float x) {
    if (!std::isfinite(x)) {
        ++m_nonFinite;
        return;
    }
    mergeRaw(1, x, 0, 0, 0, x, x);
}

void MomentAccumulator::reset() {
    *this = MomentAccumulator{};
}

void MomentAccumulator::merge(const MomentAccumulator& o) {
    m_nonFinite += o.m_nonFinite;
    if (o.m_n == 0)
        return;
    mergeRaw(o.m_n, o.m_mean, o.m_m2, o.m_m3, o.m_m4, o.m_min, o.m_max);
}

void MomentAccumulator::mergeRaw(std::uint64_t nbI, double meanB, double m2b, double m3b, double m4b,
                                 double minB, double maxB) {
    if (nbI == 0)
        return;
    if (m_n == 0) {
        m_n = nbI;
        m_mean = meanB;
        m_m2 = m2b;
        m_m3 = m3b;
        m_m4 = m4b;
        m_min = minB;
        m_max = maxB;
        return;
    }
    const double na = static_cast<double>(m_n);
    const double nb = static_cast<double>(nbI);
    const double n = na + nb;
    const double d = meanB - m_mean;
    const double d2 = d * d;
    const double m2 = m_m2 + m2b + d2 * na * nb / n;
    const double m3 =
        m_m3 + m3b + d2 * d * na * nb * (na - nb) / (n * n) + 3.0 * d * (na * m2b - nb * m_m2) / n;
    const double m4 = m_m4 + m4b + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (n * n * n) +
                      6.0 * d2 * (na * na * m2b + nb * nb * m_m2) / (n * n) +
                      4.0 * d * (na * m3b - nb * m_m3) / n;
    m_mean += d * nb / n;
    m_m2 = m2;
    m_m3 = m3;
    m_m4 = m4;
    m_n += nbI;
    m_min = std::min(m_min, minB);
    m_max = std::max(m_max, maxB);
}

Moments MomentAccumulator::result() const {
    Moments r;
    r.count = m_n;
    r.nonFinite = m_nonFinite;
    if (m_n == 0)
        return r;
    const double n = static_cast<double>(m_n);
    r.min = m_min;
    r.max = m_max;
    r.mean = m_mean;
    const double var = std::max(0.0, m_m2 / n);
    r.rms = std::sqrt(var);
    r.peak = std::max(m_max - m_mean, m_mean - m_min);
    r.peakToPeak = m_max - m_min;
    if (var > 0) {
        r.crestFactor = r.peak / r.rms;
        r.kurtosis = (m_m4 / n) / (var * var);
    }
    return r;
}

} // namespace vibra::dsp
