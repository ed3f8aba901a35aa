#include "decode/RateTracker.h"

#include <algorithm>
#include <cmath>

namespace vibra::decode {

namespace {

constexpr double kMadToSigma = 1.4826;       // MAD of a normal distribution x this = its standard deviation
constexpr double kMedianEfficiency = 1.2533; // standard error of a median / that of a mean (normal data)
constexpr std::size_t kMinPointsToTrack = 8;

double medianOf(std::vector<double>& v) {
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

// Median and scaled MAD of v (v is reordered).
void medianAndSpread(std::vector<double>& v, double& median, double& sigma) {
    median = medianOf(v);
    for (double& x : v)
        x = std::abs(x - median);
    sigma = kMadToSigma * medianOf(v);
}

} // namespace

bool RateTracker::estimate(std::span<const std::uint64_t> indices, std::span<const double> times, Fit& out) {
    const std::size_t n = std::min(indices.size(), times.size());
    if (n < 2)
        return false;
    const std::size_t h = n / 2;
    std::vector<double> slopes;
    slopes.reserve(n - h);
    for (std::size_t i = 0; i + h < n; ++i) {
        const double di = static_cast<double>(indices[i + h]) - static_cast<double>(indices[i]);
        if (di > 0)
            slopes.push_back((times[i + h] - times[i]) / di);
    }
    if (slopes.empty())
        return false;
    const std::size_t pairs = slopes.size();
    double period = 0.0, slopeSigma = 0.0;
    medianAndSpread(slopes, period, slopeSigma);
    if (!(period > 0) || !std::isfinite(period))
        return false;
    const double anchorIndex = static_cast<double>(indices[n / 2]);
    std::vector<double> offsets(n);
    for (std::size_t i = 0; i < n; ++i)
        offsets[i] = times[i] - (static_cast<double>(indices[i]) - anchorIndex) * period;
    double anchorTime = 0.0, jitter = 0.0;
    medianAndSpread(offsets, anchorTime, jitter);
    out.period = period;
    out.anchorIndex = anchorIndex;
    out.anchorTime = anchorTime;
    out.jitter = jitter;
    out.relStdError = kMedianEfficiency * slopeSigma / std::sqrt(static_cast<double>(pairs)) / period;
    return true;
}

void RateTracker::start(const Fit& fit, std::size_t chunkSize, bool fixedPeriod) {
    m_started = true;
    m_fixed = fixedPeriod;
    m_period = fit.period;
    m_estimated = fixedPeriod ? 0.0 : fit.period;
    m_relStdError = fixedPeriod ? 0.0 : fit.relStdError;
    m_anchorIndex = fit.anchorIndex;
    m_anchorTime = fit.anchorTime;
    m_jitter = fit.jitter;
    m_chunkSize = std::max<std::size_t>(chunkSize, 4);
    m_residuals.clear();
    m_residuals.reserve(m_chunkSize);
    m_indexSum = 0.0;
    m_points.clear();
}

void RateTracker::rebase(std::uint64_t index, double time) {
    m_anchorIndex = static_cast<double>(index);
    m_anchorTime = time;
    m_residuals.clear();
    m_indexSum = 0.0;
    m_points.clear();
}

void RateTracker::add(std::uint64_t index, double time) {
    if (!m_started)
        return;
    m_residuals.push_back(time - predict(index));
    m_indexSum += static_cast<double>(index);
    if (m_residuals.size() >= m_chunkSize)
        closeChunk();
}

void RateTracker::closeChunk() {
    const double centre = m_indexSum / static_cast<double>(m_residuals.size());
    m_scratch.assign(m_residuals.begin(), m_residuals.end());
    double medianResidual = 0.0, sigma = 0.0;
    medianAndSpread(m_scratch, medianResidual, sigma);
    m_jitter = m_jitter > 0 ? 0.9 * m_jitter + 0.1 * sigma : sigma;
    const double time = m_anchorTime + (centre - m_anchorIndex) * m_period + medianResidual;
    m_points.push_back({centre, time});
    if (m_points.size() > kMaxPoints)
        m_points.pop_front();
    m_anchorIndex = centre; // the line pivots on the newest point
    m_anchorTime = time;
    m_residuals.clear();
    m_indexSum = 0.0;
    refit();
    ++m_updates;
}

void RateTracker::refit() {
    const std::size_t n = m_points.size();
    if (n < kMinPointsToTrack)
        return;
    const std::size_t h = n / 2;
    m_scratch.clear();
    for (std::size_t i = 0; i + h < n; ++i) {
        const double di = m_points[i + h].index - m_points[i].index;
        if (di > 0)
            m_scratch.push_back((m_points[i + h].time - m_points[i].time) / di);
    }
    if (m_scratch.size() < 2)
        return;
    const std::size_t pairs = m_scratch.size();
    double slope = 0.0, sigma = 0.0;
    medianAndSpread(m_scratch, slope, sigma);
    if (!(slope > 0) || !std::isfinite(slope))
        return;
    m_estimated = slope;
    m_relStdError = kMedianEfficiency * sigma / std::sqrt(static_cast<double>(pairs)) / slope;
    if (!m_fixed)
        m_period = slope;
}

} // namespace vibra::decode
