#pragma once

#include "io/Source.h"

namespace vibra::io {

/// A device fed from outside the source: the IngestServer delivers the device's blocks through its own
/// BlockOutlet over the channel's ring and counters (see IngestServer::OutletProvider), so this source never
/// delivers anything itself. It exists so an ingested device can live in the pipeline like any other
/// (DSP worker, storage, dashboard) and report a state.
///
/// Threads: like every Source, start()/stop() run on its I/O thread; it holds no data.
class PassiveSource : public Source {
    Q_OBJECT
public:
    PassiveSource(QString deviceId, QString uri, QString description)
        : Source(std::move(deviceId), std::move(uri))
        , m_description(std::move(description)) {}

    void start(core::BlockOutlet* /*outlet: unused, the feeder has its own*/) override {
        emit stateChanged(State::Live, m_description);
    }
    void stop() override {}
    /// The feeder's view of the device (e.g. Reconnecting while its broker is unreachable): emitted as
    /// stateChanged. Owner thread (the channel's), so the channel sees it at once.
    void report(State state, const QString& message) { emit stateChanged(state, message); }

private:
    const QString m_description;
};

} // namespace vibra::io
