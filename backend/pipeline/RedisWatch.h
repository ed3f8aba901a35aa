#pragma once

#include "redis/StreamWatcher.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QTimer>

#include <memory>

namespace vibra::io {
class PassiveSource;
}

namespace vibra::pipeline {

class Pipeline;

/// Connects a read-only redis::StreamWatcher (the dashboard's `--source redis://HOST:PORT/PREFIX`) to a
/// Pipeline: every device stream it sees becomes a DeviceChannel with a PassiveSource whose core's outlet the
/// watcher thread feeds (the channel is created here, on the owner thread, through a queued call and handed
/// back with StreamWatcher::provide). A watched device's URI is the watch URL plus `#DEVICE`, so a saved
/// workspace reopens the watch. Removing such a device from the pipeline releases it first (nothing is
/// delivered after Pipeline::aboutToRemove). Once a second it mirrors the connection into each device's state
/// (live / reconnecting with the reason) and reports undecodable entries and overflow on stderr.
///
/// Threads: owner thread (the pipeline's), except the request callback (watcher thread, posts only).
class RedisWatch : public QObject {
    Q_OBJECT
public:
    /// True for `redis://…` (with or without a `#DEVICE` suffix).
    static bool isWatchUri(const QString& uri);
    /// The watch URL of a watched device's URI (the part before `#`).
    static QString watchUrl(const QString& uri);
    /// Parses a watch URL (a `#DEVICE` suffix is ignored); false with a message naming the problem.
    static bool parse(const QString& uri, redis::StreamWatcher::Options* out, QString* error);

    RedisWatch(Pipeline& pipeline, QString url, redis::StreamWatcher::Options options,
               QObject* parent = nullptr);
    ~RedisWatch() override;

    void start();
    /// Stops the watcher (before the pipeline stops its devices).
    void stop();
    const QString& url() const { return m_url; }
    const redis::StreamWatcher& watcher() const { return *m_watcher; }
    bool connected() const { return m_watcher->stats().connected; }
    /// "redis HOST:PORT/PREFIX: 3 devices, 1.2 k entries, read-only" or "…: unreachable (reason), retrying".
    QString statusText() const;

private:
    void createChannel(const QString& deviceId);
    void poll();

    Pipeline& m_pipeline;
    const QString m_url;
    std::unique_ptr<redis::StreamWatcher> m_watcher;
    QHash<QString, io::PassiveSource*> m_sources; ///< owned by their channels; forgotten on aboutToRemove
    QTimer m_poll;
    bool m_reportedConnected = false;
    std::string m_reportedError;
    std::uint64_t m_reportedUndecodable = 0, m_reportedOverflow = 0, m_reportedOverCap = 0;
};

} // namespace vibra::pipeline
