#pragma once

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <functional>

namespace vibra::pipeline {
class Pipeline;
}
namespace vibra::recording {
class Recorder;
}

namespace vibra::service {

/// systemd notification for `serve` under Type=notify (sd_notify(3), libsystemd): READY=1 once the database
/// is open and HTTP is bound, STATUS= lines, STOPPING=1 at shutdown, RELOADING=1/READY=1 around a reload,
/// and WATCHDOG=1 at half of WatchdogSec= only while the engine makes progress: the DSP pool ran slices
/// since the last ping (or no device has input waiting) and the SQLite writer committed (or nothing is
/// being recorded). A stuck pool or writer therefore stops the pings and systemd restarts the service.
/// Without $NOTIFY_SOCKET every call does nothing.
///
/// Threads: owner thread.
class SystemdNotifier : public QObject {
    Q_OBJECT
public:
    SystemdNotifier(pipeline::Pipeline& pipeline, recording::Recorder& recorder, QObject* parent = nullptr);
    void ready(const QString& status);
    void reloading();
    void stopping();
    void status(const QString& status);
    /// Watchdog pings withheld because the engine made no progress (for logs/metrics).
    std::uint64_t withheld() const { return m_withheld; }

private:
    void tick();
    bool progressing();

    pipeline::Pipeline& m_pipeline;
    recording::Recorder& m_recorder;
    QTimer m_timer;
    std::uint64_t m_lastSlices = 0;
    std::uint64_t m_lastCommits = 0;
    std::uint64_t m_withheld = 0;
    bool m_enabled = false;
};

} // namespace vibra::service
