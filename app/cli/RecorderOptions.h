#pragma once

#include "alarms/AlarmRule.h"
#include "io/IngestServer.h"
#include "recording/Recorder.h"
#include "redis/StreamConsumer.h"

#include <QCommandLineParser>
#include <QStringList>

#include <optional>

namespace vibra::cli {

/// The options `record` and `serve` share: sources, the ingest server, storage, alarms, engine size and
/// status output. add() declares them on a parser; parse() validates them into a plain value and explains
/// what is wrong (the caller turns that into a usage error, exit 2).
struct RecorderOptions {
    QStringList sources;
    std::optional<io::IngestServer::Options> listen;
    QString listenText; ///< as given, for messages
    recording::Recorder::Options recorder;
    /// `--consume redis://…`: devices published by edge recorders (docs/scaling.md).
    std::optional<redis::StreamConsumer::Options> consume;
    alarms::AlarmRules alarms;
    double durationSeconds = 0.0; ///< 0 = until stopped (wall-clock)
    int workers = 0;              ///< DSP pool threads (0 = cores)
    int maxDevices = 1000;
    int ingestThreads = 0; ///< --listen threads (0 = cores, at most 4)
    bool quiet = false;
    bool verbose = false;
    QString reportJson; ///< write the final report here (JSON)
    /// `serve`: --token is the HTTP server's control token (no --listen needed) and a source is optional
    /// (devices may arrive over HTTP or WebSocket ingest). Set before parse().
    bool serve = false;

    /// Declares every shared option on p.
    static void add(QCommandLineParser& p);
    /// Reads them back; false with *error naming the option when a value is invalid or options conflict.
    /// needSource: at least one --source, --listen or --consume is required.
    bool parse(const QCommandLineParser& p, bool needSource, QString* error);
};

} // namespace vibra::cli
