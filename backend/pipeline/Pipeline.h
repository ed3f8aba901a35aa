#pragma once

#include "alarms/AlarmRule.h"
#include "io/SourceFactory.h"
#include "pipeline/DeviceChannel.h"
#include "pipeline/EventLog.h"
#include "pipeline/IoThreads.h"
#include "pipeline/WorkerPool.h"

#include <QObject>

#include <memory>
#include <vector>

namespace vibra::pipeline {

/// The engine: the set of live devices, the DSP worker pool that processes all of them, the shared I/O
/// threads their sources run on, the alarm rules every device is checked against and the log of recent
/// events. Creates channels from source URIs (through the factory it is given), starts and stops them, and
/// tells when every finite source has finished.
///
/// Threads: owner thread only (GUI or CLI main thread), except pool()/events(), which are thread-safe.
/// Thread count: options.workers DSP threads + options.ioThreads shared I/O threads + one per serial port,
/// whatever the number of devices.
class Pipeline : public QObject {
    Q_OBJECT
public:
    struct Options {
        int workers = 0;       ///< DSP pool threads; 0 = number of cores
        int ioThreads = 0;     ///< shared I/O threads; 0 = number of cores
        int maxDevices = 1000; ///< add() refuses more
        std::size_t eventLogCapacity = 10000;
    };

    Pipeline(const io::SourceFactory& factory, DspSettings defaults, Options options,
             QObject* parent = nullptr);
    Pipeline(const io::SourceFactory& factory, DspSettings defaults, QObject* parent = nullptr)
        : Pipeline(factory, std::move(defaults), Options{}, parent) {}
    ~Pipeline() override;

    /// Creates (but does not start) a device. Returns nullptr and sets *error on a bad URI, a duplicate
    /// device name or when maxDevices are live.
    DeviceChannel* add(const QString& uri, QString* error);
    /// Same for a source made elsewhere (e.g. a PassiveSource fed by the ingest server).
    DeviceChannel* addSource(std::unique_ptr<io::Source> source, QString* error);
    /// Stops and removes a device. Never waits for its DSP backlog: the core finishes on the pool and closes
    /// its storage feeds by itself.
    bool remove(const QString& deviceId);
    void startAll();
    /// Stops every source, then waits (up to timeoutNs) until every core has drained, flushed its partial
    /// second and closed its feeds. Returns false when some did not finish in time.
    bool stopAll(std::int64_t timeoutNs = 30'000'000'000);

    const std::vector<std::unique_ptr<DeviceChannel>>& channels() const { return m_channels; }
    DeviceChannel* find(const QString& deviceId) const;
    const DspSettings& defaultSettings() const { return m_defaults; }
    /// True when every device is finite and has finished.
    bool allFinished() const;

    /// Alarm rules for every device (current and future).
    void setAlarmRules(alarms::AlarmRules rules);
    const alarms::AlarmRules& alarmRules() const { return *m_rules; }
    EventLog& events() { return m_events; }
    WorkerPool& pool() { return m_pool; }
    const WorkerPool& pool() const { return m_pool; }
    const IoThreads& ioThreads() const { return m_io; }
    const Options& options() const { return m_options; }

signals:
    void deviceAdded(vibra::pipeline::DeviceChannel* channel);
    /// Emitted before a device's channel is stopped and destroyed (e.g. so a server stops feeding it).
    void aboutToRemove(const QString& deviceId);
    void deviceRemoved(const QString& deviceId);
    void allSourcesFinished();

private:
    const io::SourceFactory& m_factory;
    const Options m_options;
    DspSettings m_defaults;
    EventLog m_events;
    std::shared_ptr<const alarms::AlarmRules> m_rules;
    WorkerPool m_pool; ///< before the channels: destroyed after them
    IoThreads m_io;
    std::vector<std::unique_ptr<DeviceChannel>> m_channels;
};

} // namespace vibra::pipeline
