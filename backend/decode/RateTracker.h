#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace vibra::decode {

/// Robust, continuous straight-line fit of device time against sample index for streams that carry a time
/// stamp per sample (SensorServer events, CSV with a time column): time(n) = anchorTime + (n - anchorIndex) x
/// period.
///
/// Method: samples are grouped in chunks of `chunkSize` consecutive samples; each chunk becomes one point
/// (its mean index, the line's time there plus the median residual of the chunk), so one late or early time
/// stamp cannot move it. The period is the median of the slopes between point i and point i + h over the
/// sliding window of the last kMaxPoints points (h = half the window): a Theil-Sen estimator on a decimated
/// window. Long baselines make it precise (0.3 T of timestamp noise gives ~1e-5 relative after a few seconds
/// at 500 Hz); the medians make it robust to outliers. The line pivots on the newest point after every chunk,
/// so it follows slow drift. Jitter = 1.4826 x MAD of the residuals (a robust standard deviation), smoothed
/// over chunks.
///
/// estimate(): the same estimator on a batch (warm-up), with indices given.
///
/// Threads: owned by one thread. Memory: one chunk of residuals + kMaxPoints points.
class RateTracker {
public:
    static constexpr std::size_t kMaxPoints = 128;

    struct Fit {
        double period = 0.0;     ///< seconds per sample
        double anchorIndex = 0;  ///< a point on the line
        double anchorTime = 0.0; ///< its time
        double jitter = 0.0;     ///< robust standard deviation of the residuals, seconds
        double relStdError = 0;  ///< estimated relative standard error of the period
    };

    /// Batch fit of times against (possibly gapped) indices: Theil-Sen with pairs (i, i + n/2), intercept
    /// from the median residual, jitter from the MAD. Needs at least 2 points; returns false otherwise or
    /// when the times do not advance.
    static bool estimate(std::span<const std::uint64_t> indices, std::span<const double> times, Fit& out);

    /// Starts (or restarts) tracking from a fit. fixedPeriod: the period is configured; only the offset and
    /// the jitter are tracked (the estimate is still computed and reported by estimatedPeriod()).
    void start(const Fit& fit, std::size_t chunkSize, bool fixedPeriod);
    /// Moves the line so that index `index` is at `time` (clock restart or jump), keeping the period; forgets
    /// the window (its points belong to the old clock).
    void rebase(std::uint64_t index, double time);
    /// Takes the period and jitter of a better fit of the same samples; keeps the anchor and the window.
    void refine(const Fit& fit) {
        if (!m_fixed && fit.period > 0) {
            m_period = fit.period;
            m_estimated = fit.period;
            m_relStdError = fit.relStdError;
        }
        m_jitter = fit.jitter;
    }
    /// Adds one placed sample (indices increasing).
    void add(std::uint64_t index, double time);

    bool started() const { return m_started; }
    /// Period used for prediction (the configured one when fixed).
    double period() const { return m_period; }
    /// Period estimated from the window (equals period() unless the period is fixed); 0 before enough points.
    double estimatedPeriod() const { return m_estimated; }
    /// Relative standard error of estimatedPeriod() (from the spread of the pair slopes).
    double relStdError() const { return m_relStdError; }
    double jitter() const { return m_jitter; }
    /// Time of index n on the current line.
    double predict(std::uint64_t index) const {
        return m_anchorTime + (static_cast<double>(index) - m_anchorIndex) * m_period;
    }
    /// Chunks folded into the window so far (since start/rebase).
    std::size_t points() const { return m_points.size(); }
    /// Incremented every time a chunk completes (callers compare it to notice an update).
    std::uint64_t updates() const { return m_updates; }

private:
    struct Point {
        double index;
        double time;
    };
    void closeChunk();
    void refit();

    bool m_started = false;
    bool m_fixed = false;
    double m_period = 0.0;
    double m_estimated = 0.0;
    double m_relStdError = 0.0;
    double m_anchorIndex = 0.0;
    double m_anchorTime = 0.0;
    double m_jitter = 0.0;
    std::size_t m_chunkSize = 32;
    std::vector<double> m_residuals; // current chunk
    double m_indexSum = 0.0;
    std::deque<Point> m_points;
    std::vector<double> m_scratch;
    std::uint64_t m_updates = 0;
};

} // namespace vibra::decode
