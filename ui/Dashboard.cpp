#include "ui/Dashboard.h"

#include "core/Clock.h"
#include "pipeline/Pipeline.h"

#include <algorithm>
#include <cmath>

namespace vibra::ui {

Dashboard::Dashboard(pipeline::Pipeline& pipeline, QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_displaySeconds(pipeline.defaultSettings().displaySeconds) {
    for (const auto& ch : pipeline.channels())
        watch(ch.get());
    connect(&pipeline, &pipeline::Pipeline::deviceAdded, this, &Dashboard::watch);
    connect(&pipeline, &pipeline::Pipeline::aboutToRemove, this, [this](const QString& id) {
        m_watches.erase(id); // stop asking for snapshots before the channel goes
    });
    connect(&pipeline, &pipeline::Pipeline::deviceRemoved, this, [this](const QString& id) {
        m_latest.remove(id);
        if (m_selected == id)
            setSelectedDevice(m_pipeline.channels().empty() ? QString()
                                                            : m_pipeline.channels().front()->deviceId());
        m_fresh = true;
    });
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Dashboard::onTick);
    setRefreshHz(m_refreshHz);
}

Dashboard::~Dashboard() = default;

void Dashboard::onTick() {
    scheduleNextTick();
    // Pull the newest snapshot of every device (each processor replaces its slot at most snapshotHz times
    // a second; older ones are simply never seen), then redraw once if anything changed.
    for (const auto& ch : m_pipeline.channels()) {
        auto snap = ch->snapshot();
        if (!snap)
            continue;
        const auto old = m_latest.value(ch->deviceId());
        if (old && old->sequence == snap->sequence)
            continue;
        m_latest.insert(ch->deviceId(), std::move(snap));
        m_fresh = true;
    }
    if (!m_fresh)
        return;
    m_fresh = false;
    ++m_frames;
    if (m_drawing)
        emit tick();
}

void Dashboard::watch(pipeline::DeviceChannel* channel) {
    const QString id = channel->deviceId();
    applyTimeWindow(id);
    if (m_selected.isEmpty())
        setSelectedDevice(id);
    updateWatch(id);
}

void Dashboard::updateWatch(const QString& deviceId) {
    // Compute what is consumed: the selected device's views need the display half of the DSP (envelope,
    // spectra, raw window); the others feed the device table and trends, for which a summary is enough.
    auto* ch = m_pipeline.find(deviceId);
    if (!ch) {
        m_watches.erase(deviceId);
        return;
    }
    const bool display = deviceId == m_selected;
    auto it = m_watches.find(deviceId);
    if (it != m_watches.end() && it->second.display == display)
        return;
    Watched w{ch->watch(display), display};
    if (it == m_watches.end())
        m_watches.emplace(deviceId, std::move(w));
    else
        it->second = std::move(w);
}

bool Dashboard::updateSettings(const QString& deviceId,
                               const std::function<void(pipeline::DspSettings&)>& edit) {
    auto* ch = m_pipeline.find(deviceId);
    if (!ch)
        return false;
    auto s = ch->settings();
    edit(s);
    ch->setSettings(s);
    return true;
}

pipeline::DspSettings Dashboard::settings(const QString& deviceId) const {
    auto* ch = m_pipeline.find(deviceId);
    return ch ? ch->settings() : m_pipeline.defaultSettings();
}

void Dashboard::setTimeWindow(double displaySeconds, double rawFactor) {
    displaySeconds = std::clamp(displaySeconds, 0.1, 60.0);
    if (displaySeconds == m_displaySeconds && rawFactor == m_raw)
        return;
    m_displaySeconds = displaySeconds;
    m_raw = std::max(0.0, rawFactor);
    for (const auto& ch : m_pipeline.channels())
        applyTimeWindow(ch->deviceId());
}

int Dashboard::snapshotHz() const {
    // A little faster than the tick, so a new snapshot waits at (nearly) every tick: two equal rates beat
    // and leave a tick empty now and then (29.3 instead of 30 redraws/s).
    return std::min(120, m_refreshHz * 4 / 3 + 1);
}

void Dashboard::applyTimeWindow(const QString& deviceId) {
    // The raw window is set in seconds; the processor sizes it from the device's rate.
    const double rawSeconds = m_raw > 0 ? m_raw * m_displaySeconds : 0.0;
    const auto cur = settings(deviceId);
    if (cur.displaySeconds == m_displaySeconds && cur.rawWindowSeconds == rawSeconds &&
        cur.snapshotHz == snapshotHz())
        return;
    updateSettings(deviceId, [&](pipeline::DspSettings& d) {
        d.displaySeconds = m_displaySeconds;
        d.rawWindowSeconds = rawSeconds;
        d.snapshotHz = snapshotHz();
    });
}

void Dashboard::setSelectedDevice(const QString& deviceId) {
    if (m_selected == deviceId)
        return;
    const QString previous = m_selected;
    m_selected = deviceId;
    updateWatch(previous);
    updateWatch(deviceId);
    m_fresh = true;
    emit selectionChanged(deviceId);
}

void Dashboard::setRefreshHz(int hz) {
    m_refreshHz = std::clamp(hz, 1, 120);
    m_nextTickNs = core::monotonicNs();
    scheduleNextTick();
    for (const auto& ch : m_pipeline.channels())
        applyTimeWindow(ch->deviceId());
}

void Dashboard::scheduleNextTick() {
    const std::int64_t period = core::kSecondNs / m_refreshHz;
    const std::int64_t now = core::monotonicNs();
    m_nextTickNs += period;
    if (m_nextTickNs < now - period) // more than a period behind: skip the missed ticks
        m_nextTickNs = now + period;
    const auto waitMs = std::max<std::int64_t>(0, (m_nextTickNs - now + 500'000) / 1'000'000);
    m_timer.start(static_cast<int>(waitMs));
}

} // namespace vibra::ui
