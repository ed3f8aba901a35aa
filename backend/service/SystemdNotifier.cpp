#include "service/SystemdNotifier.h"

#include "pipeline/Pipeline.h"
#include "recording/Recorder.h"

#include <systemd/sd-daemon.h>

namespace vibra::service {

SystemdNotifier::SystemdNotifier(pipeline::Pipeline& pipeline, recording::Recorder& recorder, QObject* parent)
    : QObject(parent)
    , m_pipeline(pipeline)
    , m_recorder(recorder) {
    m_enabled = !qEnvironmentVariableIsEmpty("NOTIFY_SOCKET");
    std::uint64_t usec = 0;
    if (m_enabled && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        connect(&m_timer, &QTimer::timeout, this, &SystemdNotifier::tick);
        m_timer.start(static_cast<int>(std::max<std::uint64_t>(usec / 2000, 50)));
    }
}

void SystemdNotifier::ready(const QString& s) {
    if (m_enabled)
        sd_notifyf(0, "READY=1\nSTATUS=%s", qPrintable(s));
}

void SystemdNotifier::reloading() {
    if (m_enabled)
        sd_notify(0, "RELOADING=1");
}

void SystemdNotifier::stopping() {
    m_timer.stop();
    if (m_enabled)
        sd_notify(0, "STOPPING=1\nSTATUS=draining and closing");
}

void SystemdNotifier::status(const QString& s) {
    if (m_enabled)
        sd_notifyf(0, "STATUS=%s", qPrintable(s));
}

bool SystemdNotifier::progressing() {
    const auto slices = m_pipeline.pool().stats().slices;
    bool waiting = false;
    for (const auto& ch : m_pipeline.channels())
        waiting = waiting || ch->core()->input().size() > 0;
    const bool poolOk = slices != m_lastSlices || !waiting;
    m_lastSlices = slices;
    const auto* w = m_recorder.writer();
    const std::uint64_t commits = w ? w->commits() : 0;
    const bool writerOk = !m_recorder.isRecording() || !w || commits != m_lastCommits;
    m_lastCommits = commits;
    return poolOk && writerOk;
}

void SystemdNotifier::tick() {
    if (progressing())
        sd_notify(0, "WATCHDOG=1");
    else
        ++m_withheld;
}

} // namespace vibra::service
