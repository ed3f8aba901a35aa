#pragma once

#include "core/BlockOutlet.h"

#include <QObject>
#include <QString>

namespace vibra::io {

/// A device stream: simulator, serial port, WebSocket, file replay.
///
/// Threads: a Source is created on the GUI/main thread, then moved to an I/O QThread before start() is
/// invoked there. I/O threads are shared (pipeline::IoThreads: simulators, file replays and WebSocket clients
/// share a few timer-driven threads), except for sources that ask for their own (needsOwnThread(): serial
/// ports). From then on every method runs on that I/O thread and must never block it; the outlet is its only
/// way to hand samples to the engine (the input queue's producer end); a source that can wait asks
/// outlet->hasRoom() and retries from its timer instead of waiting. State and messages leave by queued
/// signals.
class Source : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Connecting, Live, Reconnecting, Finished, Failed };
    Q_ENUM(State)

    explicit Source(QString deviceId, QString uri, QObject* parent = nullptr)
        : QObject(parent)
        , m_deviceId(std::move(deviceId))
        , m_uri(std::move(uri)) {}

    /// Device name (from the URI; unique within a run).
    const QString& deviceId() const { return m_deviceId; }
    const QString& uri() const { return m_uri; }

    /// I/O thread. Opens the transport and begins delivering blocks into outlet (which outlives the
    /// source's run). A source that cannot start emits stateChanged(Failed, reason).
    virtual void start(core::BlockOutlet* outlet) = 0;
    /// I/O thread. Stops delivering and closes the transport; no block is delivered after it returns.
    virtual void stop() = 0;
    /// True for sources that end by themselves (file replay, simulator with a duration).
    virtual bool isFinite() const { return false; }
    /// True for sources whose transport wants a thread of its own (one reader per serial port).
    virtual bool needsOwnThread() const { return false; }

    static QString stateName(State s) {
        switch (s) {
        case State::Idle:
            return QStringLiteral("idle");
        case State::Connecting:
            return QStringLiteral("connecting");
        case State::Live:
            return QStringLiteral("live");
        case State::Reconnecting:
            return QStringLiteral("reconnecting");
        case State::Finished:
            return QStringLiteral("finished");
        case State::Failed:
            return QStringLiteral("failed");
        }
        return {};
    }

signals:
    /// Queued to observers. message explains Failed/Reconnecting states in words a user understands.
    void stateChanged(vibra::io::Source::State state, const QString& message);
    /// End of a finite stream: every block has been delivered.
    void finished();

private:
    const QString m_deviceId;
    const QString m_uri;
};

} // namespace vibra::io
