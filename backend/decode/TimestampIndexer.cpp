#include "decode/TimestampIndexer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vibra::decode {

namespace {

constexpr std::int64_t kMaxIndexJump = 1'000'000'000; // an index column jumping further is a restart
constexpr double kGapSteps = 2.5;                     // warm-up: a step this many median steps is a gap
constexpr double kOutlierThresholdSigmas = 6.0;

std::string hz(double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.6g Hz", v);
    return buf;
}

std::string seconds(double v) {
    char buf[48];
    if (v < 1e-9)
        std::snprintf(buf, sizeof buf, "0 us");
    else if (v < 1e-3)
        std::snprintf(buf, sizeof buf, "%.3g us", v * 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.3g ms", v * 1e3);
    return buf;
}

double medianOf(std::vector<double> v) {
    const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

} // namespace

TimestampIndexer::TimestampIndexer(Config config)
    : m_cfg(config) {
    m_cfg.warmupMinSamples = std::max<std::size_t>(m_cfg.warmupMinSamples, 2);
    m_cfg.warmupMaxSamples = std::max(m_cfg.warmupMaxSamples, m_cfg.warmupMinSamples);
}

double TimestampIndexer::estimatedRateHz() const {
    const double p = m_tracker.estimatedPeriod();
    return p > 0 ? 1.0 / p : 0.0;
}

std::vector<std::string> TimestampIndexer::takeNotices() {
    std::vector<std::string> out;
    out.swap(m_notices);
    return out;
}

void TimestampIndexer::notice(std::string text) {
    if (m_notices.size() < 64)
        m_notices.push_back(std::move(text));
}

double TimestampIndexer::threshold() const {
    return std::max(0.5 * m_tracker.period(), kOutlierThresholdSigmas * m_tracker.jitter());
}

void TimestampIndexer::rebaseClock(Held& h, double expected) {
    m_shift += expected - h.time;
    h.time = expected;
    ++m_stats.restarts;
}

void TimestampIndexer::add(const Sample& s, std::vector<Placed>& out) {
    if (!std::isfinite(s.time))
        return;
    if (m_cfg.dropNonAdvancing) {
        const std::size_t n = std::min(m_recentCount, kRecentTimes);
        if (std::find(m_recent.begin(), m_recent.begin() + static_cast<std::ptrdiff_t>(n), s.time) !=
            m_recent.begin() + static_cast<std::ptrdiff_t>(n)) {
            ++m_stats.duplicates;
            return;
        }
        m_recent[m_recentCount++ % kRecentTimes] = s.time;
    }
    const Held h{s.time, s.index, s.values}; // raw device time; + m_shift where it is placed
    if (m_expectRestart && m_generation > 0 && m_warm.empty() && m_held.empty()) {
        m_expectRestart = false;
        m_shift = m_tracker.predict(m_next) - h.time;
        if (h.index >= 0)
            m_indexOffset = static_cast<std::int64_t>(m_next) - h.index;
    }
    dispatch(h, out);
}

bool TimestampIndexer::warmupComplete() const {
    const std::size_t n = m_warm.size();
    if (m_cfg.rateHz > 0) // configured rate: only the clock offset and the jitter to learn
        return n >= m_cfg.warmupMinSamples;
    return n >= m_cfg.warmupMaxSamples ||
           (n >= m_cfg.warmupMinSamples && m_warm.back().time - m_warm.front().time >= m_cfg.warmupSeconds);
}

void TimestampIndexer::dispatch(Held h, std::vector<Placed>& out) {
    if (m_generation == 0 || !m_warm.empty()) {
        m_warm.push_back(h);
        if (warmupComplete() && !completeWarmup(out)) {
            // the warm-up cannot fit a clock (the times do not advance): keep memory bounded
            if (m_generation == 0) {
                const std::size_t drop = m_warm.size() / 2;
                m_stats.unplaced += drop;
                m_warm.erase(m_warm.begin(), m_warm.begin() + static_cast<std::ptrdiff_t>(drop));
            } else {
                std::vector<Held> rest; // a change we cannot estimate: keep the current clock
                rest.swap(m_warm);
                for (Held x : rest) {
                    x.time += m_shift;
                    placeAt(m_next, x, true, out);
                }
            }
        }
        return;
    }
    if (h.index >= 0)
        addIndexed(h, out);
    else
        addTimed(h, out);
}

bool TimestampIndexer::completeWarmup(std::vector<Placed>& out) {
    const std::size_t n = m_warm.size();
    const bool fixed = m_cfg.rateHz > 0;
    if (n < (fixed ? 1u : 2u))
        return false;
    std::vector<std::uint64_t> idx(n);
    std::vector<double> t(n);
    for (std::size_t i = 0; i < n; ++i)
        t[i] = m_warm[i].time + m_shift;
    const bool indexed = m_warm.front().index >= 0;
    std::int64_t indexOffset = 0;
    if (indexed) {
        // indices from the column; the first stream keeps the device's numbering
        std::int64_t offset = m_placedAny ? static_cast<std::int64_t>(m_next) - m_warm.front().index : 0;
        for (std::size_t i = 0; i < n; ++i) {
            std::int64_t v = m_warm[i].index + offset;
            if (i > 0 && v <= static_cast<std::int64_t>(idx[i - 1])) { // restart inside the warm-up
                v = static_cast<std::int64_t>(idx[i - 1]) + 1;
                offset = v - m_warm[i].index;
            }
            idx[i] = static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0));
        }
        indexOffset = offset;
    } else {
        std::vector<double> steps;
        for (std::size_t i = 1; i < n; ++i)
            if (t[i] > t[i - 1])
                steps.push_back(t[i] - t[i - 1]);
        if (steps.empty() && !fixed) {
            m_error = "cannot estimate the sample rate: the time stamps do not advance (set rate=...)";
            return false;
        }
        const double step = fixed ? 1.0 / m_cfg.rateHz : medianOf(steps);
        const auto d = [&](std::size_t i) { return t[i] - t[i - 1]; };
        idx[0] = m_next;
        for (std::size_t i = 1; i < n; ++i) {
            std::uint64_t inc = 1;
            if (d(i) > kGapSteps * step && (i == 1 || d(i - 1) > 0.25 * step) &&
                (i + 1 == n || d(i + 1) > 0.25 * step))
                inc = static_cast<std::uint64_t>(std::max(1.0, std::nearbyint(d(i) / step)));
            idx[i] = idx[i - 1] + inc;
        }
    }
    RateTracker::Fit fit;
    const bool estimatedOk = RateTracker::estimate(idx, t, fit);
    if (!estimatedOk && !fixed) {
        m_error = "cannot estimate the sample rate from the time stamps (set rate=...)";
        return false;
    }
    const double estimated = estimatedOk ? 1.0 / fit.period : m_cfg.rateHz;
    if (!(estimated <= 10e6)) {
        m_error = "the time stamps imply a rate above 10 MHz (check the time unit, tunit=...)";
        return false;
    }
    if (fixed) {
        fit.anchorIndex = static_cast<double>(idx[n / 2]);
        if (std::abs(estimated - m_cfg.rateHz) > 0.01 * m_cfg.rateHz)
            notice("the time stamps say " + hz(estimated) + " but rate=" + hz(m_cfg.rateHz) +
                   " is configured; using the configured rate");
        fit.period = 1.0 / m_cfg.rateHz; // offset and jitter again with the configured period
        std::vector<double> offs(n);
        for (std::size_t i = 0; i < n; ++i)
            offs[i] = t[i] - (static_cast<double>(idx[i]) - fit.anchorIndex) * fit.period;
        fit.anchorTime = medianOf(offs);
        for (double& o : offs)
            o = std::abs(o - fit.anchorTime);
        fit.jitter = 1.4826 * medianOf(offs);
    }
    const auto chunk = static_cast<std::size_t>(
        std::clamp(std::nearbyint((fixed ? m_cfg.rateHz : estimated) / 8.0), 16.0, 2048.0));
    m_tracker.start(fit, chunk, fixed);
    // Place the warm-up samples with this first fit (the placement's hold / gap / outlier decisions do not
    // need a precise rate: the line follows the data chunk by chunk), then fit again on the placed indices:
    // provisional indices with a jitter-made "gap" would bias the first fit.
    const std::uint32_t generationBefore = m_generation;
    m_generation = std::max<std::uint32_t>(m_generation, 1);
    std::vector<Held> replay;
    replay.swap(m_warm);
    if (indexed) {
        m_indexOffset = indexOffset; // replayed indices + offset = the warm-up's indices
        for (std::size_t i = 0; i < n; ++i)
            replay[i].index = static_cast<std::int64_t>(idx[i]) - indexOffset;
    }
    std::vector<Placed> placed;
    m_replaying = true; // while replaying, a full hold does not start another warm-up (no recursion)
    for (Held& h : replay)
        dispatch(h, placed);
    m_replaying = false;
    double rate = fixed ? m_cfg.rateHz : estimated;
    RateTracker::Fit refit;
    if (!fixed && placed.size() >= 2) {
        std::vector<std::uint64_t> pi(placed.size());
        std::vector<double> pt(placed.size());
        for (std::size_t i = 0; i < placed.size(); ++i) {
            pi[i] = placed[i].index;
            pt[i] = placed[i].time;
        }
        if (RateTracker::estimate(pi, pt, refit) && 1.0 / refit.period <= 10e6) {
            rate = 1.0 / refit.period;
            m_tracker.refine(refit);
        }
    }
    if (generationBefore == 0) {
        m_generation = 1;
        m_streamRate = rate;
        if (!fixed)
            notice("rate " + hz(rate) + " estimated from " + std::to_string(n) + " time stamps (jitter " +
                   seconds(m_tracker.jitter()) + ")");
    } else if (std::abs(rate - m_streamRate) > m_cfg.rateTolerance * m_streamRate) {
        m_generation = generationBefore + 1;
        ++m_stats.rateChanges;
        notice("rate changed from " + hz(m_streamRate) + " to " + hz(rate) + ": a new stream starts");
        m_streamRate = rate;
    } else {
        m_generation = generationBefore;
    }
    for (Placed& p : placed) {
        p.generation = m_generation;
        p.streamRateHz = m_streamRate;
        out.push_back(p);
    }
    m_driftStrikes = 0;
    m_lastUpdate = m_tracker.updates();
    return true;
}

void TimestampIndexer::addTimed(Held h, std::vector<Placed>& out) {
    h.time += m_shift;
    if (!m_held.empty()) {
        resolveHeld(h, out);
        return;
    }
    const double expected = m_tracker.predict(m_next);
    const double r = h.time - expected;
    if (r < -1.0 || r > kMaxJumpSeconds) {
        notice(r < 0 ? "the device clock went back: continuing without a gap"
                     : "the device clock jumped forward by more than an hour: continuing without a gap");
        rebaseClock(h, expected);
        placeAt(m_next, h, true, out);
        return;
    }
    if (std::abs(r) <= threshold()) {
        placeAt(m_next, h, true, out);
        return;
    }
    m_held.push_back(h);
    m_heldResidual = r;
}

void TimestampIndexer::resolveHeld(const Held& h, std::vector<Placed>& out) {
    const std::uint64_t e = m_next;
    const std::uint64_t k = m_held.size();
    const double thr = threshold();
    // The held samples were outliers: the new one fits the line without a gap.
    if (std::abs(h.time - m_tracker.predict(e + k)) <= thr) {
        m_stats.outliers += k;
        for (std::uint64_t i = 0; i < k; ++i)
            placeAt(e + i, m_held[i], true, out);
        m_held.clear();
        placeAt(e + k, h, true, out);
        return;
    }
    // m samples were lost before the first held one: the two newest samples fit the line shifted by m (two,
    // so that two late time stamps in a row are not taken for a gap).
    const double m = std::nearbyint(m_heldResidual / m_tracker.period());
    if (m >= 1 && k >= 2) {
        const auto gap = static_cast<std::uint64_t>(m);
        const auto fits = [&](double time, std::uint64_t index) {
            return std::abs(time - m_tracker.predict(index)) <= thr;
        };
        if (fits(h.time, e + gap + k) && fits(m_held[k - 1].time, e + gap + k - 1)) {
            for (std::uint64_t i = 0; i < k; ++i)
                placeAt(e + gap + i, m_held[i], true, out);
            m_held.clear();
            placeAt(e + gap + k, h, true, out);
            return;
        }
    }
    m_held.push_back(h);
    if (m_held.size() >= kHoldSamples && m_replaying) {
        m_stats.outliers += m_held.size();
        std::vector<Held> rest;
        rest.swap(m_held);
        for (const Held& x : rest)
            placeAt(m_next, x, true, out);
        return;
    }
    if (m_held.size() >= kHoldSamples) {
        // neither: the rate or the clock changed; estimate again from here, indices continue
        notice("time stamps left the fitted clock: estimating the rate again");
        for (Held& x : m_held)
            x.time -= m_shift; // the warm-up holds raw device times
        m_warm.swap(m_held);
        m_held.clear();
    }
}

void TimestampIndexer::addIndexed(Held h, std::vector<Placed>& out) {
    h.time += m_shift;
    const std::int64_t idx = h.index + m_indexOffset;
    const auto next = static_cast<std::int64_t>(m_next);
    if (m_placedAny && (idx < next || idx - next > kMaxIndexJump)) {
        // The index went back (device restart, a new recording session): place by time.
        const double expected = m_tracker.predict(m_next);
        const double r = h.time - expected;
        std::uint64_t at = m_next;
        bool inferred = false;
        if (r > threshold() && r <= kMaxJumpSeconds) {
            at = m_next + static_cast<std::uint64_t>(std::max(1.0, std::nearbyint(r / m_tracker.period())));
            inferred = true;
        } else {
            rebaseClock(h, expected);
        }
        notice("the index column went from " + std::to_string(next - 1 - m_indexOffset) + " to " +
               std::to_string(h.index) + ": placed by its time stamp");
        ++m_stats.restarts;
        m_indexOffset = static_cast<std::int64_t>(at) - h.index;
        placeAt(at, h, inferred, out);
        return;
    }
    const auto at = static_cast<std::uint64_t>(std::max<std::int64_t>(idx, next));
    const double r = h.time - m_tracker.predict(at);
    if (r < -1.0 || r > kMaxJumpSeconds)
        rebaseClock(h, m_tracker.predict(at));
    placeAt(at, h, false, out);
}

void TimestampIndexer::placeAt(std::uint64_t index, const Held& h, bool inferred, std::vector<Placed>& out) {
    out.push_back({index, h.time, h.values, inferred, m_generation, m_streamRate});
    m_next = index + 1;
    m_placedAny = true;
    m_tracker.add(index, h.time);
    checkDrift();
}

void TimestampIndexer::checkDrift() {
    if (m_cfg.rateHz > 0 || m_replaying || m_tracker.updates() == m_lastUpdate)
        return;
    m_lastUpdate = m_tracker.updates();
    const double est = estimatedRateHz();
    if (m_tracker.points() < 8 || !(est > 0))
        return;
    const double rel = std::abs(est - m_streamRate) / m_streamRate;
    if (rel <= std::max(m_cfg.rateTolerance, 4.0 * m_tracker.relStdError())) {
        m_driftStrikes = 0;
        return;
    }
    if (++m_driftStrikes < 2)
        return;
    m_driftStrikes = 0;
    ++m_generation;
    ++m_stats.rateChanges;
    notice("rate estimate moved from " + hz(m_streamRate) + " to " + hz(est) + ": a new stream starts");
    m_streamRate = est;
}

void TimestampIndexer::expectRestart(std::vector<Placed>& out) {
    finish(out);
    m_expectRestart = true;
}

bool TimestampIndexer::finish(std::vector<Placed>& out) {
    while (!m_warm.empty()) {
        if (completeWarmup(out))
            continue; // placed (a change inside starts another warm-up, placed on the next pass)
        if (m_generation == 0) {
            if (m_error.empty())
                m_error = "cannot estimate the sample rate from a single time stamp (set rate=...)";
            m_warm.clear();
            return false;
        }
        std::vector<Held> rest; // too few to estimate again: keep the current clock
        rest.swap(m_warm);
        for (Held h : rest) {
            h.time += m_shift;
            placeAt(m_next, h, true, out);
        }
    }
    if (!m_held.empty()) {
        const double m = std::nearbyint(m_heldResidual / m_tracker.period());
        const std::uint64_t gap = m >= 1 ? static_cast<std::uint64_t>(m) : 0;
        const std::uint64_t e = m_next;
        std::vector<Held> rest;
        rest.swap(m_held);
        for (std::size_t i = 0; i < rest.size(); ++i)
            placeAt(e + gap + i, rest[i], true, out);
    }
    return m_generation > 0;
}

} // namespace vibra::decode
