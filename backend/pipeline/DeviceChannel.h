#pragma once

#include "io/Source.h"
#include "pipeline/ChannelCore.h"

#include <QObject>

#include <future>
#include <memory>

class QThread;

namespace vibra::pipeline {

class IoThreads;

/// One device as the owner (dashboard, recorder) sees it: its Source, which runs on an I/O thread from
/// IoThreads, and its ChannelCore, which the worker pool processes. Start and stop, state messages, settings,
/// snapshots and counters all go through here.
///
/// Threads: created, started, stopped and destroyed on the owner's thread (GUI or CLI main thread).
/// stop() returns once the source has stopped delivering (a short hop to its I/O thread); the core then
/// drains and finishes on the pool without the owner waiting (wait with core()->waitFinished() if needed).
/// The core outlives the channel for as long as the pool or a storage writer needs its memory.
class DeviceChannel : public QObject {
    Q_OBJECT
public:
    DeviceChannel(std::unique_ptr<io::Source> source, ChannelCorePtr core, IoThreads& io);
    ~DeviceChannel() override;

    void start();
    /// Stops the source (synchronously, on its thread) and asks the core to finish (asynchronously).
    void stop();
    /// stop() in two halves, so many channels can stop at once (Pipeline::stopAll): beginStop() asks the
    /// source's thread to stop it and returns at once; endStop() waits for that and finishes like stop().
    void beginStop();
    void endStop();
    bool isRunning() const { return m_running; }

    const QString& deviceId() const { return m_deviceId; }
    const QString& uri() const { return m_uri; }
    bool isFinite() const { return m_finite; }
    bool isFinished() const { return m_finished; }
    io::Source::State state() const { return m_state; }
    const QString& stateMessage() const { return m_stateMessage; }

    const ChannelCorePtr& core() const { return m_core; }
    core::DeviceCounters& counters() { return *m_core->counters(); }
    const core::DeviceCounters& counters() const { return *m_core->counters(); }
    DspSettings settings() const { return m_core->settings(); }
    void setSettings(const DspSettings& settings) { m_core->setSettings(settings); }
    /// Newest snapshot (null until somebody watches and data arrived).
    DeviceSnapshotPtr snapshot() const { return m_core->snapshot(); }
    ChannelCore::Watch watch(bool display) { return m_core->watch(display); }

signals:
    void stateChanged(vibra::io::Source::State state, const QString& message);
    /// The source delivered its last block (finite sources).
    void finished();

private:
    // immutable after construction
    const QString m_deviceId;
    const QString m_uri;
    const bool m_finite;
    const ChannelCorePtr m_core;

    // owner thread only
    IoThreads& m_io;
    std::unique_ptr<io::Source> m_source; ///< lives on m_thread while running
    QThread* m_thread = nullptr;
    std::unique_ptr<std::promise<void>> m_stopped; ///< set by the source's thread when a stop is in flight
    bool m_running = false;
    bool m_finished = false;
    io::Source::State m_state = io::Source::State::Idle;
    QString m_stateMessage;
};

} // namespace vibra::pipeline
