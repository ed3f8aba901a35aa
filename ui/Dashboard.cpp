#include "ui/Dashboard.h"

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
    connect(&pipeline, &pipeline::Pipeline::deviceRemoved, this, [this](const QString& id) {
        m_latest.remove(id);
        if (m_selected == id)
            setSelectedDevice(m_pipeline.channels().empty() ? QString()
                                                            : m_pipeline.channels().front()->deviceId());
        m_fresh = true;
    });
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (!m_fresh)
            return;
        m_fresh = false;
        ++m_frames;
        emit tick();
    });
    setRefreshHz(m_refreshHz);
}

void Dashboard::watch(pipeline::DeviceChannel* channel) {
    const QString id = channel->deviceId();
    connect(channel, &pipeline::DeviceChannel::snapshotReady, this,
            [this, id](pipeline::DeviceSnapshotPtr s) {
                const auto old = m_latest.value(id);
                if (m_raw > 0 && s->device &&
                    (!old || !old->device || old->device->sampleRate != s->device->sampleRate))
                    applyTimeWindow(id, s->device->sampleRate); // first snapshot: size the raw window by rate
                m_latest.insert(id, std::move(s));
                m_fresh = true;
            });
    applyTimeWindow(id, 0.0);
    if (m_selected.isEmpty())
        setSelectedDevice(id);
}

bool Dashboard::updateSettings(const QString& deviceId,
                               const std::function<void(pipeline::DspSettings&)>& edit) {
    auto* ch = m_pipeline.find(deviceId);
    if (!ch)
        return false;
    auto s = ch->worker().settings();
    edit(s);
    ch->worker().setSettings(s);
    return true;
}

pipeline::DspSettings Dashboard::settings(const QString& deviceId) const {
    auto* ch = m_pipeline.find(deviceId);
    return ch ? ch->worker().settings() : m_pipeline.defaultSettings();
}

void Dashboard::setTimeWindow(double displaySeconds, double rawFactor) {
    displaySeconds = std::clamp(displaySeconds, 0.1, 60.0);
    if (displaySeconds == m_displaySeconds && rawFactor == m_raw)
        return;
    m_displaySeconds = displaySeconds;
    m_raw = std::max(0.0, rawFactor);
    for (const auto& ch : m_pipeline.channels()) {
        const auto snap = m_latest.value(ch->deviceId());
        applyTimeWindow(ch->deviceId(), snap && snap->device ? snap->device->sampleRate : 0.0);
    }
}

void Dashboard::applyTimeWindow(const QString& deviceId, double sampleRate) {
    // Unknown rate (no snapshot yet): size for 16 kHz; corrected on the first snapshot.
    const double rate = sampleRate > 0 ? sampleRate : 16000.0;
    const int raw = m_raw > 0
                        ? static_cast<int>(std::min<double>(pipeline::DspSettings::kMaxRawWindow,
                                                            std::ceil(m_raw * m_displaySeconds * rate) + 1))
                        : 0;
    const auto cur = settings(deviceId);
    if (cur.displaySeconds == m_displaySeconds && cur.rawWindowSamples == raw)
        return;
    updateSettings(deviceId, [&](pipeline::DspSettings& d) {
        d.displaySeconds = m_displaySeconds;
        d.rawWindowSamples = raw;
    });
}

void Dashboard::setSelectedDevice(const QString& deviceId) {
    if (m_selected == deviceId)
        return;
    m_selected = deviceId;
    m_fresh = true;
    emit selectionChanged(deviceId);
}

void Dashboard::setRefreshHz(int hz) {
    m_refreshHz = std::clamp(hz, 1, 120);
    m_timer.start(1000 / m_refreshHz);
}

} // namespace vibra::ui
