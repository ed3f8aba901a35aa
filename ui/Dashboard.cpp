#include "ui/Dashboard.h"

#include "pipeline/Pipeline.h"

#include <algorithm>

namespace vibra::ui {

Dashboard::Dashboard(pipeline::Pipeline& pipeline, QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline) {
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
                m_latest.insert(id, std::move(s));
                m_fresh = true;
            });
    if (m_selected.isEmpty())
        setSelectedDevice(id);
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
