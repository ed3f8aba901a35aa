#pragma once

#include "core/BlockOutlet.h"
#include "core/DeviceCounters.h"
#include "io/Source.h"
#include "pipeline/DspWorker.h"
#include "pipeline/StoreFeed.h"

#include <QObject>
#include <QThread>

#include <memory>

namespace vibra::pipeline {

/// One device end to end: source (own I/O thread) -> bounded SPSC ring -> DSP worker (own thread) ->
/// snapshots (queued signal) and a bounded store ring that a recorder may drain.
///
/// Threads: created, started, stopped and destroyed on the owner's thread (GUI or CLI main thread). The
/// counters are written by the I/O, DSP and storage threads (one writer per field) and read anywhere.
class DeviceChannel : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::size_t ringBlocks = 256; ///< source -> DSP capacity in blocks (<= 256 x 64 Ki samples)
        std::size_t storeItems = 256; ///< DSP -> storage capacity in records (one a second per device)
    };

    DeviceChannel(std::unique_ptr<io::Source> source, const DspSettings& settings, Options options);
    DeviceChannel(std::unique_ptr<io::Source> source, const DspSettings& settings)
        : DeviceChannel(std::move(source), settings, Options{}) {}
    ~DeviceChannel() override;

    void start();
    /// Stops the source, then lets the worker drain and flush. Blocks for at most a few milliseconds
    /// plus the time to process what is still queued.
    void stop();
    bool isRunning() const { return m_running; }

    const QString& deviceId() const { return m_deviceId; }
    const QString& uri() const { return m_uri; }
    bool isFinite() const { return m_finite; }
    bool isFinished() const { return m_finished; }
    io::Source::State state() const { return m_state; }
    const QString& stateMessage() const { return m_stateMessage; }

    DspWorker& worker() { return *m_worker; }
    core::DeviceCounters& counters() { return *m_storeFeed->counters; }
    const core::DeviceCounters& counters() const { return *m_storeFeed->counters; }
    core::SpscRing<StoreItemPtr>& storeRing() { return m_storeFeed->ring; }
    /// The device's storage end (store ring + counters) for storage::SqliteWriter::attach. Shared: it
    /// outlives this channel while a writer still drains it; the destructor closes it after the worker's last
    /// push.
    const StoreFeedPtr& storeFeed() const { return m_storeFeed; }
    core::SpscRing<core::SampleBlockPtr>& inputRing() { return m_ring; }

signals:
    void snapshotReady(vibra::pipeline::DeviceSnapshotPtr snapshot);
    void stateChanged(vibra::io::Source::State state, const QString& message);
    void finished();

private:
    // immutable after construction
    const QString m_deviceId;
    const QString m_uri;
    const bool m_finite;

    // shared between threads as documented on each type
    const StoreFeedPtr m_storeFeed; ///< store ring + counters, shared with a storage writer
    core::SpscRing<core::SampleBlockPtr> m_ring;
    core::BlockOutlet m_outlet; ///< used by the I/O thread only

    // owner thread only
    std::unique_ptr<io::Source> m_source; ///< lives on m_ioThread while running
    QThread m_ioThread;
    std::unique_ptr<DspWorker> m_worker;
    bool m_running = false;
    bool m_finished = false;
    io::Source::State m_state = io::Source::State::Idle;
    QString m_stateMessage;
};

} // namespace vibra::pipeline
