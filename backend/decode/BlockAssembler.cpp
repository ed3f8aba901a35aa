#include "decode/BlockAssembler.h"

#include <algorithm>

namespace vibra::decode {

BlockAssembler::BlockAssembler(core::DeviceInfo base, Config config)
    : m_base(std::move(base))
    , m_cfg(config)
    , m_rate(config.rateHz) {
    if (m_cfg.maxBlockSamples == 0 || m_cfg.maxBlockSamples > core::kMaxBlockSamples)
        m_cfg.maxBlockSamples = core::kMaxBlockSamples;
    m_cfg.estimateRows = std::clamp<std::size_t>(m_cfg.estimateRows, 2, 1024);
}

void BlockAssembler::setAxisNames(const std::vector<std::string>& names) {
    if (names == m_names)
        return;
    closeOpen();
    m_names = names;
    if (m_names.size() > 3)
        m_names.resize(3);
    m_device.reset();
    if (m_rate > 0)
        makeDevice();
}

void BlockAssembler::makeDevice() {
    auto info = std::make_shared<core::DeviceInfo>(m_base);
    info->sampleRate = m_rate;
    info->axisNames = m_names;
    m_device = std::move(info);
}

bool BlockAssembler::estimate() {
    std::vector<double> steps;
    for (std::size_t i = 1; i < m_pending.size(); ++i) {
        const double d = m_pending[i].t - m_pending[i - 1].t;
        if (d > 0)
            steps.push_back(d);
    }
    if (steps.size() * 2 < m_pending.size() - 1) {
        // Mostly repeated timestamps (e.g. millis() at more than 1 kHz): use the overall span instead.
        const double span = m_pending.back().t - m_pending.front().t;
        if (!(span > 0)) {
            m_error = "cannot estimate the sample rate: timestamps do not advance (set rate=...)";
            return false;
        }
        m_rate = static_cast<double>(m_pending.size() - 1) / span;
    } else {
        std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2),
                         steps.end());
        m_rate = 1.0 / steps[steps.size() / 2];
    }
    if (!(m_rate > 0) || !std::isfinite(m_rate) || m_rate > 10e6) {
        m_error = "cannot estimate the sample rate from the timestamps (set rate=...)";
        m_rate = 0;
        return false;
    }
    m_estimated = true;
    return true;
}

bool BlockAssembler::add(double timeSec, std::span<const float> values) {
    if (m_names.empty()) {
        static const std::vector<std::string> kDefault{"x", "y", "z"};
        setAxisNames(std::vector<std::string>(
            kDefault.begin(),
            kDefault.begin() + static_cast<std::ptrdiff_t>(std::clamp<std::size_t>(values.size(), 1, 3))));
    }
    if (m_rate <= 0) {
        if (std::isnan(timeSec)) {
            m_error = "no sample rate: set rate=... (the stream has no time column)";
            return false;
        }
        if (m_cfg.dropNonAdvancing && !m_pending.empty() && timeSec <= m_pending.back().t &&
            timeSec > m_pending.back().t - 1.0) {
            ++m_duplicates;
            return true;
        }
        Pending p{timeSec, {}};
        std::copy_n(values.begin(), std::min<std::size_t>(values.size(), 3), p.v.begin());
        m_pending.push_back(p);
        if (m_pending.size() <= m_cfg.estimateRows)
            return true;
        if (!estimate()) {
            m_pending.clear();
            return false;
        }
        makeDevice();
        std::vector<Pending> pend;
        pend.swap(m_pending);
        for (const Pending& q : pend)
            place(q.t, std::span<const float>(q.v.data(), m_names.size()));
        return true;
    }
    if (!m_device)
        makeDevice();
    if (isResent(timeSec)) {
        ++m_duplicates;
        return true;
    }
    place(timeSec, values);
    return true;
}

bool BlockAssembler::isResent(double timeSec) const {
    return m_cfg.dropNonAdvancing && m_started && !std::isnan(timeSec) && timeSec <= m_lastTime &&
           timeSec > m_lastTime - 1.0;
}

void BlockAssembler::place(double timeSec, std::span<const float> values) {
    std::uint64_t index = m_nextIndex;
    bool inferred = m_inferredNext;
    if (!std::isnan(timeSec)) {
        inferred = true;
        if (!m_haveT0) {
            m_haveT0 = true;
            m_t0 = timeSec;
            m_t0Index = m_nextIndex;
        }
        const double rel = (timeSec - m_t0) * m_rate;
        const double expected = static_cast<double>(m_nextIndex) - static_cast<double>(m_t0Index);
        if (!std::isfinite(rel) || rel < expected - m_rate || rel > expected + kMaxJumpSeconds * m_rate) {
            // more than one second back (device clock restarted) or an implausible jump forward (clock
            // set, corrupt line): continue without a gap from here
            m_t0 = timeSec;
            m_t0Index = m_nextIndex;
        } else {
            const double idx = static_cast<double>(m_t0Index) + std::nearbyint(rel);
            if (idx > static_cast<double>(m_nextIndex))
                index = static_cast<std::uint64_t>(idx);
        }
    }
    if (m_openCount > 0 && (index != m_nextIndex || m_openCount >= m_cfg.maxBlockSamples))
        closeOpen();
    if (m_openCount == 0) {
        m_openFirst = index;
        m_openInferred = inferred;
    }
    const std::size_t axes = m_names.size();
    for (std::size_t a = 0; a < axes; ++a)
        m_open.push_back(a < values.size() ? values[a] : 0.0f);
    ++m_openCount;
    m_nextIndex = index + 1;
    m_lastTime = timeSec;
    m_inferredNext = false;
    m_started = true;
}

bool BlockAssembler::finishEstimation() {
    if (m_rate > 0)
        return true;
    if (m_pending.size() < 2 || !estimate()) {
        m_pending.clear();
        return false;
    }
    makeDevice();
    std::vector<Pending> pend;
    pend.swap(m_pending);
    for (const Pending& q : pend)
        place(q.t, std::span<const float>(q.v.data(), m_names.size()));
    return true;
}

void BlockAssembler::skipSeconds(double seconds) {
    if (!(seconds > 0) || m_rate <= 0 || !m_started)
        return;
    seconds = std::min(seconds, kMaxJumpSeconds);
    closeOpen();
    m_nextIndex += static_cast<std::uint64_t>(std::llround(seconds * m_rate));
    m_inferredNext = true;
}

void BlockAssembler::closeOpen() {
    if (m_openCount == 0 || !m_device) {
        m_open.clear();
        m_openCount = 0;
        return;
    }
    auto block = std::make_shared<core::SampleBlock>();
    block->device = m_device;
    block->sequence = m_sequence++;
    block->firstSample = m_openFirst;
    block->count = m_openCount;
    block->indexInferred = m_openInferred;
    block->startTimeNs = m_cfg.utcBaseNs + static_cast<std::int64_t>(
                                               std::llround(static_cast<double>(m_openFirst) * 1e9 / m_rate));
    const std::size_t axes = m_names.size();
    block->data.resize(axes * m_openCount);
    for (std::size_t i = 0; i < m_openCount; ++i)
        for (std::size_t a = 0; a < axes; ++a)
            block->data[a * m_openCount + i] = m_open[i * axes + a];
    m_ready.push_back(std::move(block));
    m_open.clear();
    m_openCount = 0;
}

void BlockAssembler::take(std::vector<core::MutableBlockPtr>& out, bool flushOpen) {
    if (flushOpen)
        closeOpen();
    for (auto& b : m_ready)
        out.push_back(std::move(b));
    m_ready.clear();
}

} // namespace vibra::decode
