#include "alarms/TriggerDetector.h"

#include <algorithm>

namespace vibra::alarms {

void TriggerDetector::setSettings(const Settings& s) {
    m_settings = s;
    m_settings.frameSamples = std::max<std::uint32_t>(2, s.frameSamples);
    m_settings.preSamples = std::min(s.preSamples, m_settings.frameSamples - 1);
    arm();
}

void TriggerDetector::arm() {
    m_armed = true;
    m_started = false;
    m_pending.reset();
}

std::optional<TriggerDetector::Capture> TriggerDetector::feed(const pipeline::DeviceSnapshot& s) {
    const int axis = m_settings.axis;
    if (!m_armed || !s.device || axis >= static_cast<int>(s.raw.size()) || s.raw[axis].size() < 2)
        return std::nullopt;
    const auto& x = s.raw[axis];
    const std::uint64_t first = s.rawFirstSample, end = first + x.size();
    if (!m_started) { // only triggers in data that arrives after arming
        m_started = true;
        m_searchFrom = end;
        return std::nullopt;
    }
    const double level = m_settings.level;
    if (!m_pending) {
        for (std::uint64_t i = std::max(m_searchFrom, first + 1); i < end; ++i) {
            const double prev = x[i - 1 - first], cur = x[i - first];
            if (m_settings.rising ? (prev < level && cur >= level) : (prev > level && cur <= level)) {
                m_pending = i;
                break;
            }
        }
        if (!m_pending)
            m_searchFrom = end;
    }
    if (!m_pending)
        return std::nullopt;
    const std::uint64_t t = *m_pending;
    const std::uint64_t start = t - std::min<std::uint64_t>(t, m_settings.preSamples);
    const std::uint64_t stop = start + m_settings.frameSamples;
    if (start < first) { // the pre-trigger samples already left the window: drop this trigger
        m_pending.reset();
        m_searchFrom = t + 1;
        return std::nullopt;
    }
    if (stop > end)
        return std::nullopt; // wait for the post-trigger samples
    Capture c;
    c.triggerIndex = t;
    c.preSamples = static_cast<std::uint32_t>(t - start);
    const double rate = s.device->sampleRate;
    c.triggerTimeNs =
        s.latestTimeNs - static_cast<std::int64_t>(static_cast<double>(end - 1 - t) * 1e9 / rate);
    c.samples.resize(s.raw.size());
    for (std::size_t a = 0; a < s.raw.size(); ++a)
        c.samples[a].assign(s.raw[a].begin() + static_cast<std::ptrdiff_t>(start - first),
                            s.raw[a].begin() + static_cast<std::ptrdiff_t>(stop - first));
    m_pending.reset();
    m_searchFrom = stop; // normal mode: the next frame starts after this one
    ++m_captures;
    if (m_settings.single)
        m_armed = false;
    return c;
}

} // namespace vibra::alarms
