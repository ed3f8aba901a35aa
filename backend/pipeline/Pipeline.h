#pragma once

#include "io/SourceFactory.h"
#include "pipeline/DeviceChannel.h"

#include <QObject>

#include <memory>
#include <vector>

namespace vibra::pipeline {

/// The set of live devices. Creates channels from source URIs (through the factory it is given), starts
/// and stops them, and tells when every finite source has finished.
///
/// Threads: owner thread only (GUI or CLI main thread).
class Pipeline : public QObject {
    Q_OBJECT
public:
    Pipeline(const io::SourceFactory& factory, DspSettings defaults, QObject* parent = nullptr);
    ~Pipeline() override;

    /// Creates (but does not start) a device. Returns nullptr and sets *error on a bad URI or a
    /// duplicate device name.
    DeviceChannel* add(const QString& uri, QString* error);
    /// Same for a source made elsewhere (e.g. a PassiveSource fed by the ingest server).
    DeviceChannel* addSource(std::unique_ptr<io::Source> source, QString* error);
    /// Stops and destroys a device.
    bool remove(const QString& deviceId);
    void startAll();
    void stopAll();

    const std::vector<std::unique_ptr<DeviceChannel>>& channels() const { return m_channels; }
    DeviceChannel* find(const QString& deviceId) const;
    const DspSettings& defaultSettings() const { return m_defaults; }
    /// True when every device is finite and has finished.
    bool allFinished() const;

signals:
    void deviceAdded(vibra::pipeline::DeviceChannel* channel);
    /// Emitted before a device's channel is stopped and destroyed (e.g. so a server stops feeding it).
    void aboutToRemove(const QString& deviceId);
    void deviceRemoved(const QString& deviceId);
    void allSourcesFinished();

private:
    const io::SourceFactory& m_factory;
    DspSettings m_defaults;
    std::vector<std::unique_ptr<DeviceChannel>> m_channels;
};

} // namespace vibra::pipeline
