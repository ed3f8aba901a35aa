#pragma once

#include "cli/RecorderOptions.h"
#include "service/Service.h"

#include <QMap>
#include <QStringList>

namespace vibra::pipeline {
class Pipeline;
}

namespace vibra::cli {

/// The effective settings of `vibrascope serve` (command line over the --config file).
struct ServeSettings {
    RecorderOptions recorder;
    service::Service::Options service;
};

/// SIGHUP for `serve`: compares newly read settings with the running ones and applies what can change
/// while recording: sources added, removed or changed (the other devices keep running), alarm rules,
/// triggers (all restarted when any changed), tokens and webhooks. Everything else that differs (database,
/// storage, HTTP address and limits, TLS, workers, ...) is named as needing a restart and keeps its running
/// value.
///
/// Threads: owner thread (the pipeline's).
class ServeReload {
public:
    ServeReload(pipeline::Pipeline& pipeline, service::Service& service, ServeSettings running);

    /// Records which device a configured source URI became (at start).
    void noteSource(const QString& uri, const QString& deviceId) { m_devices.insert(uri, deviceId); }
    /// Applies next; returns one line per change, per failure and per setting that needs a restart.
    QStringList apply(const ServeSettings& next);

private:
    QStringList applySources(const QStringList& next);
    static QStringList restartNeeded(const ServeSettings& a, const ServeSettings& b);
    static bool triggersDiffer(const ServeSettings& a, const ServeSettings& b);

    pipeline::Pipeline& m_pipeline;
    service::Service& m_service;
    ServeSettings m_running;
    QMap<QString, QString> m_devices; ///< source URI -> device id
};

} // namespace vibra::cli
